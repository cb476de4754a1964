import { describe, expect, it } from 'vitest';
import type { InterfaceInfo, UmemLimits } from './facts.ts';
import type { SocketConfig, UmemConfig } from './protocol.ts';
import { maxHeadroomFor, validateSocket, validateUmem } from './validation.ts';

// What the probe found on the development kernel; the rules read whatever the running kernel says.
const limits: UmemLimits = {
  pageSize: 4096,
  alignedChunkSizes: [2048, 4096],
  unalignedChunkRange: { min: 2048, max: 4096 },
  maxHeadroom: { '2048': 1344, '4096': 3392 },
};
const umem: UmemConfig = {
  frameCount: 4096,
  frameSize: 4096,
  headroom: 0,
  fillSize: 2048,
  completionSize: 2048,
  unaligned: false,
};
const veth: InterfaceInfo = {
  name: 'rs-app',
  ifindex: 2,
  driver: 'veth',
  rxQueues: 2,
  txQueues: 2,
  mtu: 1500,
  xdpFeatures: {
    basic: true,
    redirect: true,
    ndoXmit: false,
    xskZeroCopy: false,
    hwOffload: false,
    rxSg: true,
    ndoXmitSg: false,
    zeroCopyMaxSegments: 1,
  },
  attachedXdp: null,
};
const socket: SocketConfig = {
  ifname: 'rs-app',
  queueId: 0,
  rxSize: 2048,
  txSize: 2048,
  xdpMode: 'drv',
  copy: true,
  zeroCopy: false,
  needWakeup: true,
  batchSize: 64,
};
const fields = (problems: { field: string }[]) => problems.map((problem) => problem.field);

describe('UMEM rules', () => {
  it('accepts what the kernel accepts', () => {
    expect(validateUmem(umem, limits)).toEqual([]);
    expect(validateUmem({ ...umem, frameSize: 3000, unaligned: true }, limits)).toEqual([]);
  });

  it('refuses a chunk size the kernel refuses in aligned mode, and points to unaligned mode', () => {
    const [problem] = validateUmem({ ...umem, frameSize: 3000 }, limits);
    expect(problem?.message).toBe(
      'in aligned mode this kernel accepts chunk sizes 2048 or 4096; other sizes need unaligned mode',
    );
  });

  it('caps headroom where the kernel does, and applies the probed reserve to unaligned sizes', () => {
    expect(validateUmem({ ...umem, headroom: 3392 }, limits)).toEqual([]);
    expect(fields(validateUmem({ ...umem, headroom: 3393 }, limits))).toEqual(['headroom']);
    expect(maxHeadroomFor(limits, 3000)).toBe(3000 - 704);
  });

  it("refuses a UMEM beyond Ringside's per-UMEM memory ceiling, naming the fix", () => {
    const [problem] = validateUmem({ ...umem, frameCount: 2 ** 19 }, limits);
    expect(problem?.field).toBe('frameCount');
    expect(problem?.message).toContain('use fewer frames');
  });

  it('names the powers of two around a ring size that is not one', () => {
    const [problem] = validateUmem({ ...umem, fillSize: 3000 }, limits);
    expect(problem).toEqual({
      field: 'fillSize',
      message: 'FILL ring size must be a power of two (kernel rule): try 2048 or 4096',
    });
  });
});

describe('socket rules', () => {
  it('accepts a copy-mode socket on a queue that exists', () => {
    expect(validateSocket(socket, 'rxdrop', veth)).toEqual([]);
  });

  it('refuses zero-copy where the driver lacks it, saying to use copy mode', () => {
    const problems = validateSocket({ ...socket, copy: false, zeroCopy: true }, 'rxdrop', veth);
    expect(problems).toEqual([
      { field: 'zeroCopy', message: 'the veth driver of rs-app does not support zero-copy AF_XDP: use copy mode' },
    ]);
  });

  it('refuses a queue the interface does not have', () => {
    expect(validateSocket({ ...socket, queueId: 2 }, 'rxdrop', veth)[0]?.message).toBe(
      'rs-app has 2 receive queue(s): pick a queue from 0 to 1',
    );
  });

  it('asks for the ring a workload needs, and for at least one ring', () => {
    expect(fields(validateSocket({ ...socket, rxSize: 0 }, 'rxdrop', veth))).toEqual(['rxSize']);
    expect(fields(validateSocket({ ...socket, txSize: 0 }, 'l2fwd', veth))).toEqual(['txSize']);
    expect(fields(validateSocket({ ...socket, rxSize: 0, txSize: 0 }, 'txonly', veth))).toContain('rxSize');
  });

  it('refuses copy and zero-copy together, as the kernel does', () => {
    expect(fields(validateSocket({ ...socket, zeroCopy: true }, 'rxdrop', veth))).toContain('zeroCopy');
  });

  it('accepts multi-buffer where the driver has rx-sg', () => {
    expect(validateSocket({ ...socket, multiBuffer: true }, 'rxdrop', veth)).toEqual([]);
  });

  it('refuses multi-buffer where the driver lacks rx-sg, naming the interface and the fix', () => {
    const noSg = {
      ...veth,
      driver: 'tun',
      xdpFeatures: { ...(veth.xdpFeatures as NonNullable<InterfaceInfo['xdpFeatures']>), rxSg: false },
    };
    expect(validateSocket({ ...socket, multiBuffer: true }, 'rxdrop', noSg)).toEqual([
      {
        field: 'multiBuffer',
        message:
          'the tun driver of rs-app cannot receive a frame in several buffers (no rx-sg in its xdp-features): turn multi-buffer off, or use an interface whose driver has rx-sg',
      },
    ]);
    expect(validateSocket(socket, 'rxdrop', noSg)).toEqual([]);
  });

  it('refuses zero-copy multi-buffer where xdp-zc-max-segs is 1', () => {
    const zeroCopy = {
      ...veth,
      xdpFeatures: { ...(veth.xdpFeatures as NonNullable<InterfaceInfo['xdpFeatures']>), xskZeroCopy: true },
    };
    const config = { ...socket, copy: false, zeroCopy: true, multiBuffer: true };
    expect(validateSocket(config, 'rxdrop', zeroCopy)[0]?.message).toMatch(
      /at most 1 buffer per frame \(xdp-zc-max-segs\)/,
    );
    const segments = {
      ...zeroCopy,
      xdpFeatures: { ...(zeroCopy.xdpFeatures as NonNullable<InterfaceInfo['xdpFeatures']>), zeroCopyMaxSegments: 4 },
    };
    expect(validateSocket(config, 'rxdrop', segments)).toEqual([]);
  });
});
