import { useRingside } from '../store.ts';

export function Notices() {
  const errors = useRingside((s) => s.errors);
  const dismissError = useRingside((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <ul className="notices" aria-live="polite">
      {errors.map((notice) => (
        <li key={notice.id} className="notice">
          <span className="notice-code">{notice.code}</span>
          <span className="notice-message">{notice.message}</span>
          <button type="button" className="link" onClick={() => dismissError(notice.id)} aria-label="Dismiss">
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
