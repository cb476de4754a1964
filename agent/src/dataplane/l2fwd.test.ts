import { describe, expect, it } from 'vitest';
import { XDP_PKT_CONTD } from '../native/uapi.ts';
import { Counter } from './control.ts';
import { FramePipeline } from './pipeline.ts';
import { PlayedKernel } from './test-kernel.ts';

const C = XDP_PKT_CONTD;
const MACS = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2];
const SWAPPED = [2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1];

describe('l2fwd', () => {
  it('sends as many whole packets as TX has room for, cut at a packet’s end, and the rest when room comes back', () => {
    const kernel = new PlayedKernel({ batchSize: 8, ringSize: 8, lanes: [{ workload: 'l2fwd' }] });
    const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
    const counters = kernel.lanes[0]?.counters as Float64Array;
    pipeline.round();
    // Three frames on TX, not yet taken by the kernel: room for five more.
    kernel.receive(0, 3);
    pipeline.round();
    expect(kernel.counts()).toMatchObject({ tx: 3 });

    // Three packets of two descriptors each: the third would need six slots.
    const chained = kernel.takeFill(0, 6);
    const umem = kernel.setup.umem;
    for (const address of chained) umem.set(MACS, address);
    kernel.deliver(0, chained, 1000, [C, 0, C, 0, C, 0]);
    pipeline.round();
    expect(kernel.txOptions(0)).toEqual([0, 0, 0, C, 0, C, 0]);
    expect(kernel.counts()).toMatchObject({ tx: 7, app: 2 });
    expect(kernel.owners().violations).toEqual([]);

    const sent = kernel.transmit(0).map((frame) => frame.address);
    expect(sent.slice(3)).toEqual(chained.slice(0, 4));
    pipeline.round();
    expect(kernel.txOptions(0)).toEqual([C, 0]);
    const third = kernel.transmit(0);
    expect(third.map((frame) => frame.address)).toEqual(chained.slice(4));
    expect(counters[Counter.TX_PACKETS]).toBe(3 + 3);

    // Each packet's Ethernet header is in its first buffer: only those are swapped.
    chained.forEach((address, i) => {
      expect(Array.from(umem.subarray(address, address + 12))).toEqual(i % 2 === 0 ? SWAPPED : MACS);
    });
    pipeline.round();
    expect(kernel.counts()).not.toHaveProperty('app');
    expect(kernel.owners().violations).toEqual([]);
  });
});
