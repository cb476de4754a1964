import { type Notice, useRingside } from '../store.ts';

/** Who refused, in words: the kernel, Ringside's own limits, or the request itself. */
const CODE_LABELS: Record<Notice['code'], string> = {
  'bad-request': 'refused',
  'unsupported-version': 'unsupported version',
  forbidden: 'forbidden',
  'not-found': 'not found',
  'kernel-refused': 'the kernel refused',
  'ringside-limit': "Ringside's own limit",
  'rate-limited': 'rate limited',
  'agent-failed': 'the agent failed',
  'attach-refused': 'attaching was refused',
  'not-connected': 'not connected',
  'read-only': 'read-only',
};

export function Notices() {
  const errors = useRingside((s) => s.errors);
  const dismissError = useRingside((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <ul className="notices" aria-live="polite">
      {errors.map((notice) => (
        <li key={notice.id} className="notice">
          <span className="notice-code" data-code={notice.code}>
            {CODE_LABELS[notice.code]}
          </span>
          <span className="notice-message">{notice.message}</span>
          <button type="button" className="link" onClick={() => dismissError(notice.id)} aria-label="Dismiss">
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
