import {
  CAPTURE_BYTES,
  CAPTURE_SLOTS,
  Control,
  type ControlWord,
  capturedCount,
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

/** A capture waiting for its frames. */
interface Waiting {
  since: number;
  frames: number;
  deadline: number;
  resolve(packets: PcapPacket[]): void;
}

/** The reader of each lane with captures waiting: one however many are asked at once. */
const readers = new WeakMap<CaptureLane, CaptureReader>();

/**
 * The next `frames` frames the socket receives, as its data plane reads them
 * off RX: their first CAPTURE_SNAP_LENGTH bytes, their length, and when the
 * agent read them (the data plane stamps no time: a clock read per frame
 * would cost it more than the copy). Capturing is switched on for the
 * socket only while a capture runs, since every copy costs the data plane.
 */
export function captureReceived(lane: CaptureLane, frames: number): Promise<PcapPacket[]> {
  let reader = readers.get(lane);
  if (!reader) {
    reader = new CaptureReader(lane, () => readers.delete(lane));
    readers.set(lane, reader);
  }
  return reader.wait(frames);
}

/**
 * Looks at one lane's capture buffer every POLL_MS on the main thread, for
 * every capture waiting on it, and stops when none is left: concurrent
 * captures (two downloads, a script and a page) cost one timer, not one each.
 */
class CaptureReader {
  private readonly count: Int32Array;
  private readonly waiting = new Set<Waiting>();
  /** Capturing was off when the first capture came: the last one switches it off again, and only then. */
  private readonly turnedOn: boolean;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly lane: CaptureLane,
    private readonly done: () => void,
  ) {
    this.count = new Int32Array(lane.blocks.capture, 0, 1);
    this.turnedOn = Atomics.load(new Int32Array(lane.blocks.control), Control.CAPTURE) === 0;
    if (this.turnedOn) lane.set(Control.CAPTURE, 1);
  }

  wait(frames: number): Promise<PcapPacket[]> {
    return new Promise((resolve) => {
      const since = Atomics.load(this.count, 0);
      this.waiting.add({ since, frames, deadline: performance.now() + CAPTURE_BUDGET_MS, resolve });
      this.timer ??= setInterval(() => this.read(), POLL_MS);
    });
  }

  private read(): void {
    const count = Atomics.load(this.count, 0);
    const now = performance.now();
    for (const waiting of this.waiting) {
      if (count - waiting.since < waiting.frames && now <= waiting.deadline) continue;
      // null: the data plane overwrote a frame while it was copied; the next look takes later ones.
      const captured = latestCaptured(this.lane.blocks.capture, waiting.since, waiting.frames);
      if (!captured) continue;
      this.waiting.delete(waiting);
      waiting.resolve(captured.map(({ length, bytes }) => ({ timestampMs: Date.now(), length, bytes })));
    }
    if (this.waiting.size > 0) return;
    clearInterval(this.timer ?? undefined);
    if (this.turnedOn) this.lane.set(Control.CAPTURE, 0);
    this.done();
  }
}

/**
 * The last `frames` frames captured after `since`, oldest first, or null
 * when the data plane overwrote one of them before they were copied. The
 * worker writes a slot before it counts it, so the slot of index `count` is
 * being written now: that of `count - CAPTURE_SLOTS`, which it shares, is
 * not to be trusted. `countNow` reads the count as the worker moves it.
 *
 * The frames are those the first look at the count names, all of them: the
 * main thread runs at nice 19 and may be away for tens of milliseconds
 * between two looks, while the worker captures a whole buffer. Copied up to
 * the count as it was by then, they were all past the buffer, and an empty
 * list passed the overwrite check: an empty pcap under a busy machine.
 */
export function latestCaptured(
  capture: SharedArrayBuffer,
  since: number,
  frames: number,
  countNow: () => number = () => capturedCount(capture),
) {
  const before = countNow();
  const from = Math.max(since, before - frames);
  const copied = readCaptures(capture, from, before);
  const after = countNow();
  return copied.every((frame) => frame.index > after - CAPTURE_SLOTS) ? copied : null;
}
