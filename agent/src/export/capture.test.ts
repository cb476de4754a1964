import { describe, expect, it, vi } from 'vitest';
import { allocateLaneBlocks, CAPTURE_SLOTS, Control } from '../dataplane/control.ts';
import { ReceivedFrameInspection } from '../dataplane/inspection.ts';
import { type CaptureLane, captureReceived, latestCaptured } from './capture.ts';

/** A lane whose "worker" is the test: frames are handed to the same inspection the data plane runs. */
function lane() {
  const blocks = allocateLaneBlocks();
  const control = new Int32Array(blocks.control);
  const umem = new Uint8Array(64 * 256);
  for (let frame = 0; frame < 64; frame++) umem.fill(frame, frame * 256, (frame + 1) * 256);
  const inspection = new ReceivedFrameInspection(umem, control, new Float64Array(blocks.counters), blocks.capture);
  const switches: number[] = [];
  const handle: CaptureLane = {
    blocks,
    set: (word, value) => {
      Atomics.store(control, word, value);
      if (word === Control.CAPTURE) switches.push(value);
    },
  };
  /** One batch of the data plane: frames 0, 1, 2... received with `length` bytes each. */
  const receive = (first: number, frames: number, length = 100) => {
    inspection.refresh();
    for (let frame = first; frame < first + frames; frame++) inspection.inspect((frame % 64) * 256, length);
  };
  return { handle, control, receive, switches };
}

describe('capturing the frames a socket receives', () => {
  it('takes the latest frames, oldest first, and no more than asked', () => {
    const { handle, control, receive } = lane();
    control[Control.CAPTURE] = 1;
    receive(0, 50);
    const frames = latestCaptured(handle.blocks.capture, 0, 8);
    expect(frames?.map((frame) => frame.index)).toEqual([42, 43, 44, 45, 46, 47, 48, 49]);
    expect(frames?.[0]?.bytes[0]).toBe(42);
    expect(frames?.[0]?.length).toBe(100);
  });

  it('takes only frames captured after it began', () => {
    const { handle, control, receive } = lane();
    control[Control.CAPTURE] = 1;
    receive(0, 10);
    receive(10, 3);
    expect(latestCaptured(handle.blocks.capture, 10, 8)?.map((frame) => frame.index)).toEqual([10, 11, 12]);
  });

  it('never hands out the slot the data plane writes next, which the oldest frame shares', () => {
    const { handle, control, receive } = lane();
    control[Control.CAPTURE] = 1;
    receive(0, CAPTURE_SLOTS + 1);
    expect(latestCaptured(handle.blocks.capture, 0, CAPTURE_SLOTS)).toBeNull();
    expect(latestCaptured(handle.blocks.capture, 0, CAPTURE_SLOTS - 1)?.[0]?.index).toBe(2);
  });

  it('takes none of the frames the data plane wrote over while the agent was away, rather than an empty capture', () => {
    const { handle, control, receive } = lane();
    control[Control.CAPTURE] = 1;
    receive(0, 20);
    const count = new Int32Array(handle.blocks.capture, 0, 1);
    let looks = 0;
    // The agent's thread is away after its first look at the count, and the data plane captures a buffer and more.
    const countNow = () => {
      if (looks++ === 1) receive(20, CAPTURE_SLOTS + 5);
      return Atomics.load(count, 0);
    };
    expect(latestCaptured(handle.blocks.capture, 0, 16, countNow)).toBeNull();
    // The next look takes the latest frames, all of them.
    expect(latestCaptured(handle.blocks.capture, 0, 16)?.map((frame) => frame.index)).toEqual(
      Array.from({ length: 16 }, (_, i) => 20 + CAPTURE_SLOTS + 5 - 16 + i),
    );
  });

  it('switches capturing on for the socket while it waits, and off once it has its frames', async () => {
    const { handle, control, receive, switches } = lane();
    const capture = captureReceived(handle, 5);
    expect(control[Control.CAPTURE]).toBe(1);
    receive(0, 7, 80);
    const frames = await capture;
    expect(frames.map((frame) => frame.length)).toEqual([80, 80, 80, 80, 80]);
    expect(frames.map((frame) => frame.bytes[0])).toEqual([2, 3, 4, 5, 6]);
    expect(switches).toEqual([1, 0]);
  });

  it('gives captures asked at once each the frames after it was asked, read by one timer, off after the last', async () => {
    const { handle, control, receive, switches } = lane();
    const timers = vi.spyOn(globalThis, 'setInterval');
    const first = captureReceived(handle, 4);
    receive(0, 2, 70);
    const second = captureReceived(handle, 2);
    expect(control[Control.CAPTURE]).toBe(1);
    receive(2, 3, 90);
    expect((await first).map((frame) => frame.bytes[0])).toEqual([1, 2, 3, 4]);
    expect((await first).map((frame) => frame.length)).toEqual([70, 90, 90, 90]);
    expect((await second).map((frame) => frame.bytes[0])).toEqual([3, 4]);
    expect(switches).toEqual([1, 0]);
    expect(timers).toHaveBeenCalledTimes(1);
    timers.mockRestore();
  });
});
