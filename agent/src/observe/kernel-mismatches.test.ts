import { defaultSocketRequest, type SocketRequest } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { kernelMismatches, mismatchChange } from './kernel-mismatches.ts';
import { kernelViewOf } from './kernel-view.ts';
import { device, diagSocket, readings } from './test-readings.ts';

const base = defaultSocketRequest('rs-app', 0);
const request = (change: { umem?: Partial<SocketRequest['umem']>; socket?: Partial<SocketRequest['socket']> }) => ({
  umem: {
    ...base.umem,
    fillSize: 2048,
    completionSize: 2048,
    frameSize: 2048,
    headroom: 0,
    unaligned: false,
    ...change.umem,
  },
  socket: {
    ...base.socket,
    rxSize: 2048,
    txSize: 2048,
    xdpMode: 'skb' as const,
    copy: true,
    zeroCopy: false,
    ...change.socket,
  },
});
const received = { rxAddresses: [0, 1, 2].map((frame) => ({ base: frame * 2048 + 256, offset: 0 })) };

describe('requested against in effect', () => {
  it('finds nothing when the kernel shows what was asked', () => {
    expect(kernelMismatches(request({}), kernelViewOf(readings(received)))).toEqual([]);
  });

  it('names a ring whose size is not among the kernel’s candidates, and a ring asked for that the kernel lacks', () => {
    const facts = kernelMismatches(request({ socket: { rxSize: 512, txSize: 0 } }), kernelViewOf(readings()));
    expect(facts.map((mismatch) => [mismatch.fact, mismatch.requested, mismatch.inEffect])).toEqual([
      ['rings.rx', '512 entries', '2048 entries'],
      ['rings.tx', 'no ring', '2048 entries'],
    ]);
  });

  it('names zero-copy asked but copy in effect', () => {
    const facts = kernelMismatches(request({ socket: { copy: false, zeroCopy: true } }), kernelViewOf(readings()));
    expect(facts).toMatchObject([{ fact: 'zeroCopy', requested: 'zero-copy', inEffect: 'copy' }]);
  });

  it('names SKB asked while the interface runs its program in driver mode, only for a socket that receives', () => {
    const drv = kernelViewOf(readings({ device: device({ attachedXdp: { mode: 'drv', programId: 7 } }) }));
    expect(kernelMismatches(request({}), drv)).toMatchObject([{ fact: 'xdpMode', requested: 'skb', inEffect: 'drv' }]);
    expect(
      kernelMismatches(
        request({ socket: { rxSize: 0 } }),
        kernelViewOf(
          readings({
            device: device({ attachedXdp: null }),
            rings: { ...readings().rings, rx: { mappedBytes: 0, descOffset: 256 } },
          }),
        ),
      ),
    ).toEqual([]);
  });

  it('names a chunk size, headroom or alignment the received data contradicts', () => {
    const facts = kernelMismatches(
      request({ umem: { frameSize: 4096, headroom: 64, unaligned: true } }),
      kernelViewOf(readings(received)),
    );
    expect(facts.map((mismatch) => [mismatch.fact, mismatch.requested, mismatch.inEffect])).toEqual([
      ['chunkSize', '4096', '2048'],
      ['headroom', '64', '0'],
      ['unaligned', 'true', 'false'],
    ]);
  });

  it('names a queue without an XSK', () => {
    const facts = kernelMismatches(
      request({ socket: { queueId: 1 } }),
      kernelViewOf(readings({ device: device({ queueId: 1, queues: [] }) })),
    );
    expect(facts).toMatchObject([{ fact: 'queueId', requested: '1', inEffect: 'no XSK on queue 1' }]);
  });

  it('agrees with a chunk the received stride is a multiple of: two sockets taking turns on one FILL ring', () => {
    // Round-robin between two sockets sharing FILL: this one received into every other 2048-byte chunk,
    // starting at the second, so the stride is 4096 and data starts 2048 + 256 B into it.
    const turns = { rxAddresses: [1, 3, 5, 7].map((chunk) => ({ base: chunk * 2048 + 256, offset: 0 })) };
    const view = kernelViewOf(readings(turns));
    expect(view.chunkSize).toMatchObject({ value: null, divides: 4096 });
    expect(view.headroom.value).toBeNull();
    expect(kernelMismatches(request({}), view)).toEqual([]);
    // A stride the request does not divide still is a mismatch.
    expect(kernelMismatches(request({ umem: { frameSize: 3000, unaligned: true } }), view)).toMatchObject([
      { fact: 'chunkSize', requested: '3000', inEffect: 'a divisor of 4096' },
      { fact: 'unaligned' },
    ]);
  });

  it('holds xsk_diag’s UMEM facts to the request exactly: they are the registered ones, not a stride', () => {
    const diag = diagSocket();
    const view = kernelViewOf(readings({ diag: { socket: diag } }));
    expect(kernelMismatches(request({}), view)).toMatchObject([
      { fact: 'chunkSize', requested: '2048', inEffect: '4096' },
    ]);
  });
});

describe('what a kernel-mismatch event tells', () => {
  const mode = { fact: 'xdpMode', requested: 'skb', inEffect: 'no program', explanation: 'rs-app has none' };
  const ring = { fact: 'rings.rx', requested: '512 entries', inEffect: '2048 entries', explanation: 'another size' };

  it('tells nothing when the same mismatches are found again, however their explanation is worded', () => {
    expect(mismatchChange([], [])).toBeNull();
    expect(mismatchChange([mode], [{ ...mode, explanation: 'worded anew' }])).toBeNull();
  });

  it('tells a new mismatch, and those that cleared', () => {
    expect(mismatchChange([], [mode])).toEqual({ now: [mode], cleared: [] });
    expect(mismatchChange([mode, ring], [ring])).toEqual({ now: [ring], cleared: [mode] });
    expect(mismatchChange([mode], [])).toEqual({ now: [], cleared: [mode] });
  });
});
