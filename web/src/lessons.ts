import type { LessonOutcome, LessonSummary, XdpStatistics } from '@ringside/shared';
import { STAT_NAMES } from './explain.ts';

const RING_LABELS: Record<string, string> = { fill: 'FILL', rx: 'RX', tx: 'TX', completion: 'COMPLETION' };

/** A row's path (lessonRows) in the spec's words: `tx: tx_invalid_descs`, `source: received`, `program: redirected`. */
export function labelOf(path: string): string {
  const [group, id, kind, key] = path.split('.');
  if (group === 'sockets' && kind === 'stats') return `${id}: ${STAT_NAMES[key as keyof XdpStatistics] ?? key}`;
  if (group === 'sockets' && kind === 'rings') return `${id}: ${RING_LABELS[key ?? ''] ?? key} entries`;
  if (group === 'sockets') return `${id}: ${kind}`;
  return `${group}: ${id}`;
}

/** The last run's verdict in one line, for the panel's heading. */
export function lessonVerdict(lesson: LessonSummary, outcome: LessonOutcome | null, running: string | null): string {
  if (running === lesson.name) return 'running…';
  if (outcome?.name !== lesson.name) return 'not run yet';
  if (outcome.error) return `failed: ${outcome.error}`;
  const ours =
    outcome.findings.length === 0
      ? 'as expected on this kernel'
      : `${outcome.findings.length} finding(s) on this kernel`;
  const theirs =
    outcome.upstreamFindings.length === 0 ? '' : `; ${outcome.upstreamFindings.length} differ from upstream`;
  return `${ours}${theirs}`;
}
