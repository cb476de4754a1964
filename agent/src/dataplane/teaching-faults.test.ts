import { describe, expect, it } from 'vitest';
import { Control, Counter, Stage } from './control.ts';
import { PAYLOAD_OFFSET } from './frames.ts';
import { FramePipeline } from './pipeline.ts';
import { PlayedKernel } from './test-kernel.ts';

function played() {
  const kernel = new PlayedKernel({ lanes: [{ workload: 'rxdrop', tx: true }] });
  const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
  return { kernel, pipeline, control: kernel.lanes[0]?.control as Int32Array };
}

describe('an invalid TX descriptor, on request', () => {
  it('points past the end of the UMEM, owns no frame, and its completion frees nothing', () => {
    const kernel = new PlayedKernel({ lanes: [{ workload: 'txonly' }] });
    const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
    const control = kernel.lanes[0]?.control as Int32Array;
    control[Control.INJECT_INVALID_TX] = 1;
    expect(pipeline.round()).toBe(1);
    expect(control[Control.INJECT_INVALID_TX]).toBe(0);
    expect(kernel.owners().violations).toEqual(['tx holds an address outside the UMEM (frame 33)']);
    expect(kernel.transmit(0)).toEqual([{ address: kernel.setup.umem.byteLength + 2048, length: 64 }]);
    pipeline.round();
    expect(kernel.counts()).toEqual({ free: 32 });
    expect(kernel.owners().violations).toEqual([]);
    expect(kernel.lanes[0]?.counters[Counter.FOREIGN_COMPLETIONS]).toBe(1);
    expect(pipeline.round()).toBe(0);
  });
});

describe('an invalid FILL address, on request', () => {
  /** Rounds until one moves nothing. */
  const settle = (pipeline: FramePipeline) => {
    while (pipeline.round() > 0);
  };

  it('goes on FILL ahead of the refill, owns no frame, and is gone once the kernel has passed it', () => {
    const { kernel, pipeline, control } = played();
    control[Control.INJECT_INVALID_FILL] = 1;
    settle(pipeline);
    expect(control[Control.INJECT_INVALID_FILL]).toBe(0);
    // 32 frames of 2048 bytes: one chunk past the UMEM's end is frame 33; the refill took FILL's other 7 places.
    expect(kernel.owners().violations).toEqual(['fill holds an address outside the UMEM (frame 33)']);
    expect(kernel.counts()).toEqual({ free: 25, fill: 7 });
    const [invalid, ...valid] = kernel.takeFill(0);
    expect(invalid).toBe(kernel.setup.umem.byteLength + 2048);
    kernel.deliver(0, valid);
    settle(pipeline);
    expect(kernel.owners().violations).toEqual([]);
    expect(kernel.counts()).toEqual({ free: 24, fill: 8 });
  });

  it('waits for a place on a full FILL, and for a paused refill to resume', () => {
    const { kernel, pipeline, control } = played();
    settle(pipeline);
    control[Control.INJECT_INVALID_FILL] = 1;
    expect(pipeline.round()).toBe(0);
    control[Control.PAUSED_STAGES] = Stage.FILL_REFILL;
    kernel.receive(0, 1);
    settle(pipeline);
    expect(control[Control.INJECT_INVALID_FILL]).toBe(1);
    expect(kernel.owners().violations).toEqual([]);
    const generation = kernel.generation;
    control[Control.PAUSED_STAGES] = 0;
    settle(pipeline);
    expect(control[Control.INJECT_INVALID_FILL]).toBe(0);
    // Readers reuse a reading while the generation stands still: posting the address must move it.
    expect(kernel.generation).toBeGreaterThan(generation);
    expect(kernel.owners().violations).toEqual(['fill holds an address outside the UMEM (frame 33)']);
    expect(kernel.counts()).toEqual({ free: 25, fill: 7 });
  });
});

describe('one frame fed to FILL and TX at once, on request', () => {
  it('is in two rings at once, a violation the ledger reports, with a marked payload to send', () => {
    const { kernel, pipeline, control } = played();
    control[Control.FEED_SAME_FRAME] = 1;
    pipeline.round();
    expect(control[Control.FEED_SAME_FRAME]).toBe(0);
    expect(kernel.lanes[0]?.counters[Counter.FED_TWICE]).toBe(1);
    const [sent] = kernel.takeTx(0);
    const [fed] = kernel.takeFill(0, 1);
    expect(sent?.address).toBe(fed);
    expect(sent?.length).toBe(1024);
    const address = fed as number;
    expect(kernel.setup.umem.subarray(address + PAYLOAD_OFFSET, address + 1024).every((byte) => byte === 0xee)).toBe(
      true,
    );
  });

  it('sent first, then received: the frame goes back to the pool only when both copies are back', () => {
    const { kernel, pipeline, control } = played();
    control[Control.FEED_SAME_FRAME] = 1;
    pipeline.round();
    expect(kernel.owners().violations).toContainEqual(expect.stringMatching(/is in tx and in fill at once/));
    const [fed] = kernel.takeFill(0, 1) as [number];
    kernel.transmit(0);
    pipeline.round();
    expect(kernel.setup.ledger[kernel.frameOf(fed)]).not.toBe(0);
    expect(kernel.owners().counts['kernel-tx']).toBe(1);
    kernel.deliver(0, [fed]);
    pipeline.round();
    expect(kernel.setup.ledger[kernel.frameOf(fed)]).toBe(0);
    expect(kernel.owners().violations).toEqual([]);
    expect(kernel.counts()).toEqual({ free: 24, fill: 8 });
  });

  it('received first, then sent: the same, the other way round', () => {
    const { kernel, pipeline, control } = played();
    control[Control.FEED_SAME_FRAME] = 1;
    pipeline.round();
    const [fed] = kernel.receive(0, 1) as [number];
    pipeline.round();
    expect(kernel.setup.ledger[kernel.frameOf(fed)]).not.toBe(0);
    expect(kernel.owners().counts.tx).toBe(1);
    kernel.transmit(0);
    pipeline.round();
    expect(kernel.owners().violations).toEqual([]);
    expect(kernel.counts()).toEqual({ free: 24, fill: 8 });
    // Once back, the frame is in the pool once: a later round never hands it out twice.
    const pooled = kernel.takeFill(0);
    expect(new Set(pooled).size).toBe(pooled.length);
  });
});
