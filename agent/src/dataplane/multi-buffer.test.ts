import { describe, expect, it } from 'vitest';
import { XDP_PKT_CONTD } from '../native/uapi.ts';
import { Control, Counter, readCaptures } from './control.ts';
import { writeUdpFrame } from './frames.ts';
import { firstPacketLength, wholePacketsWithin } from './packets.ts';
import { FramePipeline } from './pipeline.ts';
import { PlayedKernel, type PlayedUmem, TEMPLATE } from './test-kernel.ts';

const C = XDP_PKT_CONTD;

function played(options: PlayedUmem) {
  const kernel = new PlayedKernel(options);
  const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
  const lane = kernel.lanes[0] as (typeof kernel.lanes)[number];
  return { kernel, pipeline, control: lane.control, counters: lane.counters };
}

/** Writes a lab test frame of `length` bytes across `addresses`, `chunk` bytes in each but the last. */
function scatter(umem: Uint8Array, addresses: readonly number[], length: number, chunk: number): number[] {
  const whole = new Uint8Array(length);
  writeUdpFrame(whole, 0, { ...TEMPLATE, length });
  return addresses.map((address, i) => {
    const part = whole.subarray(i * chunk, Math.min(length, (i + 1) * chunk));
    umem.set(part, address);
    return part.length;
  });
}

describe('a multi-buffer packet: descriptors chained by XDP_PKT_CONTD', () => {
  it('cuts only at a packet’s last descriptor', () => {
    // The first packet's length, or 0 while its last descriptor has not come.
    expect(firstPacketLength([C, C, 0, 0], 4)).toBe(3);
    expect(firstPacketLength([0, C, 0], 3)).toBe(1);
    expect(firstPacketLength([C, C], 2)).toBe(0);
    expect(firstPacketLength([C, C, 0], 2)).toBe(0);
    // Within a limit, up to the last packet's end.
    expect(wholePacketsWithin([C, C, 0, 0], 3)).toBe(3);
    expect(wholePacketsWithin([C, C, 0, 0], 4)).toBe(4);
    expect(wholePacketsWithin([C, 0, C, 0, 0], 3)).toBe(2);
    expect(wholePacketsWithin([C, 0, C, 0, 0], 5)).toBe(5);
    expect(wholePacketsWithin([C, C, 0], 2)).toBe(0);
    expect(wholePacketsWithin([0], 0)).toBe(0);
  });

  it('rxdrop counts a packet once and each descriptor, and frees every frame it came in', () => {
    const { kernel, pipeline, counters } = played({ lanes: [{ workload: 'rxdrop' }] });
    pipeline.round();
    const taken = kernel.takeFill(0, 3);
    kernel.deliver(0, taken, 2048, [C, C, 0]);
    expect(kernel.counts()).toEqual({ free: 28, fill: 1, rx: 3 });
    pipeline.round();
    expect(counters[Counter.RX_PACKETS]).toBe(1);
    expect(counters[Counter.RX_DESCRIPTORS]).toBe(3);
    expect(counters[Counter.RX_BYTES]).toBe(3 * 2048);
    expect(kernel.owners().violations).toEqual([]);
    expect(kernel.counts()).toEqual({ free: 27, fill: 5 });
  });

  it('a packet whose descriptors straddle two drains counts at its last, each frame freed as it is drained', () => {
    const { kernel, pipeline, counters } = played({ batchSize: 2, lanes: [{ workload: 'rxdrop' }] });
    pipeline.round();
    const taken = kernel.takeFill(0, 2);
    kernel.deliver(0, taken, 1000, [C, C]);
    pipeline.round();
    expect(counters[Counter.RX_PACKETS]).toBe(0);
    expect(counters[Counter.RX_DESCRIPTORS]).toBe(2);
    const last = kernel.takeFill(0, 1);
    kernel.deliver(0, last, 500, [0]);
    pipeline.round();
    expect(counters[Counter.RX_PACKETS]).toBe(1);
    expect(counters[Counter.RX_BYTES]).toBe(2500);
    expect(kernel.owners().violations).toEqual([]);
  });

  it('l2fwd sends a packet on only once it is whole, with XDP_PKT_CONTD as it came and the MACs swapped in its first buffer', () => {
    const { kernel, pipeline, counters } = played({ batchSize: 2, ringSize: 8, lanes: [{ workload: 'l2fwd' }] });
    pipeline.round();
    const taken = kernel.takeFill(0, 2);
    kernel.setup.umem.set([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2], taken[0] as number);
    kernel.deliver(0, taken, 2048, [C, C]);
    pipeline.round();
    // Both held by the application: the packet's last descriptor has not come.
    expect(kernel.counts()).toMatchObject({ app: 2 });
    expect(kernel.txOptions(0)).toEqual([]);
    pipeline.round();
    const last = kernel.takeFill(0, 1);
    kernel.deliver(0, last, 100, [0]);
    pipeline.round();
    // A chain longer than a batch (2) still goes, whole.
    expect(kernel.txOptions(0)).toEqual([C, C, 0]);
    expect(kernel.counts()).toMatchObject({ tx: 3 });
    expect(kernel.owners().violations).toEqual([]);
    const sent = kernel.transmit(0);
    expect(sent.map((frame) => frame.address)).toEqual([...taken, ...last]);
    expect(sent.map((frame) => frame.length)).toEqual([2048, 2048, 100]);
    const first = taken[0] as number;
    expect(Array.from(kernel.setup.umem.subarray(first, first + 12))).toEqual([2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]);
    expect(counters[Counter.TX_PACKETS]).toBe(1);
    expect(counters[Counter.TX_DESCRIPTORS]).toBe(3);
    pipeline.round();
    expect(kernel.counts().completion ?? 0).toBe(0);
    expect(counters[Counter.COMPLETED]).toBe(3);
    expect(kernel.owners().violations).toEqual([]);
  });

  it('txonly sends a frame longer than a chunk as a chain of chunks that adds up to the frame', () => {
    const { kernel, pipeline, control, counters } = played({
      batchSize: 4,
      ringSize: 16,
      lanes: [{ workload: 'txonly' }],
    });
    control[Control.RATE_PPS] = 1_000_000;
    control[Control.FRAME_LENGTH] = 5000;
    control[Control.SEND_REMAINING] = 2;
    kernel.now = 1000;
    pipeline.round();
    // 5000 bytes in 2048-byte chunks: three descriptors; a batch of 4 takes one chain.
    expect(kernel.txOptions(0)).toEqual([C, C, 0]);
    const options = kernel.txOptions(0);
    const sent = kernel.takeTx(0);
    expect(sent.map((frame) => frame.length)).toEqual([2048, 2048, 904]);
    const bytes = new Uint8Array(5000);
    let at = 0;
    for (const frame of sent) {
      bytes.set(kernel.setup.umem.subarray(frame.address, frame.address + frame.length), at);
      at += frame.length;
    }
    const expected = new Uint8Array(5000);
    writeUdpFrame(expected, 0, { ...TEMPLATE, length: 5000 });
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    expect(options.filter((option) => option === C)).toHaveLength(2);
    expect(counters[Counter.TX_PACKETS]).toBe(1);
    expect(counters[Counter.TX_DESCRIPTORS]).toBe(3);
    pipeline.round();
    expect(control[Control.SEND_REMAINING]).toBe(0);
    expect(counters[Counter.TX_PACKETS]).toBe(2);
    expect(kernel.owners().violations).toEqual([]);
  });

  it('the inspector follows a packet across its buffers: captured at its whole length, and verified whole', () => {
    const { kernel, pipeline, control, counters } = played({ lanes: [{ workload: 'rxdrop' }] });
    control[Control.VERIFY] = 1;
    control[Control.CAPTURE] = 1;
    pipeline.round();
    const taken = kernel.takeFill(0, 3);
    const lengths = scatter(kernel.setup.umem, taken, 5000, 2048);
    for (const [i, address] of taken.entries()) kernel.deliver(0, [address], lengths[i], [i < 2 ? C : 0]);
    pipeline.round();
    expect(counters[Counter.VERIFIED]).toBe(1);
    expect(counters[Counter.DEFECTIVE]).toBe(0);
    const [captured] = readCaptures(kernel.lanes[0]?.capture as SharedArrayBuffer, 0);
    expect(captured?.length).toBe(5000);
  });

  it('a packet with a buffer out of place is found defective', () => {
    const { kernel, pipeline, control, counters } = played({ lanes: [{ workload: 'rxdrop' }] });
    control[Control.VERIFY] = 1;
    pipeline.round();
    const taken = kernel.takeFill(0, 3);
    scatter(kernel.setup.umem, taken, 3000, 1000);
    // The last two buffers swapped: every byte is there, in the wrong order.
    kernel.deliver(0, [taken[0] as number, taken[2] as number, taken[1] as number], 1000, [C, C, 0]);
    pipeline.round();
    expect(counters[Counter.DEFECTIVE]).toBe(1);
  });
});
