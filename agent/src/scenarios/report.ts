import { describeBound, expectedNumbers, type LessonOutcome, type LessonSummary, observedAt } from '@ringside/shared';

/**
 * A lesson's outcome as lines for a terminal (`--scenario NAME`): each number
 * the lesson or upstream expects, with what this kernel showed, and every
 * mismatch said as a finding.
 */
export function lessonReport(lesson: LessonSummary, outcome: LessonOutcome): string {
  const ours = new Map(expectedNumbers(lesson.expect).map(({ path, bound }) => [path, bound]));
  const upstream = new Map(expectedNumbers(lesson.upstream.expect).map(({ path, bound }) => [path, bound]));
  const paths = [...new Set([...ours.keys(), ...upstream.keys()])];
  const width = Math.max(4, ...paths.map((path) => path.length));
  const cell = (text: string) => text.padEnd(10);
  const rows = paths.map((path) => {
    const expected = ours.get(path);
    const theirs = upstream.get(path);
    const observed = outcome.observed ? observedAt(outcome.observed, path) : null;
    return `  ${path.padEnd(width)}  ${cell(expected === undefined ? '' : describeBound(expected))}${cell(
      observed === null ? '—' : String(observed),
    )}${theirs === undefined ? '' : describeBound(theirs)}`;
  });
  const findings = [
    ...outcome.findings.map(
      (finding) =>
        `  finding: ${finding.path} should be ${describeBound(finding.expected)} on this kernel, and is ${finding.observed ?? 'unread'}`,
    ),
    ...outcome.upstreamFindings.map(
      (finding) =>
        `  differs from upstream: ${finding.path} is ${finding.observed ?? 'unread'} here, where ${lesson.upstream.test} expects ${describeBound(finding.expected)}`,
    ),
  ];
  const verdict = outcome.error
    ? `the run failed: ${outcome.error}`
    : outcome.findings.length === 0
      ? 'as this kernel is expected to behave'
      : `${outcome.findings.length} number(s) not as expected on this kernel`;
  return [
    `Lesson ${lesson.name}: ${lesson.title}`,
    `  ${'what'.padEnd(width)}  ${cell('expected')}${cell('observed')}upstream (${lesson.upstream.test})`,
    ...rows,
    ...findings,
    ...(outcome.upstreamFindings.length > 0 && lesson.upstream.differs ? [`  why: ${lesson.upstream.differs}`] : []),
    `Result: ${verdict}`,
    '',
  ].join('\n');
}
