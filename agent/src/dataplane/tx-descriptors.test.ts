import type { TxDescriptor } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { Control, Counter } from './control.ts';
import { checkTestFrame } from './frames.ts';
import { FramePipeline } from './pipeline.ts';
import { PlayedKernel } from './test-kernel.ts';
import { addressWords, type TxTableTarget, txTableProblems, writeTxTable } from './tx-descriptors.ts';

const FRAME = 2048;
const FRAMES = 32;
const UMEM_END = FRAMES * FRAME;

/** A txonly socket with no RX ring that sends nothing by itself: only tables go on its TX. */
function played(ringSize = 16) {
  const kernel = new PlayedKernel({ frameCount: FRAMES, frameSize: FRAME, ringSize, lanes: [{ workload: 'txonly' }] });
  const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
  const lane = kernel.lanes[0];
  if (!lane) throw new Error('no lane');
  return { kernel, pipeline, lane, control: lane.control };
}

/** The raw words the worker put on TX, entry by entry: [addr low, addr high, len, options]. */
function txWords(kernel: PlayedKernel, count: number): number[][] {
  const ring = kernel.tx[0]?.memory;
  if (!ring) throw new Error('no TX ring');
  return Array.from({ length: count }, (_, i) => Array.from(ring.entries.subarray(i * 4, i * 4 + 4)));
}

const TABLE: TxDescriptor[] = [
  { addr: 0, len: 64 }, // valid
  { addr: FRAME, len: 0 }, // zero length
  { addr: 2 * FRAME, len: FRAME + 1 }, // longer than a chunk
  { addr: 4 * FRAME - 32, len: 64 }, // straddles chunks 3 and 4
  { addr: UMEM_END, len: 64 }, // past the UMEM's end
  { addr: '0xfffffffffffffffe', len: 64 }, // straddles the UMEM's start, wrapping
  { addr: 5 * FRAME, len: 64, options: 0xffff }, // options bits set
  { addr: 6 * FRAME, len: 64 }, // valid, and frame 6 goes twice
  { addr: 6 * FRAME + 512, len: 40 }, // valid, shorter than Ethernet's minimum
  { addr: UMEM_END - 64, len: 64 }, // valid, up to the UMEM's end
];
/** The descriptors above whose address falls in a frame. */
const IN_UMEM = 8;

describe('a u64 address as the protocol carries it', () => {
  it('splits into the two 32-bit words of struct xdp_desc, past what a double holds', () => {
    expect(addressWords(0)).toEqual([0, 0]);
    expect(addressWords(2 ** 40 + 5)).toEqual([5, 256]);
    expect(addressWords('0xfffffffffffffffe')).toEqual([0xffff_fffe, 0xffff_ffff]);
    expect(addressWords('18446744073709551615')).toEqual([0xffff_ffff, 0xffff_ffff]);
  });
});

describe('checking a table before anything is written', () => {
  const target: TxTableTarget = { socketId: 'xsk1', txRingSize: 16, rxRingSize: 0, sharingWith: [], pending: 0 };
  const fields = (count: number, changes: Partial<TxTableTarget>) =>
    txTableProblems(count, { ...target, ...changes }).map((problem) => problem.field);

  it('takes a table its TX ring holds, from a socket that owns every frame of its UMEM', () => {
    expect(txTableProblems(16, target)).toEqual([]);
  });

  it('refuses, naming the fix: no TX ring, more than the ring holds, an RX ring, a shared UMEM, a table pending', () => {
    expect(txTableProblems(1, { ...target, txRingSize: 0 })).toEqual([
      { field: 'txSize', message: 'socket xsk1 has no TX ring: create one with txSize > 0' },
    ]);
    expect(txTableProblems(17, target)[0]?.message).toBe(
      "the table has 17 descriptors and xsk1's TX ring holds 16: send it in parts, or reconfigure with txSize ≥ 17",
    );
    expect(fields(1, { rxRingSize: 1024 })).toEqual(['rxSize']);
    expect(txTableProblems(1, { ...target, sharingWith: ['xsk2'] })[0]?.message).toContain('shares its UMEM with xsk2');
    expect(txTableProblems(1, { ...target, pending: 3 })[0]?.message).toContain('resume its txSubmit stage');
  });
});

describe('a table of TX descriptors, posted by the data plane', () => {
  it('goes on TX exactly as given, in order, in one go, with one wakeup', () => {
    const { kernel, pipeline, lane, control } = played();
    writeTxTable(lane.txTable, control, TABLE);
    expect(pipeline.round()).toBe(TABLE.length);
    expect(control[Control.TX_TABLE_LENGTH]).toBe(0);
    expect(control[Control.TX_TABLES_POSTED]).toBe(1);
    expect(txWords(kernel, TABLE.length)).toEqual(
      TABLE.map((descriptor) => [...addressWords(descriptor.addr), descriptor.len, descriptor.options ?? 0]),
    );
    expect(kernel.calls.filter((call) => call.startsWith('kickTx'))).toEqual(['kickTx 10']);
    expect(lane.counters[Counter.TX_PACKETS]).toBe(TABLE.length);
  });

  it('writes a lab frame, numbered by its index, into the frame of each descriptor that fits its frame', () => {
    const { kernel, pipeline, lane, control } = played();
    writeTxTable(lane.txTable, control, TABLE);
    pipeline.round();
    const { umem } = kernel.setup;
    expect(checkTestFrame(umem, 0, 64)).toEqual({ sequence: 0, length: 64, defect: null });
    expect(checkTestFrame(umem, 6 * FRAME, 64)).toEqual({ sequence: 7, length: 64, defect: null });
    expect(checkTestFrame(umem, UMEM_END - 64, 64)).toEqual({ sequence: 9, length: 64, defect: null });
    expect([...umem.subarray(6 * FRAME + 512, 6 * FRAME + 552)]).toEqual(new Array(40).fill(8));
    // The straddling descriptor's bytes would reach into frame 4, which is not the table's: nothing is written.
    expect(umem.subarray(4 * FRAME - 32, 4 * FRAME + 32).every((byte) => byte === 0)).toBe(true);
  });

  it('keeps the ledger true: each frame named goes to TX once per descriptor and is free when every copy is back', () => {
    const { kernel, pipeline, lane, control } = played();
    writeTxTable(lane.txTable, control, TABLE);
    pipeline.round();
    // Seven frames, frame 6 twice; the two addresses outside the UMEM own no frame and are reported.
    expect(kernel.counts()).toEqual({ free: FRAMES - 7, tx: 7 });
    expect(kernel.owners().violations).toHaveLength(3);
    const sent = kernel.takeTx(0);
    expect(sent).toHaveLength(TABLE.length);
    // This kernel hands every descriptor back, refused ones too; the last copy of frame 6 comes last.
    kernel.complete(
      0,
      sent.slice(0, -2).map((frame) => frame.address),
    );
    while (pipeline.round() > 0);
    expect(kernel.counts()).toEqual({ free: FRAMES - 2, 'kernel-tx': 2 });
    kernel.complete(
      0,
      sent.slice(-2).map((frame) => frame.address),
    );
    while (pipeline.round() > 0);
    expect(kernel.counts()).toEqual({ free: FRAMES });
    expect(kernel.owners().violations).toEqual([]);
    expect(lane.counters[Counter.COMPLETED]).toBe(TABLE.length);
    expect(lane.counters[Counter.FOREIGN_COMPLETIONS]).toBe(TABLE.length - IN_UMEM);
  });

  it('waits, holding the workload back, until every frame it names is free and TX has room for all of it', () => {
    const { kernel, pipeline, lane, control } = played(8);
    control[Control.RATE_PPS] = 1000;
    control[Control.FRAME_LENGTH] = 64;
    control[Control.SEND_REMAINING] = 1;
    kernel.now = 10;
    expect(pipeline.round()).toBe(1);
    const [sending] = kernel.takeTx(0);
    expect(sending?.address).toBe(0);

    writeTxTable(lane.txTable, control, [{ addr: 0, len: 64 }]);
    control[Control.SEND_REMAINING] = -1;
    expect(pipeline.round()).toBe(0);
    expect(control[Control.TX_TABLE_LENGTH]).toBe(1);
    kernel.complete(0, [0]);
    // The round reaps frame 0 and then posts the table, before the workload could take it.
    expect(pipeline.round()).toBe(2);
    expect(control[Control.TX_TABLES_POSTED]).toBe(1);
    expect(kernel.takeTx(0)).toEqual([{ address: 0, length: 64 }]);

    // Four frames of the workload's on TX, of its eight places: a table of eight waits for the kernel to take them.
    kernel.complete(0, [0]);
    control[Control.SEND_REMAINING] = 4;
    kernel.now = 100;
    expect(pipeline.round()).toBe(4 + 1);
    const eight = Array.from({ length: 8 }, (_, i) => ({ addr: (16 + i) * FRAME, len: 64 }));
    writeTxTable(lane.txTable, control, eight);
    expect(pipeline.round()).toBe(0);
    expect(kernel.takeTx(0)).toHaveLength(4);
    expect(pipeline.round()).toBe(8);
    expect(kernel.takeTx(0).map((frame) => frame.address)).toEqual(eight.map((descriptor) => descriptor.addr));
  });
});
