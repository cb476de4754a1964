import type { KernelView, SocketRequest } from '@ringside/shared';
import type { ReactNode } from 'react';
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

/** An own socket's kernel view, asked again on demand, with what Ringside requested beside each fact. */
export function OwnKernelView({ socketId }: { socketId: string }) {
  const info = useRingside((s) => selectSocket(s, socketId));
  const command = useRingside((s) => s.command);
  const origin = `kernel-view:${socketId}`;
  const outcome = useRingside((s) => s.outcomes[origin]);
  if (!info) return null;
  return (
    <KernelViewTable
      kernel={info.kernel}
      request={info.request}
      caption={
        <>
          Kernel’s view <span className="muted">read {new Date(info.kernel.readAt).toLocaleTimeString()}</span>{' '}
          <button
            type="button"
            data-testid="kernel-view-refresh"
            onClick={() => command({ type: 'refreshKernelView', socketId }, origin)}
          >
            Ask the kernel again
          </button>{' '}
          <RequestOutcomeText outcome={outcome} testId="kernel-view-outcome" done="read" />
        </>
      }
    />
  );
}

/**
 * Each fact of a socket's kernel view with the source it was read from and,
 * for a socket Ringside made (`request` not null), what was requested; a
 * socket of another process has no "requested" column. `children` are rows
 * of further facts its caller knows.
 */
export function KernelViewTable({
  kernel,
  request,
  caption,
  children,
}: {
  kernel: KernelView;
  request: SocketRequest | null;
  caption: ReactNode;
  children?: ReactNode;
}) {
  return (
    <table className="stats kernel-view" data-testid="kernel-view">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">fact</th>
          {request && <th scope="col">requested</th>}
          <th scope="col">in effect</th>
          <th scope="col">source</th>
        </tr>
      </thead>
      <tbody>
        {kernelFactRows(kernel, request).map((row) => (
          <tr key={row.key} title={row.note} data-testid={`kernel-${row.key}-row`}>
            <th scope="row">{row.label}</th>
            {request && <td data-testid={`kernel-${row.key}-requested`}>{row.requested}</td>}
            <td data-testid={`kernel-${row.key}`} data-exact={row.exact}>
              {row.inEffect}
            </td>
            <td className="muted" data-testid={`kernel-${row.key}-source`}>
              {row.source}
            </td>
          </tr>
        ))}
        {children}
      </tbody>
    </table>
  );
}
