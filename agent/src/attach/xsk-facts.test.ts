import { describe, expect, it } from 'vitest';
import type { SocketReadings } from '../observe/read-kernel-view.ts';
import { diagSocket } from '../observe/test-readings.ts';
import { factsOf } from './xsk-facts.ts';

const PAGE = 4096;
/** Where this kernel puts each ring's entries: at byte 0x140 of its mapping. */
const at = (bytes: number) => ({
  mappedBytes: bytes === 0 ? 0 : Math.ceil((0x140 + bytes) / PAGE) * PAGE,
  descOffset: 0x140,
});

/** An rxdrop socket of 2048-entry rings, without TX, as the mapping probe measures it. */
const readings: SocketReadings = {
  rings: { rx: at(2048 * 16), tx: at(0), fill: at(2048 * 8), completion: at(64 * 8) },
  zeroCopy: false,
  pageSize: PAGE,
  readAt: 1234,
};

/** On queue 1, with a UMEM of 2048-byte chunks and 128 bytes of headroom, without TX. */
const diag = diagSocket(
  { queueId: 1, rings: { rx: 2048, tx: null, fill: 2048, completion: 64 } },
  { id: 7, chunkSize: 2048, headroom: 128, queueId: 1 },
);

describe('the facts of a foreign XSK', () => {
  it('bounds each ring by its mapping where xsk_diag is missing, and says the rest is unknown', () => {
    const { kernel, umem } = factsOf(readings, null, 'the kernel has no xsk_diag');
    expect(kernel.rings.rx).toEqual({ candidates: [2048], exact: true, present: true, source: 'mmap-probe' });
    expect(kernel.rings.tx).toEqual({ candidates: [], exact: true, present: false, source: 'mmap-probe' });
    // 64 addresses share their page with every smaller power of two that still needs that page.
    expect(kernel.rings.completion.exact).toBe(false);
    expect(kernel.rings.completion.candidates).toContain(64);
    expect(kernel.zeroCopy).toMatchObject({ value: false, source: 'getsockopt' });
    // Nothing names the interface, and no ring was mapped: what only those tell stays unknown.
    expect(kernel.xdpMode.source).toBe('unknown');
    expect(kernel.fillNeedWakeup.source).toBe('unknown');
    expect(kernel.unaligned.source).toBe('unknown');
    expect(kernel.ifname).toMatchObject({ value: null, source: 'unknown' });
    expect(kernel.ifname.note).toContain('the kernel has no xsk_diag');
    expect(kernel.chunkSize.source).toBe('unknown');
    expect(kernel.readAt).toBe(1234);
    expect(umem).toEqual({ id: null, size: null, chunkSize: null, headroom: null, refs: null, source: 'unknown' });
  });

  it('takes sizes, interface, queue and UMEM from xsk_diag where the kernel has it', () => {
    const { kernel, umem } = factsOf(readings, diag, '');
    expect(kernel.rings.completion).toEqual({ candidates: [64], exact: true, present: true, source: 'socket-diag' });
    expect(kernel.rings.tx).toEqual({ candidates: [], exact: true, present: false, source: 'socket-diag' });
    expect(kernel.ifname).toEqual({ value: 'rs-app', source: 'socket-diag' });
    expect(kernel.queueId).toEqual({ value: 1, source: 'socket-diag' });
    expect(kernel.chunkSize).toEqual({ value: 2048, source: 'socket-diag' });
    expect(kernel.headroom).toEqual({ value: 128, source: 'socket-diag' });
    expect(umem).toEqual({ id: 7, size: 8 << 20, chunkSize: 2048, headroom: 128, refs: 1, source: 'socket-diag' });
  });

  it('reads an unbound socket in the dump as bound nowhere', () => {
    const { kernel } = factsOf(readings, { ...diag, ifindex: null, queueId: null, ifname: null }, '');
    expect(kernel.ifname).toMatchObject({ value: null, source: 'unknown', note: 'not bound to an interface' });
    expect(kernel.queueId).toMatchObject({ value: null, source: 'unknown' });
  });
});
