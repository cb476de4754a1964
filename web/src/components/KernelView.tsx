import { useShallow } from 'zustand/react/shallow';
import { kernelFactRows } from '../kernel-view.ts';
import { selectSocket, useRingside } from '../store.ts';
import { RequestOutcomeText } from './RequestOutcomeText.tsx';

/** Where the kernel's view contradicts the request: at the top of the socket's view, never smoothed over. */
export function KernelMismatches({ socketId }: { socketId: string }) {
  const mismatches = useRingside(useShallow((s) => selectSocket(s, socketId)?.mismatches ?? []));
  if (mismatches.length === 0) return null;
  return (
    <ul className="notices" data-testid="kernel-mismatches">
      {mismatches.map((mismatch) => (
        <li key={mismatch.fact} className="notice" data-testid={`kernel-mismatch-${mismatch.fact}`}>
          <span className="notice-code">{mismatch.fact}</span>
          <span className="notice-message">
            requested {mismatch.requested}, the kernel shows {mismatch.inEffect}: {mismatch.explanation}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** "Requested" beside the kernel's view, each fact with the source it was read from. */
export function KernelViewTable({ socketId }: { socketId: string }) {
  const info = useRingside((s) => selectSocket(s, socketId));
  const command = useRingside((s) => s.command);
  const origin = `kernel-view:${socketId}`;
  const outcome = useRingside((s) => s.outcomes[origin]);
  if (!info) return null;
  return (
    <table className="stats kernel-view" data-testid="kernel-view">
      <caption>
        Kernel’s view <span className="muted">read {new Date(info.kernel.readAt).toLocaleTimeString()}</span>{' '}
        <button
          type="button"
          data-testid="kernel-view-refresh"
          onClick={() => command({ type: 'refreshKernelView', socketId }, origin)}
        >
          Ask the kernel again
        </button>{' '}
        <RequestOutcomeText outcome={outcome} testId="kernel-view-outcome" done="read" />
      </caption>
      <thead>
        <tr>
          <th scope="col">fact</th>
          <th scope="col">requested</th>
          <th scope="col">in effect</th>
          <th scope="col">source</th>
        </tr>
      </thead>
      <tbody>
        {kernelFactRows(info.kernel, info.request).map((row) => (
          <tr key={row.key} title={row.note} data-testid={`kernel-${row.key}-row`}>
            <th scope="row">{row.label}</th>
            <td data-testid={`kernel-${row.key}-requested`}>{row.requested}</td>
            <td data-testid={`kernel-${row.key}`}>{row.inEffect}</td>
            <td className="muted" data-testid={`kernel-${row.key}-source`}>
              {row.source}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
