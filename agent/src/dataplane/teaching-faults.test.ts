import { describe, expect, it } from 'vitest';
import { Control, Counter } from './control.ts';
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
