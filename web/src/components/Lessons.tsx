import { lessonRowLabel, lessonRows, START_SOCKET_ID } from '@ringside/shared';
import { useState } from 'react';
import { backToLabSocket, lessonVerdict } from '../lessons.ts';
import { selectCanControl, useRingside } from '../store.ts';
import { RequestOutcomeText } from './RequestOutcomeText.tsx';
import './Lessons.css';

const ORIGIN = 'lessons';
const BACK_ORIGIN = 'lessons:back';

/** A counter's name that may wrap after each underscore or colon, never inside a word, in a narrow column. */
function Breakable({ text }: { text: string }) {
  const parts = text.split(/(?<=[_:])/);
  return parts.map((part, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed text, in order
    <span key={i}>
      {part}
      {i < parts.length - 1 && <wbr />}
    </span>
  ));
}

/**
 * The kernel's test catalogue as lessons: pick one, run it (control pages
 * only), read what it teaches, and see this kernel's numbers beside what the
 * lesson and upstream's harness expect. A number that is not as expected is
 * a finding, marked, never hidden.
 */
export function LessonsPanel() {
  const lessons = useRingside((s) => s.agentState?.lessons ?? null);
  const canControl = useRingside(selectCanControl);
  const viewOnly = useRingside((s) => s.hello?.role === 'view');
  const command = useRingside((s) => s.command);
  const outcome = useRingside((s) => s.outcomes[ORIGIN]);
  const agentState = useRingside((s) => s.agentState);
  const backOutcome = useRingside((s) => s.outcomes[BACK_ORIGIN]);
  const [chosen, setChosen] = useState<string | null>(null);
  if (!lessons || (lessons.catalogue.length === 0 && lessons.problems.length === 0)) return null;
  // A lesson leaves its own sockets and the source paused: one click gives the lab back its socket.
  const back = agentState && lessons.running === null ? backToLabSocket(agentState) : null;

  // What a run shows first: the lesson chosen here, else the one running or last run (another page may have run it).
  const name = chosen ?? lessons.running ?? lessons.last?.name ?? lessons.catalogue[0]?.name;
  const lesson = lessons.catalogue.find((candidate) => candidate.name === name) ?? null;
  const rows = lesson ? lessonRows(lesson, lessons.last) : [];
  const ran = lesson !== null && lessons.last?.name === lesson.name;
  const differs = ran && (lessons.last?.upstreamFindings.length ?? 0) > 0;

  return (
    <section className="panel lessons" data-testid="lessons" aria-live="polite">
      <h2>Lessons</h2>
      <div className="row">
        <select
          data-testid="lesson-pick"
          aria-label="Lesson"
          value={lesson?.name ?? ''}
          onChange={(event) => setChosen(event.target.value)}
        >
          {lessons.catalogue.map((candidate) => (
            <option key={candidate.name} value={candidate.name}>
              {candidate.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          data-testid="lesson-run"
          disabled={!canControl || lesson === null || lessons.running !== null}
          title={viewOnly ? 'A view-only page cannot run lessons' : undefined}
          onClick={() => lesson && command({ type: 'runScenario', name: lesson.name }, ORIGIN)}
        >
          Run
        </button>
      </div>
      <RequestOutcomeText outcome={outcome} testId="lesson-request" pending="running…" />
      {back && (
        <p className="row">
          <button
            type="button"
            data-testid="lesson-back"
            disabled={!canControl}
            title={viewOnly ? 'A view-only page cannot change the lab' : undefined}
            onClick={() => {
              for (const body of back) command(body, BACK_ORIGIN);
            }}
          >
            Back to the lab socket
          </button>
          <span className="muted">{START_SOCKET_ID} in place of the lesson’s sockets, the traffic resumed</span>
        </p>
      )}
      <RequestOutcomeText outcome={backOutcome} testId="lesson-back-request" pending="going back…" />
      {lesson && (
        <>
          <h3 data-testid="lesson-title">{lesson.title}</h3>
          <p className="lesson-explanation" data-testid="lesson-explanation">
            {lesson.explanation.text} <span className="muted">(spec: {lesson.explanation.section})</span>
          </p>
          <p className="muted" data-testid="lesson-verdict" data-ran={ran}>
            {lessonVerdict(lesson, lessons.last, lessons.running)}
          </p>
          <table className="lesson-table" data-testid="lesson-table">
            <thead>
              <tr>
                <th scope="col">what</th>
                <th scope="col" title="what the lesson expects of this kernel">
                  lesson
                </th>
                <th scope="col" title="what this kernel showed">
                  seen
                </th>
                <th scope="col" title="what upstream's selftest expects">
                  upstream
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.path}
                  data-testid={`lesson-row-${row.path}`}
                  data-mismatch={row.mismatch}
                  data-upstream-differs={row.differsFromUpstream}
                  className={row.mismatch ? 'finding' : row.differsFromUpstream ? 'upstream-differs' : undefined}
                >
                  <th scope="row">
                    <Breakable text={lessonRowLabel(row.path)} />
                  </th>
                  <td>{row.expected ?? ''}</td>
                  <td className="num" data-testid={`lesson-observed-${row.path}`}>
                    {row.observed ?? '—'}
                  </td>
                  <td>{row.upstream ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {ran && lessons.last?.error && (
            <p className="finding" data-testid="lesson-error">
              {lessons.last.error}
            </p>
          )}
          <ul className="lesson-findings" data-testid="lesson-findings">
            {ran &&
              lessons.last?.findings.map((finding) => (
                <li key={finding.path} className="finding">
                  Finding: {finding.path} is {finding.observed ?? 'unread'} on this kernel
                </li>
              ))}
            {differs &&
              lessons.last?.upstreamFindings.map((finding) => (
                <li key={finding.path} className="upstream-differs" data-testid={`lesson-upstream-${finding.path}`}>
                  Differs from upstream ({lesson.upstream.test}): {finding.path} is {finding.observed ?? 'unread'} here
                </li>
              ))}
          </ul>
          {differs && lesson.upstream.differs && (
            <p className="muted" data-testid="lesson-differs">
              {lesson.upstream.differs}
            </p>
          )}
          {lesson.upstream.setup && <p className="muted">Upstream: {lesson.upstream.setup}</p>}
        </>
      )}
      {lessons.problems.map((problem) => (
        <p key={problem} className="finding" data-testid="lesson-problem">
          Refused: {problem}
        </p>
      ))}
    </section>
  );
}
