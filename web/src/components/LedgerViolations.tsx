import { useSelection } from '../selection.ts';
import { frameNamed, useViolations } from '../violations.ts';
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
                {violation.current
                  ? '(now)'
                  : `(seen ${new Date(violation.firstSeen).toLocaleTimeString()}–${new Date(violation.lastSeen).toLocaleTimeString()})`}
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
