import { OWNER_EXPLANATIONS, RING_KINDS } from '@ringside/shared';
import { useShallow } from 'zustand/react/shallow';
import { RING_LABELS } from '../kernel-view.ts';
import { selectAttached, selectSample, useRingside } from '../store.ts';
import { KernelViewTable } from './KernelView.tsx';

/** How an attached socket is marked wherever it is shown: whose it is, and that Ringside only reads it. */
export function AttachedMark({ socketId }: { socketId: string }) {
  const origin = useRingside((s) => selectAttached(s, socketId)?.origin);
  if (!origin) return null;
  return (
    <span className="badge badge-on attached-mark" data-testid="attached-mark">
      attached: pid {origin.pid} {origin.command}, read-only
    </span>
  );
}

/**
 * What the kernel says of an attached socket, each fact with how it was
 * learned, and its UMEM as far as it is known: all there is of another
 * process's socket, which Ringside never saw requested.
 */
export function AttachedKernelView({ socketId }: { socketId: string }) {
  const info = useRingside((s) => selectAttached(s, socketId));
  if (!info) return null;
  const { kernel, umem } = info;
  return (
    <KernelViewTable kernel={kernel} request={null} caption="The kernel's view">
      <tr data-testid="kernel-umem-row">
        <th scope="row">UMEM</th>
        <td data-testid="kernel-umem">
          {umem.size === null ? 'size unknown' : `${umem.size} B`}
          {umem.chunkSize === null ? '' : `, ${umem.chunkSize} B chunks`}
        </td>
        <td className="muted" data-testid="kernel-umem-source">
          {umem.source}
        </td>
      </tr>
    </KernelViewTable>
  );
}

/**
 * The kernel's side of an attached socket's frames: those in each ring; the
 * rest are the application's, counted only when the UMEM's size is known.
 */
export function AttachedOwnership({ socketId }: { socketId: string }) {
  const counts = useRingside(useShallow((s) => selectSample(s, socketId)?.ledger.counts ?? null));
  // Frames are counted once the chunk size is known; without the UMEM's size, from the highest address seen: a floor.
  const frames = useRingside((s) => {
    const umem = selectAttached(s, socketId)?.umem;
    return umem?.size != null ? 'exact' : umem?.chunkSize != null ? 'floor' : 'unknown';
  });
  if (!counts) return null;
  return (
    <table className="stats" data-testid="attached-ownership">
      <caption>Frames by owner (the kernel's side)</caption>
      <tbody>
        {RING_KINDS.map((kind) => (
          <tr key={kind} title={OWNER_EXPLANATIONS[kind]}>
            <th scope="row">in {RING_LABELS[kind]}</th>
            <td data-testid={`attached-count-${kind}`}>{counts[kind]}</td>
          </tr>
        ))}
        <tr title={OWNER_EXPLANATIONS['application-held']}>
          <th scope="row">held by the application</th>
          <td data-testid="attached-count-application-held">
            {frames === 'unknown' ? 'unknown' : `${frames === 'floor' ? 'at least ' : ''}${counts['application-held']}`}
          </td>
        </tr>
      </tbody>
    </table>
  );
}
