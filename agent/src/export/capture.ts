import {
  CAPTURE_BYTES,
  CAPTURE_SLOTS,
  Control,
  type ControlWord,
  type LaneBlocks,
  readCaptures,
} from '../dataplane/control.ts';
import type { PcapPacket } from './pcap.ts';

/** The bytes kept of each frame: what the data plane copies (dataplane/inspection.ts). */
export const CAPTURE_SNAP_LENGTH = CAPTURE_BYTES;
/**
 * At most half the capture buffer's slots: the data plane goes on writing
 * while the agent copies, and frames it overwrote meanwhile are not taken.
 * The other half is that margin (a copy takes microseconds; the worker would
 * have to receive 32 frames in them).
 */
export const MAX_CAPTURE_FRAMES = CAPTURE_SLOTS / 2;
/** How long a capture waits for its frames: a socket on a quiet queue yields what came by then. */
const CAPTURE_BUDGET_MS = 2000;
/** How often the capture buffer is looked at: it holds CAPTURE_SLOTS frames, 6 ms of the lab's 10 kpps. */
const POLL_MS = 2;

/** What a capture needs of a socket's lane in the UMEM's worker (engine/managed-socket.ts's LaneHandle). */
export interface CaptureLane {
  readonly blocks: Pick<LaneBlocks, 'capture' | 'control'>;
  set(word: ControlWord, value: number): void;
}

/** Captures running per lane: the switch goes off when the last one ends, and only if a capture turned it on. */
const running = new WeakMap<CaptureLane, { count: number; turnedOn: boolean }>();

/**
 * The next `frames` frames the socket receives, as its data plane reads them
 * off RX: their first CAPTURE_SNAP_LENGTH bytes, their length, and when the
 * agent read them (the data plane stamps no time: a clock read per frame
 * would cost it more than the copy). Capturing is switched on for the
 * socket only while a capture runs, since every copy costs the data plane.
 */
export async function captureReceived(lane: CaptureLane, frames: number): Promise<PcapPacket[]> {
  const count = new Int32Array(lane.blocks.capture, 0, 1);
  const since = Atomics.load(count, 0);
  const active = running.get(lane) ?? {
    count: 0,
    turnedOn: Atomics.load(new Int32Array(lane.blocks.control), Control.CAPTURE) === 0,
  };
  active.count++;
  running.set(lane, active);
  if (active.turnedOn) lane.set(Control.CAPTURE, 1);
  try {
    const deadline = performance.now() + CAPTURE_BUDGET_MS;
    for (;;) {
      const enough = Atomics.load(count, 0) - since >= frames;
      const last = enough || performance.now() > deadline;
      const captured = last ? latestCaptured(lane.blocks.capture, since, frames) : null;
      if (captured) return captured.map(({ length, bytes }) => ({ timestampMs: Date.now(), length, bytes }));
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    active.count--;
    if (active.count === 0) {
      running.delete(lane);
      if (active.turnedOn) lane.set(Control.CAPTURE, 0);
    }
  }
}

/**
 * The last `frames` frames captured after `since`, oldest first, or null
 * when the data plane overwrote one of them while they were copied. The
 * worker writes a slot before it counts it, so the slot of index `count` is
 * being written now: that of `count - CAPTURE_SLOTS`, which it shares, is
 * not to be trusted.
 */
export function latestCaptured(capture: SharedArrayBuffer, since: number, frames: number) {
  const count = new Int32Array(capture, 0, 1);
  const before = Atomics.load(count, 0);
  const from = Math.max(since, before - frames);
  const copied = readCaptures(capture, from).filter((frame) => frame.index < before);
  const after = Atomics.load(count, 0);
  return copied.every((frame) => frame.index > after - CAPTURE_SLOTS) ? copied : null;
}
