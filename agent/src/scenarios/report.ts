import { describeBound, type LessonOutcome, type LessonSummary, lessonRowLabel, lessonRows } from '@ringside/shared';

/**
 * A lesson's outcome as lines for a terminal (`--scenario NAME`): each number
 * the lesson or upstream expects, with what this kernel showed, and every
 * mismatch said as a finding.
 */
export function lessonReport(lesson: LessonSummary, outcome: LessonOutcome): string {
  const rows = lessonRows(lesson, outcome).map((row) => ({ ...row, label: lessonRowLabel(row.path) }));
  const width = Math.max(4, ...rows.map(({ label }) => label.length));
  const cell = (text: string) => text.padEnd(10);
  const lines = rows.map(
    ({ label, expected, observed, upstream }) =>
      `  ${label.padEnd(width)}  ${cell(expected ?? '')}${cell(observed === null ? '—' : String(observed))}${upstream ?? ''}`,
  );
  const findings = [
    ...outcome.findings.map(
      (finding) =>
        `  finding: ${lessonRowLabel(finding.path)} should be ${describeBound(finding.expected)} on this kernel, and is ${finding.observed ?? 'unread'}`,
    ),
    ...outcome.upstreamFindings.map(
      (finding) =>
        `  differs from upstream: ${lessonRowLabel(finding.path)} is ${finding.observed ?? 'unread'} here, where ${lesson.upstream.test} expects ${describeBound(finding.expected)}`,
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
    ...lines,
    ...findings,
    ...(outcome.upstreamFindings.length > 0 && lesson.upstream.differs ? [`  why: ${lesson.upstream.differs}`] : []),
    `Result: ${verdict}`,
    '',
  ].join('\n');
}
