import {
  describeBound,
  expectedNumbers,
  type Finding,
  type LessonOutcome,
  type LessonSummary,
  observedAt,
  type XdpStatistics,
} from '@ringside/shared';
import { STAT_NAMES } from './explain.ts';

/** One number of a lesson: what this kernel should show, what it showed, and what upstream's harness expects. */
export interface LessonRow {
  /** The expectation's dotted path, which the agent's findings name too. */
  path: string;
  /** In the spec's words: `tx: tx_invalid_descs`, `source: received`, `program: redirected`. */
  label: string;
  expected: string | null;
  observed: number | null;
  upstream: string | null;
  /** Not what this kernel should show: a finding. */
  mismatch: boolean;
  /** What this kernel showed is not what upstream expects: shown, never hidden. */
  differsFromUpstream: boolean;
}

const RING_LABELS: Record<string, string> = { fill: 'FILL', rx: 'RX', tx: 'TX', completion: 'COMPLETION' };

export function labelOf(path: string): string {
  const [group, id, kind, key] = path.split('.');
  if (group === 'sockets' && kind === 'stats') return `${id}: ${STAT_NAMES[key as keyof XdpStatistics] ?? key}`;
  if (group === 'sockets' && kind === 'rings') return `${id}: ${RING_LABELS[key ?? ''] ?? key} entries`;
  if (group === 'sockets') return `${id}: ${kind}`;
  return `${group}: ${id}`;
}

/** Every number the lesson or upstream names, in the lesson's order, with the last run's reading beside it. */
export function lessonRows(lesson: LessonSummary, outcome: LessonOutcome | null): LessonRow[] {
  const ours = new Map(expectedNumbers(lesson.expect).map(({ path, bound }) => [path, bound]));
  const upstream = new Map(expectedNumbers(lesson.upstream.expect).map(({ path, bound }) => [path, bound]));
  const ran = outcome?.name === lesson.name ? outcome : null;
  const flagged = (findings: readonly Finding[] | undefined, path: string) =>
    findings?.some((finding) => finding.path === path) ?? false;
  return [...new Set([...ours.keys(), ...upstream.keys()])].map((path) => {
    const expected = ours.get(path);
    const theirs = upstream.get(path);
    return {
      path,
      label: labelOf(path),
      expected: expected === undefined ? null : describeBound(expected),
      observed: ran?.observed ? observedAt(ran.observed, path) : null,
      upstream: theirs === undefined ? null : describeBound(theirs),
      mismatch: flagged(ran?.findings, path),
      differsFromUpstream: flagged(ran?.upstreamFindings, path),
    };
  });
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
