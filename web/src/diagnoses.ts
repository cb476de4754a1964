import { type Diagnosis, type DiagnosisState, diagnose, type SnapshotMessage, type SocketInfo } from '@ringside/shared';
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

/** Why the lab's source sends nothing now, with what to do; null while it sends. */
function idleSource({ traffic }: DiagnosisState): string | null {
  if (!traffic) return null;
  if (traffic.paused) return "the lab's traffic source is paused: resume it in the traffic controls (or press t)";
  if (traffic.ratePps === 0) return "the lab's traffic source sends 0 frames/s: raise its rate in the traffic controls";
  return null;
}

/**
 * The lab's traffic source is none of the diagnosis's stages (they follow a
 * frame from the interface on), yet a lab socket that receives nothing while
 * it is paused (as every lesson leaves it) or sends at rate 0 has its answer
 * there: said first. The queue stage then fails only for want of frames, so
 * it is no fault of its own; any other failing stage still is, and follows.
 */
export function withLabSource(diagnosis: Diagnosis, socket: SocketInfo, state: DiagnosisState): Diagnosis {
  const idle = idleSource(state);
  // A socket without an RX ring only sends: its own verdict says so, and no source would change it.
  if (idle === null || diagnosis.verdict === 'receiving' || socket.config.rxSize === 0) return diagnosis;
  if (socket.config.ifname !== state.lab?.appIfname) return diagnosis;
  if (diagnosis.failing === null || diagnosis.failing === 'queue') {
    return { ...diagnosis, verdict: 'quiet', failing: null, blames: [], line: `nothing received: ${idle}` };
  }
  return { ...diagnosis, line: `nothing received: ${idle}; and ${diagnosis.line}` };
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
  for (const socket of state.sockets) {
    const diagnosis = diagnose(state, socket.id, oldest, now);
    if (diagnosis) byId[socket.id] = withLabSource(diagnosis, socket, state);
  }
  // Another process's sockets are fed by its own traffic, never the lab's source.
  for (const socket of state.attached) {
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
