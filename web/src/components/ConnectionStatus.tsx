import { type RefObject, useEffect, useRef } from 'react';
import { useRingside } from '../store.ts';

export function ConnectionStatus() {
  const status = useRingside((s) => s.status);
  const retryInMs = useRingside((s) => s.retryInMs);
  const replayOf = useRingside((s) => s.replayOf);
  // The agent's own words for why it refused this page's token (see Connection).
  const refusal = useRingside((s) =>
    s.status === 'refused' ? (s.errors.findLast((notice) => notice.code === 'forbidden')?.message ?? null) : null,
  );
  const statusRef = useRef<HTMLSpanElement>(null);
  useDrawnSeq(statusRef);
  return (
    <div className="connection" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span ref={statusRef} data-testid="connection-status">
        {status === 'replaying' ? 'replay' : status}
      </span>
      {replayOf === null ? (
        <span className="muted retry">
          {retryInMs === null ? '' : `retrying in ${(retryInMs / 1000).toFixed(1)} s`}
        </span>
      ) : (
        <span className="muted" data-testid="replay-of">
          of {replayOf.fileName}, recorded {new Date(replayOf.recordedAt).toLocaleString()}
        </span>
      )}
      {refusal === null ? null : (
        <span className="refusal" role="alert" data-testid="connection-refusal">
          {refusal}
        </span>
      )}
    </div>
  );
}

/**
 * Which snapshot the page last drew, as `data-seq` on `ref`'s element: tests
 * count new ones to tell a view that holds still from an agent gone quiet.
 * Written from a store subscription, not rendered: a snapshot re-renders
 * nothing in the header. React renders no data-seq there, so it never
 * overwrites this one.
 */
function useDrawnSeq(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    let written: number | undefined;
    const write = (seq: number | undefined) => {
      const element = ref.current;
      if (!element || seq === written) return;
      written = seq;
      if (seq === undefined) delete element.dataset.seq;
      else element.dataset.seq = String(seq);
    };
    write(useRingside.getState().snapshot?.seq);
    return useRingside.subscribe((state) => write(state.snapshot?.seq));
  }, [ref]);
}
