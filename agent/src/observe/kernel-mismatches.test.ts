import { defaultSocketRequest, type SocketRequest } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { kernelMismatches } from './kernel-mismatches.ts';
import { kernelViewOf } from './kernel-view.ts';
import { readings } from './test-readings.ts';

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
    const drv = kernelViewOf(readings({ attachedXdp: { mode: 'drv', programId: 7 } }));
    expect(kernelMismatches(request({}), drv)).toMatchObject([{ fact: 'xdpMode', requested: 'skb', inEffect: 'drv' }]);
    expect(
      kernelMismatches(
        request({ socket: { rxSize: 0 } }),
        kernelViewOf(
          readings({ attachedXdp: null, rings: { ...readings().rings, rx: { mappedBytes: 0, descOffset: 256 } } }),
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
      kernelViewOf(readings({ queueId: 1, queues: [] })),
    );
    expect(facts).toMatchObject([{ fact: 'queueId', requested: '1', inEffect: 'no XSK on queue 1' }]);
  });
});
