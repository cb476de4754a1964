import { FRAME_OWNERS, RING_KINDS, type RingKind, type SocketSample } from '@ringside/shared';
import { useEffect, useRef } from 'react';
import { animate, fitCanvas } from '../animation.ts';
import { usePalette } from '../palette.ts';
import { useSelection } from '../selection.ts';
import { type State, selectSample, selectSocket, useRingside } from '../store.ts';
import { ringLayout } from '../viz/ring-canvas.ts';
import {
  bandPoint,
  descriptorsPerDot,
  FlowParticles,
  type Leg,
  legName,
  legPoint,
  legRates,
  type RingAnchor,
  workloadLegs,
} from '../viz/ring-flow.ts';
import { PRESENTER_SLOWDOWN, RingMotion } from '../viz/ring-motion.ts';

/**
 * Dots in flight per socket. Under rxdrop at 20k pps (two legs of 20k
 * descriptors a second) and 700 ms of travel a dot stands for 128
 * descriptors. At the cap, placing and filling the dots measured about
 * 0.2 ms of script a frame in headless Chromium without a GPU, and the
 * overlay's canvas about 0.4 ms more of commit; more dots would not read
 * any better.
 */
const CAPACITY = 240;
const TRAVEL_MS = 700;
/**
 * The overlay reaches this far beyond the rings' squares. The kernel's lane
 * runs along the top of the squares and the application's along the bottom,
 * in the strips the ring bands leave free (see ringLayout), where the labels
 * also go, clear of the captions and readings around the squares.
 */
const LANE_MARGIN = 2;
const LANE_INSET = 6;
const DOT = 3;
/** Without a snapshot for this long the rates are stale (agent gone, page hidden): no new dots. */
const STALE_MS = 1000;
/** The test-facing counts change every frame; the DOM hears of them a few times a second. */
const PUBLISH_EVERY_MS = 250;

const NO_LEGS: readonly Leg[] = [];

interface FlowState {
  legs: readonly Leg[];
  rates: number[];
  last: SocketSample | null;
  sampledAt: number;
  receivedAt: number;
}

/**
 * One canvas over a socket's row of rings on which descriptors travel from
 * ring to ring along the workload's legs. Mounted inside the first ring's
 * figure and stretched over the row; it reads snapshots through a store
 * subscription and draws from the shared animation loop, so React renders it
 * once. While nothing flows it clears once and then costs nothing per frame.
 */
export function RingFlow({ socketId }: { socketId: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const presenter = useSelection((s) => s.presenter);
  const presenterRef = useRef(presenter);
  presenterRef.current = presenter;

  useEffect(() => {
    const canvas = canvasRef.current;
    const figure = canvas?.parentElement;
    const row = figure?.parentElement;
    if (!canvas || !figure || !row) return;

    const motions = new Map<RingKind, RingMotion>(RING_KINDS.map((kind) => [kind, new RingMotion()]));
    const anchors = new Map<RingKind, RingAnchor>();
    const dots = new FlowParticles(CAPACITY);
    const flow: FlowState = {
      legs: NO_LEGS,
      rates: [],
      last: null,
      sampledAt: 0,
      receivedAt: Number.NEGATIVE_INFINITY,
    };
    let ctx: CanvasRenderingContext2D | null = null;
    let width = 0;
    let height = 0;
    // Per leg: where dots leave, where they arrive, and the lane between.
    const ends = new Float64Array(5 * 4);
    const point = { x: 0, y: 0 };
    let lastFrame = performance.now();
    let drawnEmpty = false;
    let publishedAt = 0;
    const legCounts = new Uint32Array(4);

    // Geometry comes from the DOM only when the row or the workload changes, never per frame.
    // The overlay spans only the rings the workload's legs join: every pixel of
    // it is composited in software each frame a dot moves.
    const measure = () => {
      const own = figure.getBoundingClientRect();
      const used = new Set(flow.legs.flatMap((leg) => [leg.from, leg.to]));
      const squares: [RingKind, DOMRect][] = [];
      for (const square of row.querySelectorAll<HTMLElement>('[data-ring]')) {
        const kind = square.dataset.ring as RingKind;
        if (used.size === 0 || used.has(kind)) squares.push([kind, square.getBoundingClientRect()]);
      }
      if (squares.length === 0) return;
      const left = Math.min(...squares.map(([, rect]) => rect.left)) - LANE_MARGIN;
      const top = Math.min(...squares.map(([, rect]) => rect.top)) - LANE_MARGIN;
      width = Math.max(...squares.map(([, rect]) => rect.right)) + LANE_MARGIN - left;
      height = Math.max(...squares.map(([, rect]) => rect.bottom)) + LANE_MARGIN - top;
      canvas.style.left = `${left - own.left}px`;
      canvas.style.top = `${top - own.top}px`;
      ctx = fitCanvas(canvas, width, height);
      anchors.clear();
      for (const [kind, rect] of squares) {
        const layout = ringLayout(rect.width);
        anchors.set(kind, {
          cx: rect.left - left + layout.cx,
          cy: rect.top - top + layout.cy,
          radius: (layout.inner + layout.outer) / 2,
        });
      }
      drawnEmpty = false;
    };
    const observer = new ResizeObserver(measure);
    observer.observe(row);

    const onState = (state: State) => {
      const workload = selectSocket(state, socketId)?.workload;
      const legs = workload ? workloadLegs(workload) : NO_LEGS;
      if (legs !== flow.legs) {
        flow.legs = legs;
        flow.rates = legs.map(() => 0);
        dots.clear();
        measure();
      }
      const sample = selectSample(state, socketId);
      if (!sample || sample === flow.last) return;
      const now = performance.now();
      for (const kind of RING_KINDS) {
        const ring = sample.rings[kind];
        if (ring) motions.get(kind)?.push(ring, now);
      }
      const sampledAt = state.snapshot?.sampledAt ?? 0;
      if (flow.last)
        flow.rates = legRates(flow.legs, flow.last.rings, sample.rings, (sampledAt - flow.sampledAt) / 1000);
      flow.last = sample;
      flow.sampledAt = sampledAt;
      flow.receivedAt = now;
    };
    onState(useRingside.getState());
    const unsubscribe = useRingside.subscribe(onState);

    /** Writes leg k's ends into `ends`; false when either ring is not on screen (a socket sharing another's FILL). */
    const placeLeg = (leg: Leg, k: number, now: number, duration: number): boolean => {
      const from = anchors.get(leg.from);
      const to = anchors.get(leg.to);
      const start = motions.get(leg.from)?.at(now, duration);
      if (!from || !to || !start) return false;
      bandPoint(from, start.consumer, start.size, point);
      ends[5 * k] = point.x;
      ends[5 * k + 1] = point.y;
      const end = motions.get(leg.to)?.at(now, duration);
      if (!end) return false;
      bandPoint(to, end.producer, end.size, point);
      ends[5 * k + 2] = point.x;
      ends[5 * k + 3] = point.y;
      ends[5 * k + 4] = leg.via === 'kernel' ? LANE_INSET : height - LANE_INSET;
      return true;
    };

    const stop = animate((now) => {
      const frameMs = Math.min(100, now - lastFrame);
      lastFrame = now;
      if (!ctx) return;
      const slowdown = presenterRef.current ? PRESENTER_SLOWDOWN : 1;
      const travel = TRAVEL_MS * slowdown;
      dots.expire(now, travel);
      let total = 0;
      for (const rate of flow.rates) total += rate;
      const per = descriptorsPerDot(total, travel, CAPACITY);
      if (now - flow.receivedAt < STALE_MS && total > 0) dots.emit(now, frameMs, flow.rates, per);
      if (dots.count === 0 && drawnEmpty) return;

      ctx.clearRect(0, 0, width, height);
      drawnEmpty = dots.count === 0;
      legCounts.fill(0);
      if (dots.count > 0) {
        const palette = usePalette.getState();
        // The rings interpolate over one snapshot interval (three in presenter mode); the ends follow them.
        const perSecond = useRingside.getState().agentState?.snapshotsPerSecond ?? 10;
        const duration = (slowdown * 1000) / Math.max(1, perSecond);
        for (let k = 0; k < flow.legs.length; k++) {
          const leg = flow.legs[k] as Leg;
          if (!placeLeg(leg, k, now, duration)) continue;
          const x0 = ends[5 * k] as number;
          const y0 = ends[5 * k + 1] as number;
          const x1 = ends[5 * k + 2] as number;
          const y1 = ends[5 * k + 3] as number;
          const lane = ends[5 * k + 4] as number;
          ctx.beginPath();
          for (let i = 0; i < dots.count; i++) {
            if (dots.legOf(i) !== k) continue;
            const t = (now - dots.bornAt(i)) / travel;
            if (t < 0) continue;
            legPoint(x0, y0, x1, y1, lane, t, point);
            ctx.rect(point.x - DOT / 2, point.y - DOT / 2, DOT, DOT);
            legCounts[k] = (legCounts[k] as number) + 1;
          }
          ctx.fillStyle = palette.owners[FRAME_OWNERS.indexOf(leg.owner)] ?? palette.text;
          ctx.fill();
        }
        ctx.fillStyle = palette.muted;
        ctx.font = '10px system-ui, sans-serif';
        ctx.textBaseline = 'middle';
        ctx.textAlign = 'left';
        ctx.fillText('kernel', 2, LANE_INSET);
        ctx.fillText('application', 2, height - LANE_INSET);
        ctx.textAlign = 'right';
        ctx.fillText(`one dot = ${per} descriptor${per === 1 ? '' : 's'}`, width - 2, height - LANE_INSET);
      }
      if (now - publishedAt >= PUBLISH_EVERY_MS || dots.count === 0) {
        publishedAt = now;
        publish(canvas, dots.count, flow.legs, legCounts);
      }
    });
    return () => {
      stop();
      unsubscribe();
      observer.disconnect();
    };
  }, [socketId]);

  return (
    <canvas
      ref={canvasRef}
      className="ring-flow"
      data-testid="ring-flow"
      role="img"
      aria-label="descriptors moving between the rings"
      style={{ position: 'absolute', zIndex: 1, pointerEvents: 'none' }}
    />
  );
}

/** What the overlay shows, for tests that cannot read pixels: dots in flight, in total and per leg. */
function publish(canvas: HTMLCanvasElement, count: number, legs: readonly Leg[], counts: Uint32Array): void {
  const particles = String(count);
  if (canvas.dataset.particles !== particles) canvas.dataset.particles = particles;
  const perLeg = legs.map((leg, k) => `${legName(leg)}:${counts[k]}`).join(' ');
  if (canvas.dataset.legs !== perLeg) canvas.dataset.legs = perLeg;
}
