import { type Diagnosis, type DiagnosisState, diagnose, type SnapshotMessage } from '@ringside/shared';
import { create } from 'zustand';

/**
 * Every socket's diagnosis ("why no packets"), judged over the last few
 * seconds of snapshots. Snapshots stay outside React; the store publishes
 * twice a second, which is as fast as a verdict can usefully change.
 */

/** Rates over at least this gap: the agent reads link counters once a second, so two readings always differ. */
export const DIAGNOSIS_WINDOW_MS = 2500;
const KEEP_EVERY_MS = 250;
const PUBLISH_EVERY_MS = 500;

/** The snapshots kept after one more: one per KEEP_EVERY_MS, back to just past the window. */
export function keepWindow(kept: readonly SnapshotMessage[], snapshot: SnapshotMessage): SnapshotMessage[] {
  const last = kept.at(-1);
  // A clock that went back, or a reconnect to another agent: start again.
  if (last && snapshot.sampledAt < last.sampledAt) return [snapshot];
  const next = last && snapshot.sampledAt - last.sampledAt < KEEP_EVERY_MS ? [...kept] : [...kept, snapshot];
  while (next.length > 2 && snapshot.sampledAt - (next[1] as SnapshotMessage).sampledAt >= DIAGNOSIS_WINDOW_MS) {
    next.shift();
  }
  return next;
}

/** Each socket's diagnosis from the oldest kept snapshot to `now`; none until the window is covered. */
export function diagnoseAll(
  state: DiagnosisState,
  kept: readonly SnapshotMessage[],
  now: SnapshotMessage,
): Record<string, Diagnosis> {
  const oldest = kept[0];
  if (!oldest || now.sampledAt - oldest.sampledAt < DIAGNOSIS_WINDOW_MS) return {};
  const byId: Record<string, Diagnosis> = {};
  for (const socket of [...state.sockets, ...state.attached]) {
    const diagnosis = diagnose(state, socket.id, oldest, now);
    if (diagnosis) byId[socket.id] = diagnosis;
  }
  return byId;
}

export const useDiagnoses = create<{ byId: Record<string, Diagnosis> }>()(() => ({ byId: {} }));

let kept: SnapshotMessage[] = [];
let publishedAt = 0;

export function recordDiagnoses(snapshot: SnapshotMessage, state: DiagnosisState | null): void {
  kept = keepWindow(kept, snapshot);
  const at = snapshot.sampledAt;
  if (at - publishedAt < PUBLISH_EVERY_MS && at >= publishedAt) return;
  publishedAt = at;
  useDiagnoses.setState({ byId: state ? diagnoseAll(state, kept, snapshot) : {} });
}
