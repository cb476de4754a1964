import { describe, expect, it } from 'vitest';
import { XDP_PKT_CONTD } from '../native/uapi.ts';
import { Control } from './control.ts';
import { checkTestFrame } from './frames.ts';
import { FramePipeline } from './pipeline.ts';
import { joinedBytes, PlayedKernel, type SentFrame } from './test-kernel.ts';

/**
 * A chain key holds nine bits of generation (txonly.ts's GENERATION_BITS):
 * generations 1 to 511 name long frames, and the 512th frame asked for
 * starts the UMEM's next epoch at generation 1 again. Every new frame length
 * is a new long frame, so these tests reach the wrap by changing the length
 * once a round, with no way in that a test alone would use.
 */
const GENERATIONS_PER_EPOCH = 511;

/** Lengths above one 2048-byte chunk and within two, all different: each one is a new generation. */
const lengthOf = (step: number) => 3100 + step;

/** The played kernel's two-chunk chains, each checked as the frame of `length` the peer would receive. */
function defectsOf(kernel: PlayedKernel, sent: readonly SentFrame[], length: number): (string | null)[] {
  const defects: (string | null)[] = [];
  for (let at = 0; at < sent.length; at += 2) {
    defects.push(checkTestFrame(joinedBytes(kernel.setup.umem, sent.slice(at, at + 2)), 0, length).defect);
  }
  return defects;
}

function txonlyLanes(lanes: number) {
  const kernel = new PlayedKernel({
    frameCount: 16,
    ringSize: 16,
    batchSize: 4,
    lanes: Array.from({ length: lanes }, () => ({ workload: 'txonly' as const })),
  });
  const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
  const controls = kernel.lanes.map((lane) => lane.control);
  for (const control of controls) {
    control[Control.RATE_PPS] = 1_000_000;
    control[Control.SEND_REMAINING] = 0;
  }
  /** One round with `control` sending frames of `length`; the kernel's clock moves on so tokens refill. */
  const round = (control: Int32Array, length: number) => {
    control[Control.FRAME_LENGTH] = length;
    kernel.now += 1;
    pipeline.round();
  };
  return { kernel, controls, round };
}

describe('txonly chains across the wrap of the chain generations', () => {
  it('rewrites every slice of chunks the kernel held through the wrap, whose keys name the new epoch’s first generation', () => {
    const { kernel, controls, round } = txonlyLanes(1);
    const [control] = controls as [Int32Array];
    control[Control.SEND_REMAINING] = -1;

    // Generation 1: two chains of 3000 bytes, which the kernel keeps (sent, not completed) until after the wrap.
    round(control, 3000);
    const held = kernel.takeTx(0);
    expect(held.map((frame) => frame.length)).toEqual([2048, 952, 2048, 952]);
    for (let step = 0; step < GENERATIONS_PER_EPOCH - 1; step++) {
      round(control, lengthOf(step));
      expect(defectsOf(kernel, kernel.transmit(0), lengthOf(step))).toEqual([null, null]);
    }
    kernel.complete(
      0,
      held.map((frame) => frame.address),
    );

    // The 512th frame: generation 1 of the next epoch, of another length, sent from the chunks held since generation 1.
    round(control, 2600);
    const options = kernel.txOptions(0);
    const sent = kernel.takeTx(0);
    expect(sent.map((frame) => frame.address).sort()).toEqual(held.map((frame) => frame.address).sort());
    expect(sent.map((frame) => frame.length)).toEqual([2048, 552, 2048, 552]);
    expect(options).toEqual([XDP_PKT_CONTD, 0, XDP_PKT_CONTD, 0]);
    expect(defectsOf(kernel, sent, 2600)).toEqual([null, null]);
    expect(kernel.owners().violations).toEqual([]);
  });

  it("gives a lane whose frame outlived the wrap a fresh generation, never the one another lane's new frame took", () => {
    const { kernel, controls, round } = txonlyLanes(2);
    const [quiet, busy] = controls as [Int32Array, Int32Array];

    // The quiet lane's frame of 3000 bytes takes generation 1 and keeps its length through the wrap.
    quiet[Control.SEND_REMAINING] = 1;
    round(quiet, 3000);
    expect(defectsOf(kernel, kernel.transmit(0), 3000)).toEqual([null]);
    busy[Control.SEND_REMAINING] = -1;
    for (let step = 0; step < GENERATIONS_PER_EPOCH - 1; step++) {
      round(busy, lengthOf(step));
      kernel.transmit(1);
    }
    // The busy lane's next frame wraps: generation 1 again, now naming its frame of 2600 bytes.
    round(busy, 2600);
    const busyChains = kernel.transmit(1);
    expect(defectsOf(kernel, busyChains, 2600)).toEqual([null, null]);
    busy[Control.SEND_REMAINING] = 0;

    // The quiet lane sends again from the chunks the busy lane just had back: none holds a slice of its frame.
    quiet[Control.SEND_REMAINING] = 1;
    round(quiet, 3000);
    const chain = kernel.takeTx(0);
    expect(chain.map((frame) => frame.length)).toEqual([2048, 952]);
    const busyAddresses = new Set(busyChains.map((frame) => frame.address));
    expect(chain.every((frame) => busyAddresses.has(frame.address))).toBe(true);
    expect(defectsOf(kernel, chain, 3000)).toEqual([null]);
  });
});
