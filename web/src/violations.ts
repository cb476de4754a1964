import type { SnapshotMessage } from '@ringside/shared';
import { create } from 'zustand';

/**
 * Ownership violations the agent's ledger reported, kept after they pass.
 * A frame fed to FILL and TX at once is back to one owner within a fraction
 * of a second under traffic: a page that showed only the latest snapshot
 * would let a reader miss it. Each violation is kept with when it was first
 * and last seen, for a while after it stopped.
 */
export interface SeenViolation {
  socketId: string;
  text: string;
  firstSeen: number;
  lastSeen: number;
  /** Whether the latest snapshot still reports it. */
  current: boolean;
}

/** How long a violation stays on the page after the ledger stopped reporting it. */
export const KEEP_MS = 120_000;
const MAX_KEPT = 12;

/**
 * The kept violations after one more snapshot, newest first; `at` is the
 * snapshot's time. A socket in `unjudged` had no reading its ledger could be
 * judged by: what it had reported stays as it was, current or past.
 */
export function mergeViolations(
  kept: readonly SeenViolation[],
  reported: readonly { socketId: string; violations: readonly string[] }[],
  at: number,
  unjudged: ReadonlySet<string> = new Set(),
): SeenViolation[] {
  const key = (socketId: string, text: string) => `${socketId}\u0000${text}`;
  const byKey = new Map(
    kept.map((seen) => [
      key(seen.socketId, seen.text),
      { ...seen, current: seen.current && unjudged.has(seen.socketId) },
    ]),
  );
  for (const { socketId, violations } of reported) {
    for (const text of violations) {
      const previous = byKey.get(key(socketId, text));
      byKey.set(key(socketId, text), {
        socketId,
        text,
        firstSeen: previous?.firstSeen ?? at,
        lastSeen: at,
        current: true,
      });
    }
  }
  return [...byKey.values()]
    .filter((seen) => at - seen.lastSeen <= KEEP_MS)
    .sort((a, b) => b.lastSeen - a.lastSeen || b.firstSeen - a.firstSeen)
    .slice(0, MAX_KEPT);
}

/** The frame a violation names ("frame 17 is in fill but…"), for the inspector. */
export function frameNamed(text: string): number | null {
  const match = /\bframe (\d+)\b/.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * A socket's ledger left unjudged this long (every reading inconsistent) is
 * said so on the page: one inconsistent reading among whole ones is routine
 * under load, and a notice for each would only flicker.
 */
export const UNJUDGED_NOTICE_MS = 2_000;

export const useViolations = create<{
  seen: SeenViolation[];
  /** Sockets whose latest readings were all inconsistent: the snapshot time of the first of them. */
  unjudgedSince: Readonly<Record<string, number>>;
  dismiss(): void;
}>()((set) => ({
  seen: [],
  unjudgedSince: {},
  dismiss: () => set((s) => ({ seen: s.seen.filter((seen) => seen.current) })),
}));

/**
 * Since when each unjudged socket has gone unjudged, after a snapshot taken
 * at `at`: a socket judged again (or gone) is dropped. The same object when
 * nothing changed, so the page re-renders only when a socket starts or stops
 * going unjudged, not on every snapshot.
 */
export function nextUnjudgedSince(
  previous: Readonly<Record<string, number>>,
  unjudged: ReadonlySet<string>,
  at: number,
): Readonly<Record<string, number>> {
  const ids = Object.keys(previous);
  if (ids.length === unjudged.size && ids.every((id) => unjudged.has(id))) return previous;
  return Object.fromEntries([...unjudged].map((id) => [id, previous[id] ?? at]));
}

/** Whether the page should say a ledger unjudged `since` then goes unchecked, the latest snapshot taken `at`. */
export function unjudgedLongEnough(since: number | undefined, at: number | undefined): boolean {
  return since !== undefined && at !== undefined && at - since >= UNJUDGED_NOTICE_MS;
}

/**
 * What the samples' ledgers report, judged from consistent readings only: a
 * reading the data plane kept moving through compares rings and ledger from
 * different moments, and its "violations" may be frames caught mid-hand-over,
 * which the page would then keep for KEEP_MS. Its socket is unjudged this
 * time, neither cleared nor accused.
 */
export function ledgerReports(
  samples: readonly { socketId: string; ledger: { violations: readonly string[]; consistent: boolean } }[],
): { reported: { socketId: string; violations: readonly string[] }[]; unjudged: Set<string> } {
  const judged = samples.filter((sample) => sample.ledger.consistent);
  return {
    reported: judged
      .filter((sample) => sample.ledger.violations.length > 0)
      .map((sample) => ({ socketId: sample.socketId, violations: sample.ledger.violations })),
    unjudged: new Set(samples.filter((sample) => !sample.ledger.consistent).map((sample) => sample.socketId)),
  };
}

export function recordViolations(snapshot: SnapshotMessage): void {
  const { seen, unjudgedSince } = useViolations.getState();
  const { reported, unjudged } = ledgerReports(snapshot.sockets);
  const since = nextUnjudgedSince(unjudgedSince, unjudged, snapshot.sampledAt);
  if (since !== unjudgedSince) useViolations.setState({ unjudgedSince: since });
  // Nothing to report and nothing kept: no new state, so nothing re-renders.
  if (reported.length === 0 && seen.length === 0) return;
  const next = mergeViolations(seen, reported, snapshot.sampledAt, unjudged);
  const same =
    next.length === seen.length &&
    next.every(
      (v, i) => v.lastSeen === seen[i]?.lastSeen && v.current === seen[i]?.current && v.text === seen[i]?.text,
    );
  if (!same) useViolations.setState({ seen: next });
}
