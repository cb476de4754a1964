import { describe, expect, it } from 'vitest';
import { kernelViewOf, type RxAddress, rxLayoutOf, unreadKernelView } from './kernel-view.ts';
import { device, diagSocket, PAGE, readings } from './test-readings.ts';

/** Aligned data: chunk start, then the headroom, then XDP_PACKET_HEADROOM. */
const aligned = (chunk: number, frames: number[], headroom: number): RxAddress[] =>
  frames.map((frame) => ({ base: frame * chunk + headroom + 256, offset: 0 }));

describe('the kernel’s view of a socket, from raw readings', () => {
  it('sizes each ring from its longest mapping, and has none where the kernel mapped none', () => {
    const view = kernelViewOf(readings({ rings: { ...readings().rings, tx: { mappedBytes: 0, descOffset: 256 } } }));
    expect(view.rings.rx).toEqual({ candidates: [2048], exact: true, present: true, source: 'mmap-probe' });
    expect(view.rings.fill.candidates).toEqual([2048]);
    expect(view.rings.tx).toEqual({ candidates: [], exact: true, present: false, source: 'mmap-probe' });
    expect(view.txNeedWakeup).toMatchObject({ value: null, source: 'ring-flags' });
  });

  it('says every count a one-page ring could hold', () => {
    const view = kernelViewOf(readings({ rings: { ...readings().rings, rx: { mappedBytes: PAGE, descOffset: 256 } } }));
    expect(view.rings.rx.exact).toBe(false);
    expect(view.rings.rx.candidates).toContain(64);
    expect(view.rings.rx.candidates).not.toContain(256);
  });

  it('reports the attach mode and program netlink lists, and none when there is none', () => {
    expect(kernelViewOf(readings()).xdpMode).toMatchObject({ value: 'skb', source: 'netlink' });
    expect(kernelViewOf(readings()).xdpProgramId.value).toBe(42);
    expect(kernelViewOf(readings({ device: device({ attachedXdp: null }) })).xdpMode).toMatchObject({
      value: null,
      source: 'netlink',
    });
  });

  it('reads need_wakeup from the flags words, not from anything asked', () => {
    const view = kernelViewOf(readings({ flags: { fill: 0, tx: 1 } }));
    expect(view.fillNeedWakeup.value).toBe(false);
    expect(view.txNeedWakeup.value).toBe(true);
    expect(view.txNeedWakeup.note).toContain('copy mode');
  });

  it('places the socket on the queue whose netdev queue object has an XSK', () => {
    const view = kernelViewOf(readings({ device: device({ queueId: 1, queues: [{ id: 3, type: 'rx', xsk: true }] }) }));
    expect(view.queueId).toMatchObject({ value: 3, source: 'netlink' });
    expect(view.ifname.value).toBe('rs-app');
    const none = kernelViewOf(
      readings({ device: device({ queueId: 1, queues: [{ id: 1, type: 'rx', xsk: false }] }) }),
    );
    expect(none.queueId).toMatchObject({ value: null, source: 'netlink' });
    expect(none.queueId.note).toContain('no queue of rs-app has an XSK');
    expect(kernelViewOf(readings({ device: device({ queues: null }) })).queueId.source).toBe('unknown');
  });
});

describe('the UMEM layout, from where the kernel wrote received data', () => {
  it('leaves chunk size, headroom and alignment unknown before anything was received', () => {
    const layout = rxLayoutOf([], PAGE);
    expect(layout.chunkSize).toMatchObject({ value: null, source: 'unknown' });
    expect(layout.chunkSize.note).toContain('no frame received yet');
  });

  it('finds 2048-byte aligned chunks and the headroom before XDP_PACKET_HEADROOM', () => {
    const layout = rxLayoutOf(aligned(2048, [5, 6, 8, 11], 128), PAGE);
    expect(layout.chunkSize).toMatchObject({ value: 2048, source: 'ring-contents' });
    expect(layout.headroom.value).toBe(128);
    expect(layout.unaligned.value).toBe(false);
  });

  it('tells unaligned chunks by the offset the kernel puts in the top bits', () => {
    // Unaligned: the low bits are the FILL address plus the headroom, the top 16 bits XDP_PACKET_HEADROOM.
    const addresses = [4, 5, 7].map((frame) => ({ base: frame * 3000 + 64, offset: 256 }));
    const layout = rxLayoutOf(addresses, PAGE);
    expect(layout.unaligned.value).toBe(true);
    expect(layout.chunkSize.value).toBe(3000);
    expect(layout.headroom.value).toBe(64);
  });

  it('names only a multiple of the chunk size while frames of neighbouring chunks are missing, and nothing from one chunk', () => {
    const apart = rxLayoutOf(aligned(2048, [2, 4, 8], 0), PAGE);
    expect(apart.chunkSize).toMatchObject({ value: null, source: 'ring-contents', divides: 4096 });
    expect(apart.chunkSize.note).toContain('a multiple of the chunk: 4096');
    expect(apart.headroom).toMatchObject({ value: null, source: 'unknown' });
    expect(rxLayoutOf(aligned(2048, [3, 3], 0), PAGE).chunkSize).toMatchObject({ value: null, source: 'unknown' });
  });

  it('names the chunk when only one size divides the stride: 2048-byte aligned chunks three apart', () => {
    const layout = rxLayoutOf(aligned(2048, [1, 4, 7], 64), PAGE);
    expect(layout.chunkSize).toMatchObject({ value: 2048, source: 'ring-contents' });
    expect(layout.headroom.value).toBe(64);
  });
});

describe('one builder for every socket, whatever was read of it', () => {
  const diag = diagSocket(
    { inode: 9, queueId: 1, rings: { rx: 64, tx: null, fill: 64, completion: 64 } },
    { headroom: 64, queueId: 1 },
  );

  it('prefers xsk_diag where the kernel has it: exact ring sizes, the socket’s own queue and its UMEM', () => {
    const rx = aligned(4096, [1, 2], 64);
    const view = kernelViewOf(readings({ diag: { socket: diag }, rxAddresses: rx }));
    expect(view.rings.rx).toEqual({ candidates: [64], exact: true, present: true, source: 'socket-diag' });
    expect(view.rings.tx.present).toBe(false);
    expect(view.queueId).toEqual({ value: 1, source: 'socket-diag' });
    expect(view.chunkSize).toEqual({ value: 4096, source: 'socket-diag' });
    // xsk_diag has no UMEM flags: alignment still comes from where the kernel wrote.
    expect(view.unaligned).toMatchObject({ value: false, source: 'ring-contents' });
    expect(view.xdpMode.source).toBe('netlink');
  });

  it('leaves what was not read unknown, saying why: no interface, no mapped ring', () => {
    const view = kernelViewOf(readings({ device: null, flags: null, rxAddresses: null }));
    expect(view.xdpMode).toMatchObject({ value: null, source: 'unknown' });
    expect(view.queueId.note).toContain('the kernel has no xsk_diag');
    expect(view.fillNeedWakeup).toMatchObject({ value: null, source: 'unknown' });
    expect(view.chunkSize.note).toBe('the kernel has no xsk_diag; the RX ring was not read');
  });

  it('says why a view could not be read, in every fact', () => {
    const view = unreadKernelView(5, 'the kernel’s view could not be read: ENODEV');
    expect(view.rings.rx).toMatchObject({ present: false, source: 'unknown' });
    expect(view.queueId).toEqual({
      value: null,
      source: 'unknown',
      note: 'the kernel’s view could not be read: ENODEV',
    });
  });
});
