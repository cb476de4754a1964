import { type RingKind, ringOccupancy } from '@ringside/shared';
import { useShallow } from 'zustand/react/shallow';
import { selectSample, useRingside } from '../store.ts';
import { arcPath, occupiedSpan, slotAngle, slotIndex, tickPath } from '../viz/ring-geometry.ts';

const CENTER = { x: 60, y: 60 };
const RADIUS = 44;
const TICK_REACH = 11;

/** Who produces into each ring and who consumes from it. */
const FLOW: Record<RingKind, string> = {
  fill: 'app → kernel',
  rx: 'kernel → app',
  tx: 'app → kernel',
  completion: 'kernel → app',
};

export function RingView({ socketId, kind }: { socketId: string; kind: RingKind }) {
  // A ring is a flat record, so a shallow compare skips re-rendering rings that did not move.
  const ring = useRingside(useShallow((s) => selectSample(s, socketId)?.rings[kind] ?? null));
  if (!ring) return <p className="ring ring-absent">no {kind} ring</p>;

  const used = Math.min(ringOccupancy(ring), ring.size);
  const angleOf = (counter: number) => slotAngle(slotIndex(counter, ring.size), ring.size);
  const tick = (counter: number) => tickPath(CENTER, RADIUS - TICK_REACH, RADIUS + TICK_REACH, angleOf(counter));

  return (
    <figure className="ring" data-testid={`ring-${kind}`}>
      <figcaption>
        <span className="ring-name">{kind}</span>
        <span className="muted">{FLOW[kind]}</span>
      </figcaption>
      <svg viewBox="0 0 120 120" role="img" aria-label={`${kind} ring: ${used} of ${ring.size} entries in use`}>
        <circle className="ring-track" cx={CENTER.x} cy={CENTER.y} r={RADIUS} />
        <path className="ring-used" d={arcPath(CENTER, RADIUS, occupiedSpan(ring))} />
        <path className="tick tick-consumer" d={tick(ring.consumer)} />
        <path className="tick tick-producer" d={tick(ring.producer)} />
        <text className="ring-count" x={CENTER.x} y={CENTER.y + 2}>
          {used}
        </text>
        <text className="ring-caption" x={CENTER.x} y={CENTER.y + 16}>
          in use
        </text>
      </svg>
      <dl className="readings">
        <dt className="key-producer">producer</dt>
        <dd data-testid={`ring-${kind}-producer`}>{ring.producer}</dd>
        <dt className="key-consumer">consumer</dt>
        <dd data-testid={`ring-${kind}-consumer`}>{ring.consumer}</dd>
        <dt>size</dt>
        <dd data-testid={`ring-${kind}-size`}>{ring.size}</dd>
      </dl>
      <span
        className={ring.needWakeup ? 'badge badge-on' : 'badge'}
        title="Set by the kernel when it needs a syscall to make progress on this ring"
      >
        need_wakeup
      </span>
    </figure>
  );
}
