import {
  decodeSnapshot,
  type FrameBytesMessage,
  parseServerMessage,
  type Recording,
  RecordingError,
  type RecordingHeader,
  type ServerMessage,
  SnapshotDecodeError,
  type SnapshotMessage,
} from '@ringside/shared';

/** How many of `times` (ascending) are at or before `at`. */
function countUpTo(times: readonly number[], at: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((times[middle] as number) <= at) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A snapshot as the page had it when it arrived, with every frame's owner. */
export interface ReplayFrame {
  snapshot: SnapshotMessage;
  owners: ReadonlyMap<string, Uint8Array>;
}

/** A recorded JSON message and when it arrived, in ms from the recording's start. */
export interface TimedMessage {
  at: number;
  message: ServerMessage;
}

/**
 * Owners are kept whole once a second of recording: scrubbing anywhere
 * decodes at most a second of deltas (30 at the agent's default rate)
 * rather than every snapshot from the start.
 */
export const KEYFRAME_EVERY_MS = 1000;

/**
 * A recording made ready to scrub: its messages parsed, its snapshots
 * decoded once in order at load to keep owner keyframes, and any snapshot
 * then rebuilt from the keyframe before it.
 */
export class ReplayTimeline {
  /** The owners each keyframe's snapshot is decoded against (null before the first), by snapshot index. */
  readonly #keyframes = new Map<number, ReadonlyMap<string, Uint8Array> | null>();
  readonly #snapshots: Uint8Array[];
  readonly #messageTimes: readonly number[];
  /** The last frame built, so stepping forward decodes one snapshot. */
  #last: { index: number; frame: ReplayFrame } | null = null;

  private constructor(
    readonly header: RecordingHeader,
    readonly messages: readonly TimedMessage[],
    readonly snapshotTimes: readonly number[],
    snapshots: Uint8Array[],
    /** Why the recording's end was dropped, or null. */
    readonly truncatedTail: string | null,
    /** Messages of types this page does not know (a newer minor protocol): left out, as a live page ignores them. */
    readonly skippedMessages: number,
    readonly duration: number,
  ) {
    this.#snapshots = snapshots;
    this.#messageTimes = messages.map((timed) => timed.at);
  }

  /** Throws a RecordingError naming the entry when a snapshot cannot be decoded. */
  static load(recording: Recording): ReplayTimeline {
    const messages: TimedMessage[] = [];
    const snapshotTimes: number[] = [];
    const snapshots: Uint8Array[] = [];
    let skipped = 0;
    for (const entry of recording.entries) {
      if (entry.kind === 'snapshot') {
        snapshotTimes.push(entry.at);
        snapshots.push(entry.bytes);
        continue;
      }
      const parsed = parseServerMessage(entry.text);
      if (parsed.ok) messages.push({ at: entry.at, message: parsed.value });
      else skipped++;
    }
    const duration = recording.entries.reduce((latest, entry) => Math.max(latest, entry.at), 0);
    const timeline = new ReplayTimeline(
      recording.header,
      messages,
      snapshotTimes,
      snapshots,
      recording.truncatedTail,
      skipped,
      duration,
    );
    timeline.#buildKeyframes();
    return timeline;
  }

  get snapshotCount(): number {
    return this.#snapshots.length;
  }

  /** The last snapshot that had arrived by `at`, or -1 before the first. */
  snapshotIndexAt(at: number): number {
    return countUpTo(this.snapshotTimes, at) - 1;
  }

  /** Snapshot `index` as it arrived; decodes from the keyframe before it unless the last one built is closer. */
  frame(index: number): ReplayFrame {
    if (index < 0 || index >= this.#snapshots.length) throw new RangeError(`no snapshot ${index}`);
    if (this.#last?.index === index) return this.#last.frame;
    let from = index;
    while (!this.#keyframes.has(from)) from--;
    let base = this.#keyframes.get(from) ?? null;
    if (this.#last && this.#last.index < index && this.#last.index >= from) {
      from = this.#last.index + 1;
      base = this.#last.frame.owners;
    }
    let frame: ReplayFrame | null = null;
    for (let i = from; i <= index; i++) {
      frame = this.#decode(i, base);
      base = frame.owners;
    }
    this.#last = { index, frame: frame as ReplayFrame };
    return frame as ReplayFrame;
  }

  /** Messages that arrived after `after` and by `upTo`, in order; found by bisection, as the player asks every frame. */
  messagesBetween(after: number, upTo: number): TimedMessage[] {
    const times = this.#messageTimes;
    return this.messages.slice(countUpTo(times, after), countUpTo(times, upTo));
  }

  /** The latest bytes recorded of one frame by `at`: what the inspector showed then, if any page asked. */
  frameBytesAt(socketId: string, frame: number, at: number): FrameBytesMessage | null {
    let found: FrameBytesMessage | null = null;
    for (const { at: when, message } of this.messages) {
      if (when > at) break;
      if (message.type === 'frameBytes' && message.socketId === socketId && message.frame === frame) found = message;
    }
    return found;
  }

  #buildKeyframes(): void {
    let base: ReadonlyMap<string, Uint8Array> | null = null;
    let nextKeyframeAt = 0;
    for (let i = 0; i < this.#snapshots.length; i++) {
      const at = this.snapshotTimes[i] as number;
      if (at >= nextKeyframeAt) {
        this.#keyframes.set(i, base);
        nextKeyframeAt = at + KEYFRAME_EVERY_MS;
      }
      base = this.#decode(i, base).owners;
    }
  }

  #decode(index: number, base: ReadonlyMap<string, Uint8Array> | null): ReplayFrame {
    try {
      return decodeSnapshot(this.#snapshots[index] as Uint8Array, base);
    } catch (error) {
      if (!(error instanceof SnapshotDecodeError)) throw error;
      throw new RecordingError(
        `this recording is corrupt: snapshot ${index + 1} of ${this.#snapshots.length} cannot be read (${error.message})`,
      );
    }
  }
}
