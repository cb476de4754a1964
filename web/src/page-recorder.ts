import {
  encodeRecordingEntry,
  encodeRecordingHeader,
  encodeSnapshot,
  type RecordingEntry,
  recordingHeader,
} from '@ringside/shared';
import { create } from 'zustand';
import { useOwners } from './owners.ts';
import { useRingside } from './store.ts';

/**
 * The page's Record button: what this page receives, kept in the format
 * `--record` writes (shared/src/recording.ts), saved as a file when stopped.
 * Kept in memory: at the 30 KB a second a page receives at 30 snapshots a
 * second of four sockets, an hour is about 100 MB.
 */
interface PageRecording {
  /** False on the replay page: a recording has nothing live to record. */
  offered: boolean;
  /** Wall-clock ms the recording started, or null when not recording. */
  startedAt: number | null;
  bytes: number;
}

export const usePageRecording = create<PageRecording>()(() => ({ offered: true, startedAt: null, bytes: 0 }));

let parts: Uint8Array[] = [];
/** The page's snapshots are deltas against what it held before: the first one recorded goes whole. */
let needsWholeSnapshot = true;

function keep(part: Uint8Array): void {
  parts.push(part);
  usePageRecording.setState((s) => ({ bytes: s.bytes + part.length }));
}

type Untimed<T> = T extends unknown ? Omit<T, 'at'> : never;

function entry(untimed: Untimed<RecordingEntry>): void {
  const startedAt = usePageRecording.getState().startedAt;
  if (startedAt === null) return;
  keep(encodeRecordingEntry({ ...untimed, at: Date.now() - startedAt }));
}

/** Starts from what the page shows now: its hello and the agent's state, then everything it receives. */
export function startPageRecording(): boolean {
  const { hello, agentState } = useRingside.getState();
  if (!hello || !agentState || usePageRecording.getState().startedAt !== null) return false;
  const startedAt = Date.now();
  parts = [encodeRecordingHeader(recordingHeader(hello, 'page', startedAt))];
  needsWholeSnapshot = true;
  usePageRecording.setState({ startedAt, bytes: parts[0]?.length ?? 0 });
  entry({ kind: 'message', text: JSON.stringify(agentState) });
  return true;
}

/**
 * Every message the connection took, as it came, after the store has it:
 * JSON text as sent, snapshot frames as sent once the first is kept whole.
 */
export function recordReceived(data: string | Uint8Array): void {
  if (usePageRecording.getState().startedAt === null) return;
  if (typeof data === 'string') {
    entry({ kind: 'message', text: data });
    return;
  }
  if (needsWholeSnapshot) {
    const snapshot = useRingside.getState().snapshot;
    if (!snapshot) return;
    entry({ kind: 'snapshot', bytes: encodeSnapshot(snapshot, useOwners.getState().owners, null) });
    needsWholeSnapshot = false;
    return;
  }
  entry({ kind: 'snapshot', bytes: data });
}

/** Stops and hands the recording to the browser as a download. */
export function stopPageRecording(): void {
  const { startedAt } = usePageRecording.getState();
  if (startedAt === null) return;
  const blob = new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
  parts = [];
  usePageRecording.setState({ startedAt: null, bytes: 0 });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `ringside-${new Date(startedAt).toISOString().replaceAll(':', '-').slice(0, 19)}.ringside`;
  link.click();
  // The download has its own reference to the blob by now.
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}
