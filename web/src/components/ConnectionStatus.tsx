import { useRingside } from '../store.ts';

export function ConnectionStatus() {
  const status = useRingside((s) => s.status);
  const retryInMs = useRingside((s) => s.retryInMs);
  // Which snapshot the page last drew: tests count new ones to tell a view that holds still from an agent gone quiet.
  const seq = useRingside((s) => s.snapshot?.seq);
  // The agent's own words for why it refused this page's token (see Connection).
  const refusal = useRingside((s) =>
    s.status === 'refused' ? (s.errors.findLast((notice) => notice.code === 'forbidden')?.message ?? null) : null,
  );
  return (
    <div className="connection" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span data-testid="connection-status" data-seq={seq}>
        {status}
      </span>
      <span className="muted retry">{retryInMs === null ? '' : `retrying in ${(retryInMs / 1000).toFixed(1)} s`}</span>
      {refusal === null ? null : (
        <span className="refusal" role="alert" data-testid="connection-refusal">
          {refusal}
        </span>
      )}
    </div>
  );
}
