import { describe, expect, it } from 'vitest';
import { XDP_PKT_CONTD } from '../native/uapi.ts';
import { CAPTURE_BYTES, Control, Counter, readCaptures } from './control.ts';
import { writeSequence, writeUdpFrame } from './frames.ts';
import { FramePipeline } from './pipeline.ts';
import { PlayedKernel, TEMPLATE } from './test-kernel.ts';

function receiving() {
  const kernel = new PlayedKernel({ lanes: [{ workload: 'rxdrop' }] });
  const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
  pipeline.round();
  return { kernel, pipeline, lane: kernel.lanes[0] as (typeof kernel.lanes)[number] };
}

describe('inspecting received frames', () => {
  it('captures the first bytes of each received frame while asked to', () => {
    const { kernel, pipeline, lane } = receiving();
    const [first, second] = kernel.takeFill(0, 2) as [number, number];
    kernel.setup.umem.fill(7, first, first + 300);
    kernel.setup.umem.fill(9, second, second + 60);
    kernel.deliver(0, [first], 300);
    pipeline.round();
    expect(readCaptures(lane.capture, 0)).toEqual([]);
    lane.control[Control.CAPTURE] = 1;
    kernel.deliver(0, [second], 60);
    pipeline.round();
    expect(readCaptures(lane.capture, 0)).toEqual([{ index: 0, length: 60, bytes: new Uint8Array(60).fill(9) }]);
    kernel.receive(0, 1, 300);
    pipeline.round();
    expect(readCaptures(lane.capture, 1)[0]?.bytes).toHaveLength(CAPTURE_BYTES);
  });

  it("captures a multi-buffer packet's first bytes across its buffers, at its whole length", () => {
    const { kernel, pipeline, lane } = receiving();
    const [head, tail] = kernel.takeFill(0, 2) as [number, number];
    kernel.setup.umem.fill(1, head, head + 100);
    kernel.setup.umem.fill(2, tail, tail + 2000);
    lane.control[Control.CAPTURE] = 1;
    kernel.deliver(0, [head], 100, [XDP_PKT_CONTD]);
    kernel.deliver(0, [tail], 2000, [0]);
    pipeline.round();
    const bytes = new Uint8Array(CAPTURE_BYTES).fill(2);
    bytes.fill(1, 0, 100);
    expect(readCaptures(lane.capture, 0)).toEqual([{ index: 0, length: 2100, bytes }]);
  });

  it('checks each received frame against what the lab source sends, while asked to', () => {
    const { kernel, pipeline, lane } = receiving();
    const [good, bad] = kernel.takeFill(0, 2) as [number, number];
    const { umem } = kernel.setup;
    writeUdpFrame(umem, good, { ...TEMPLATE, length: 128 });
    writeSequence(new DataView(umem.buffer), good, 5);
    writeUdpFrame(umem, bad, { ...TEMPLATE, length: 128 });
    umem[bad + 100] = 0xee;
    lane.control[Control.VERIFY] = 1;
    kernel.deliver(0, [good, bad], 128);
    pipeline.round();
    expect(lane.counters[Counter.VERIFIED]).toBe(1);
    expect(lane.counters[Counter.DEFECTIVE]).toBe(1);
  });
});
