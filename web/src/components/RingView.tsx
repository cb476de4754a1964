import { chunkOf, FRAME_OWNERS, type RingKind, type RingState, type SocketDetailMessage } from '@ringside/shared';
import { type KeyboardEvent, memo, type PointerEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { animate, fitCanvas, useReducedMotion } from '../animation.ts';
import {
  entriesInRing,
  frameInSlot,
  groupAtSlot,
  type PacketGroup,
  packetGroups,
  packetGroupsShown,
  packetPlace,
  slotAfterKey,
  slotEntry,
} from '../descriptors.ts';
import { RING_EXPLANATIONS, RING_PARTS } from '../explain.ts';
import { useOwners } from '../owners.ts';
import { usePalette } from '../palette.ts';
import { useSelection } from '../selection.ts';
import { type State, selectDetail, selectRing, selectSocket, selectUmemOf, useRingside } from '../store.ts';
import { occupancy, paintRing, ringLayout, slotAtPoint, slotCentre } from '../viz/ring-canvas.ts';
import { PRESENTER_SLOWDOWN, RingMotion } from '../viz/ring-motion.ts';
import { paintPackets } from '../viz/ring-packets.ts';
import { ExplainButton } from './Explain.tsx';

/** Who produces into each ring and who consumes from it. */
const FLOW: Record<RingKind, string> = {
  fill: 'app → kernel',
  rx: 'kernel → app',
  tx: 'app → kernel',
  completion: 'kernel → app',
};

// Memoised: the explain buttons have static props, so a snapshot never needs to touch them.
const Explain = memo(ExplainButton);

/** A ring's multi-buffer packets as the latest detail listed them, and the ring's reading they were found in. */
interface ListedPackets {
  read: RingState;
  groups: PacketGroup[];
}

function listedPackets(detail: SocketDetailMessage | null, kind: RingKind): ListedPackets | null {
  const read = detail?.rings[kind];
  const listed = detail?.entries[kind];
  // FILL and COMPLETION list no options: only RX and TX descriptors chain.
  return read && listed ? { read, groups: packetGroups(read, listed.options) } : null;
}

/** What the canvas draws for a packet, readable by tests without decoding pixels: `slot:count`, + while open. */
function describePackets(groups: readonly PacketGroup[]): string {
  return groups.map((group) => `${group.slot}:${group.count}${group.complete ? '' : '+'}`).join(' ');
}

/** Whether describePackets would say the same of both. */
function samePackets(a: readonly PacketGroup[], b: readonly PacketGroup[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const one = a[i] as PacketGroup;
    const other = b[i] as PacketGroup;
    if (one.slot !== other.slot || one.count !== other.count || one.complete !== other.complete) return false;
  }
  return true;
}

/** The slots the canvas highlights, readable by tests: `count` of them from `start`, round the ring. */
function highlightedSlots(start: number, count: number, size: number): string {
  return Array.from({ length: count }, (_, k) => (start + k) % size).join(' ');
}

const NO_PACKETS: readonly PacketGroup[] = [];

/** Given the square the ring is drawn in, so that the row can measure where the ring is. */
type SquareRef = (element: HTMLElement | null) => void;

/**
 * The figure itself depends only on the ring's size: the readings, the badge
 * and the canvas each follow the snapshots on their own, so a snapshot
 * re-renders a few numbers and never the figure, its captions or its canvas.
 */
export function RingView({ socketId, kind, squareRef }: { socketId: string; kind: RingKind; squareRef: SquareRef }) {
  const size = useRingside((s) => selectRing(s, socketId, kind)?.size ?? 0);
  if (size === 0) return <p className="ring ring-absent">no {kind} ring</p>;
  return (
    <figure className="ring" data-testid={`ring-${kind}`}>
      <figcaption>
        <span className="ring-name">
          {RING_EXPLANATIONS[kind].title}
          <Explain topic={`ring:${kind}`} />
        </span>
        <span className="muted">{FLOW[kind]}</span>
      </figcaption>
      <RingCanvas socketId={socketId} kind={kind} size={size} squareRef={squareRef} />
      <RingReadings socketId={socketId} kind={kind} />
      <NeedWakeupBadge socketId={socketId} kind={kind} />
    </figure>
  );
}

function RingReadings({ socketId, kind }: { socketId: string; kind: RingKind }) {
  // A ring is a flat record, so a shallow compare skips rings that did not move.
  const ring = useRingside(useShallow((s) => selectRing(s, socketId, kind)));
  if (!ring) return null;
  return (
    <dl className="readings">
      <dt>in ring</dt>
      <dd data-testid={`ring-${kind}-used`}>{entriesInRing(ring)}</dd>
      <dt className="key-producer">
        producer <Explain topic="part:producer" />
      </dt>
      <dd data-testid={`ring-${kind}-producer`}>{ring.producer}</dd>
      <dt className="key-consumer">
        consumer <Explain topic="part:consumer" />
      </dt>
      <dd data-testid={`ring-${kind}-consumer`}>{ring.consumer}</dd>
      <dt className="key-cached">
        cached{' '}
        <span className="label-end">
          prod/cons <Explain topic="part:cached" />
        </span>
      </dt>
      <dd data-testid={`ring-${kind}-cached`}>
        {ring.cachedProducer === null ? (
          <span title="another process's private memory: Ringside sees only the shared words">unknown</span>
        ) : (
          `${ring.cachedProducer}/${ring.cachedConsumer}`
        )}
      </dd>
      <dt>size</dt>
      <dd data-testid={`ring-${kind}-size`}>{ring.size}</dd>
    </dl>
  );
}

function NeedWakeupBadge({ socketId, kind }: { socketId: string; kind: RingKind }) {
  const on = useRingside((s) => selectRing(s, socketId, kind)?.needWakeup ?? false);
  return (
    <span
      className={on ? 'badge badge-on' : 'badge'}
      data-testid={`ring-${kind}-need-wakeup`}
      data-on={on}
      title={RING_PARTS.needWakeup.text}
    >
      need_wakeup {on ? 'set' : 'clear'}
    </span>
  );
}

/**
 * The canvas takes its readings from the store directly (a subscription, not
 * a render): React renders it again only when the ring's size, the presenter
 * mode or the snapshot rate changes.
 */
function RingCanvas({
  socketId,
  kind,
  size,
  squareRef,
}: {
  socketId: string;
  kind: RingKind;
  size: number;
  squareRef: SquareRef;
}) {
  const presenter = useSelection((s) => s.presenter);
  const selectFrame = useSelection((s) => s.selectFrame);
  const perSecond = useRingside((s) => s.agentState?.snapshotsPerSecond ?? 10);
  const watchDetail = useRingside((s) => s.watchDetail);
  const multiBuffer = useRingside((s) => selectSocket(s, socketId)?.config.multiBuffer ?? false);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const motion = useRef(new RingMotion()).current;
  const packets = useRef<ListedPackets | null>(null);
  /** The slot pointed at, by the pointer or the keyboard's cursor: it and its packet are highlighted. */
  const hoveredRef = useRef<number | null>(null);
  /** The keyboard's slot, kept while the pointer wanders off and back. */
  const cursorRef = useRef<number | null>(null);
  const dirty = useRef(true);
  const [hovered, setHovered] = useState<{ slot: number; x: number; y: number } | null>(null);
  const side = presenter ? 220 : 150;
  const layout = useMemo(() => ringLayout(side), [side]);
  // With reduced motion the ring jumps to each reading instead of sweeping to it.
  const reduced = useReducedMotion((s) => s.reduced);
  const duration = reduced ? 0 : ((presenter ? PRESENTER_SLOWDOWN : 1) * 1000) / Math.max(1, perSecond);
  const durationRef = useRef(duration);
  durationRef.current = duration;

  useEffect(() => {
    let detailSeen: SocketDetailMessage | null = null;
    const push = (state: State) => {
      const ring = selectRing(state, socketId, kind);
      if (ring) motion.push(ring, performance.now());
      const detail = selectDetail(state, socketId);
      if (detail === detailSeen) return;
      detailSeen = detail;
      packets.current = listedPackets(detail, kind);
      dirty.current = true;
    };
    push(useRingside.getState());
    return useRingside.subscribe(push);
  }, [motion, socketId, kind]);

  // Only the detail stream carries descriptors' options: a multi-buffer socket's rings ask for it to draw its
  // packets, unless another view of the page already streams some socket's detail (the page gets one at a time).
  useEffect(() => {
    if (multiBuffer && (kind === 'rx' || kind === 'tx') && useRingside.getState().detailOf === null) {
      watchDetail(socketId);
    }
  }, [multiBuffer, kind, socketId, watchDetail]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const ctx = fitCanvas(canvas, side, side);
    if (!ctx) return;
    dirty.current = true;
    let paletteVersion = -1;
    let shownOccupied = -1;
    // What the canvas's data attributes say, kept as their inputs: a draw builds their strings only when those change.
    let shownPackets = NO_PACKETS;
    let shownHighlight = { start: -1, count: 0, size: 0 };
    // The reading last drawn, and whether it was drawn where its movement ends.
    let drawnReadings = -1;
    let drewFinal = false;
    return animate((now) => {
      const palette = usePalette.getState();
      if (palette.version !== paletteVersion) {
        paletteVersion = palette.version;
        dirty.current = true;
      }
      if (!dirty.current && drewFinal && drawnReadings === motion.readings) return;
      const pose = motion.at(now, durationRef.current);
      if (!pose) return;
      dirty.current = false;
      drawnReadings = motion.readings;
      drewFinal = motion.settled(now, durationRef.current);
      ctx.clearRect(0, 0, side, side);
      const listed = packets.current;
      const groups =
        listed && listed.read.size === pose.size ? packetGroupsShown(listed.groups, listed.read, pose) : NO_PACKETS;
      const pointed = hoveredRef.current;
      const packet = pointed === null ? null : groupAtSlot(groups, pointed, pose.size);
      paintRing(ctx, layout, pose, palette.ring, packet?.slot ?? pointed, packet?.count ?? 1);
      paintPackets(ctx, layout, pose.size, groups, { bracket: palette.muted, label: palette.text });
      if (!samePackets(groups, shownPackets)) {
        shownPackets = groups;
        canvas.dataset.packets = describePackets(groups);
      }
      // Nothing pointed at is one state, whatever the ring's size.
      const start = pointed === null ? -1 : (packet?.slot ?? pointed);
      const count = start < 0 ? 0 : (packet?.count ?? 1);
      const size = start < 0 ? 0 : pose.size;
      if (start !== shownHighlight.start || count !== shownHighlight.count || size !== shownHighlight.size) {
        shownHighlight = { start, count, size };
        canvas.dataset.highlighted = start < 0 ? '' : highlightedSlots(start, count, size);
      }
      // What the canvas shows, readable by tests without decoding pixels.
      const occupied = Math.round(occupancy(pose));
      if (occupied !== shownOccupied) {
        shownOccupied = occupied;
        canvas.dataset.occupied = String(occupied);
      }
    });
  }, [motion, side, layout]);

  const point = (slot: number | null, at?: { x: number; y: number }) => {
    if (slot !== hoveredRef.current) {
      hoveredRef.current = slot;
      dirty.current = true;
    }
    setHovered(slot === null ? null : { slot, ...(at ?? slotCentre(layout, size, slot)) });
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    point(slotAtPoint(layout, size, x, y), { x, y });
  };
  const onPointerLeave = (event: PointerEvent<HTMLCanvasElement>) => {
    point(document.activeElement === event.currentTarget ? cursorRef.current : null);
  };
  /** Opens the frame of the descriptor in `slot` in the packet inspector, as the UMEM map does with a cell; false if none. */
  const openSlot = (slot: number | null): boolean => {
    const state = useRingside.getState();
    const detail = selectDetail(state, socketId);
    const frameSize = selectUmemOf(state, socketId)?.config.frameSize;
    const frame = slot !== null && detail && frameSize ? frameInSlot(detail, kind, slot, frameSize) : null;
    if (frame !== null) selectFrame(socketId, frame);
    return frame !== null;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    if (event.key === 'Enter') {
      if (openSlot(cursorRef.current)) event.preventDefault();
      return;
    }
    const ring = selectRing(useRingside.getState(), socketId, kind);
    const next = ring ? slotAfterKey(ring, cursorRef.current, event.key) : null;
    if (next === null) return;
    event.preventDefault();
    cursorRef.current = next;
    point(next);
  };
  const onFocus = () => {
    watchDetail(socketId);
    const ring = selectRing(useRingside.getState(), socketId, kind);
    cursorRef.current ??= ring ? slotAfterKey(ring, null, 'Home') : null;
    point(cursorRef.current);
  };

  const tooltipId = `slot-${socketId}-${kind}`;
  return (
    <div ref={squareRef} className="ring-canvas" style={{ width: side, height: side }}>
      <canvas
        ref={canvasRef}
        data-testid={`ring-${kind}-canvas`}
        tabIndex={0}
        aria-label={`${kind} ring of ${size} slots: arrow keys move from slot to slot, Home to the oldest entry, End to the newest; Enter opens the slot's frame in the packet inspector`}
        aria-describedby={hovered ? tooltipId : undefined}
        onPointerEnter={() => watchDetail(socketId)}
        onPointerMove={onPointerMove}
        onPointerLeave={onPointerLeave}
        onClick={() => openSlot(hoveredRef.current)}
        onKeyDown={onKeyDown}
        onFocus={onFocus}
        onBlur={() => point(null)}
      />
      {hovered && (
        <SlotTooltip id={tooltipId} socketId={socketId} kind={kind} slot={hovered.slot} x={hovered.x} y={hovered.y} />
      )}
    </div>
  );
}

interface SlotTooltipProps {
  id: string;
  socketId: string;
  kind: RingKind;
  slot: number;
  x: number;
  y: number;
}

/**
 * The descriptor in a slot, from the socket's streamed detail. The detail lists
 * each ring's entries oldest first from its consumer, and carries the ring's
 * indices of that same reading: the entry is found from those, so it is the
 * slot's own descriptor even while the ring moves fast.
 */
function SlotTooltip({ id, socketId, kind, slot, x, y }: SlotTooltipProps) {
  const ring = useRingside(useShallow((s) => selectRing(s, socketId, kind)));
  const detail = useRingside((s) => selectDetail(s, socketId));
  const umem = useRingside((s) => selectUmemOf(s, socketId)?.config ?? null);
  const owners = useOwners((s) => s.owners.get(socketId));
  if (!ring) return null;
  // The detail's own indices when it has them: its entries were read at that instant, not at the snapshot's.
  const read = detail?.rings[kind] ?? ring;
  const { index, used, occupied } = slotEntry(read, slot);
  const entries = detail?.entries[kind] ?? null;
  const address = occupied && entries ? entries.addresses[index] : undefined;
  const chunk = address !== undefined && umem ? chunkOf(address, umem.frameSize) : null;
  const owner = chunk !== null && owners ? owners[chunk] : undefined;
  const packet = address !== undefined && entries ? packetPlace(entries.options, index) : null;
  return (
    <div id={id} className="tooltip" data-testid="slot-tooltip" style={{ left: x + 12, top: y + 12 }}>
      <strong>
        {kind} slot {slot}
      </strong>{' '}
      {occupied ? `· entry ${index + 1} of ${used} from the consumer` : '· empty'}
      {occupied && !detail && <div className="muted">loading descriptors…</div>}
      {address !== undefined && (
        <dl className="readings">
          <dt>addr</dt>
          <dd>{address}</dd>
          {entries && entries.lengths.length > 0 && (
            <>
              <dt>len</dt>
              <dd>{entries.lengths[index]}</dd>
              <dt>options</dt>
              <dd>{entries.options[index]}</dd>
            </>
          )}
          {packet && (
            <>
              <dt>packet</dt>
              <dd data-testid="slot-packet">
                descriptor {packet.position} of {packet.count}
                {packet.complete ? '' : ' so far'} (XDP_PKT_CONTD chains them)
              </dd>
            </>
          )}
          <dt>chunk</dt>
          <dd>{chunk}</dd>
          {owner !== undefined && (
            <>
              <dt>owner now</dt>
              <dd>{FRAME_OWNERS[owner] ?? owner}</dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}
