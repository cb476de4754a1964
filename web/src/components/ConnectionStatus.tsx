import { useRingside } from '../store.ts';

export function ConnectionStatus() {
  const status = useRingside((s) => s.status);
  const retryInMs = useRingside((s) => s.retryInMs);
  return (
    <div className="connection" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span data-testid="connection-status">{status}</span>
      <span className="muted retry">{retryInMs === null ? '' : `retrying in ${(retryInMs / 1000).toFixed(1)} s`}</span>
    </div>
  );
}
