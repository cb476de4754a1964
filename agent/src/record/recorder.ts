import { closeSync, openSync, writeSync } from 'node:fs';
import {
  encodeRecordingEntry,
  encodeRecordingHeader,
  type HelloMessage,
  type RecordingEntry,
  recordingHeader,
} from '@ringside/shared';

/** What the server hands a recording: what a view client receives, as it was sent. */
export interface RecordingSink {
  /** Snapshots go at this rate, paced like a client's. */
  readonly snapshotsPerSecond: number;
  /** The first call: the hello a view client is greeted with. */
  begin(hello: HelloMessage): void;
  /** A JSON message's text, exactly as sent. */
  message(text: string): void;
  /** A snapshot frame as sent: its owners a delta against the previous one recorded. */
  snapshot(bytes: Uint8Array): void;
}

/** Past the page's fastest choice (60) a recording only grows: 30 a second moves as smoothly as the eye follows. */
export const DEFAULT_RECORD_SNAPSHOTS_PER_SECOND = 30;

/**
 * `--record FILE`: appends each entry whole as it comes (a synchronous
 * write of a few hundred bytes, 30 a second), so a crash loses at most the
 * entry being written and the file replays up to the last whole one. A
 * failed write stops the recording, never the agent: the failure is told
 * once through `onFailure` and every later entry is dropped.
 */
export class Recorder implements RecordingSink {
  #fd: number | null;
  #startedAt = 0;
  #onFailure: (message: string) => void = () => {};

  private constructor(
    readonly path: string,
    fd: number,
    readonly snapshotsPerSecond: number,
  ) {
    this.#fd = fd;
  }

  /** Opens (truncating) FILE; throws what the system said when it cannot be written, before anything runs. */
  static open(path: string, snapshotsPerSecond = DEFAULT_RECORD_SNAPSHOTS_PER_SECOND): Recorder {
    return new Recorder(path, openSync(path, 'w'), snapshotsPerSecond);
  }

  onFailure(listener: (message: string) => void): void {
    this.#onFailure = listener;
  }

  get recording(): boolean {
    return this.#fd !== null;
  }

  begin(hello: HelloMessage): void {
    this.#startedAt = Date.now();
    this.#write(encodeRecordingHeader(recordingHeader(hello, 'agent', this.#startedAt)));
  }

  message(text: string): void {
    this.#entry({ kind: 'message', at: Date.now() - this.#startedAt, text });
  }

  snapshot(bytes: Uint8Array): void {
    this.#entry({ kind: 'snapshot', at: Date.now() - this.#startedAt, bytes });
  }

  close(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
  }

  #entry(entry: RecordingEntry): void {
    if (this.#fd !== null) this.#write(encodeRecordingEntry(entry));
  }

  #write(bytes: Uint8Array): void {
    if (this.#fd === null) return;
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.#fd, bytes, done, bytes.length - done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      try {
        closeSync(this.#fd);
      } catch {
        // Closing a descriptor whose writes fail may fail the same way; it is released either way.
      }
      this.#fd = null;
      this.#onFailure(
        `recording to ${this.path} stopped: a write failed (${code}); the file replays up to its last whole entry, and Ringside runs on without recording (free space or choose another --record path, then start again)`,
      );
    }
  }
}
