import { useSelection } from '../selection.ts';
import { useRingside } from '../store.ts';
import { frameNamed, unjudgedLongEnough, useViolations } from '../violations.ts';
import { ExplainButton } from './Explain.tsx';
import './teaching.css';

/**
 * What the agent's ledger says is wrong with frame ownership, at the top of
 * the page whatever view is open: a frame in two places at once is the FAQ's
 * corruption, and the one thing here a user must not miss.
 */
export function LedgerViolations() {
  const seen = useViolations((s) => s.seen);
  const dismiss = useViolations((s) => s.dismiss);
  const selectFrame = useSelection((s) => s.selectFrame);
  const unjudgedSince = useViolations((s) => s.unjudgedSince);
  // Only while violations are listed: an empty list re-renders on no snapshot.
  const sampledAt = useRingside((s) => (seen.length > 0 ? s.snapshot?.sampledAt : undefined));
  if (seen.length === 0) return null;
  return (
    <section className="violations" data-testid="ledger-violations" aria-live="assertive">
      <h2>
        Ownership violations in the ledger <ExplainButton topic="view:same-frame" />
      </h2>
      <ul>
        {seen.map((violation) => {
          const frame = frameNamed(violation.text);
          return (
            <li
              key={`${violation.socketId}:${violation.text}`}
              data-testid="violation"
              data-current={violation.current}
              className={violation.current ? 'current' : 'past'}
            >
              <strong>{violation.socketId}</strong>: <span data-testid="violation-text">{violation.text}</span>{' '}
              <span className="muted">
                {!violation.current
                  ? `(seen ${clock(violation.firstSeen)}–${clock(violation.lastSeen)})`
                  : unjudgedLongEnough(unjudgedSince[violation.socketId], sampledAt)
                    ? `(last confirmed ${clock(violation.lastSeen)}; not checked since)`
                    : '(now)'}
              </span>
              {frame !== null && (
                <button
                  type="button"
                  data-testid="violation-inspect"
                  onClick={() => selectFrame(violation.socketId, frame)}
                >
                  inspect frame {frame}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <button type="button" className="link" onClick={dismiss}>
        clear the past ones
      </button>
    </section>
  );
}

const clock = (at: number) => new Date(at).toLocaleTimeString();

/**
 * Says that a socket's ledger has gone unchecked: while every reading is
 * inconsistent (the data plane moved through each of them on a busy
 * machine, or went down mid-hand-over and was left so), its violations
 * neither appear nor clear.
 */
export function LedgerUnjudged({ socketId }: { socketId: string }) {
  const since = useViolations((s) => s.unjudgedSince[socketId]);
  const shown = useRingside((s) => unjudgedLongEnough(since, s.snapshot?.sampledAt));
  if (!shown || since === undefined) return null;
  return (
    <p className="muted" role="status" data-testid="ledger-unjudged">
      Ledger not checked since {clock(since)}: every reading since then found the data plane mid-hand-over (a busy
      machine, or a data plane that went down mid-hand-over). Until a whole reading comes, this socket's ownership
      violations are neither reported nor cleared.
    </p>
  );
}
