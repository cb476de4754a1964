import {
  type Finding,
  type LessonOutcome,
  type LessonSummary,
  XDP_STATISTICS_NAMES,
  type XdpStatistics,
} from './protocol.ts';
import { describeBound, expectedNumbers, lessonSocketId, observedAt } from './scenario.ts';

/** One number of a lesson: what this kernel should show, what it showed, and what upstream's harness expects. */
export interface LessonRow {
  /** The expectation's dotted path (expectedNumbers), which the outcome's findings name too. */
  path: string;
  expected: string | null;
  /** Null when the outcome is another lesson's, or nothing was read there. */
  observed: number | null;
  upstream: string | null;
  /** Not what this kernel should show: a finding. */
  mismatch: boolean;
  /** What this kernel showed is not what upstream expects: shown, never hidden. */
  differsFromUpstream: boolean;
}

/**
 * Every number the lesson or upstream names, in the lesson's order and then
 * upstream's, with the outcome's reading beside it: the table both the page
 * and the terminal show.
 */
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
      expected: expected === undefined ? null : describeBound(expected),
      observed: ran?.observed ? observedAt(ran.observed, path) : null,
      upstream: theirs === undefined ? null : describeBound(theirs),
      mismatch: flagged(ran?.findings, path),
      differsFromUpstream: flagged(ran?.upstreamFindings, path),
    };
  });
}

const RING_NAMES: Record<string, string> = { fill: 'FILL', rx: 'RX', tx: 'TX', completion: 'COMPLETION' };

/**
 * A row's path in the spec's words, each socket by the name it runs under:
 * `lesson-tx: tx_invalid_descs`, `lesson-rx: FILL entries`, `source: received`.
 */
export function lessonRowLabel(path: string): string {
  const [group, id = '', kind, key] = path.split('.');
  if (group !== 'sockets') return `${group}: ${id}`;
  const socket = lessonSocketId(id);
  if (kind === 'stats') return `${socket}: ${XDP_STATISTICS_NAMES[key as keyof XdpStatistics] ?? key}`;
  if (kind === 'rings') return `${socket}: ${RING_NAMES[key ?? ''] ?? key} entries`;
  return `${socket}: ${kind}`;
}
