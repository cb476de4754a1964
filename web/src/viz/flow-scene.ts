import { RING_KINDS, type RingKind, type SocketSample } from '@ringside/shared';
import {
  bandPoint,
  descriptorsPerDot,
  type FlowGeometry,
  FlowParticles,
  type Leg,
  legPoint,
  legRates,
} from './ring-flow.ts';
import { RingMotion } from './ring-motion.ts';

/**
 * Dots in flight per socket. Under rxdrop at 20k pps (two legs of 20k
 * descriptors a second) and 700 ms of travel a dot stands for 128
 * descriptors. At the cap, placing and filling the dots measured about
 * 0.2 ms of script a frame in headless Chromium without a GPU, and the
 * overlay's canvas about 0.4 ms more of commit; more dots would not read
 * any better.
 */
const FLOW_CAPACITY = 240;
const TRAVEL_MS = 700;
/** Without a reading for this long the rates are stale (agent gone, page hidden): no new dots. */
const STALE_MS = 1000;
/** A frame after a long pause (a hidden tab) emits no more than this much time's worth of dots. */
const MAX_FRAME_MS = 100;

const NO_LEGS: readonly Leg[] = [];

/** How a frame is paced: the presenter's slowdown, and how long the rings take to sweep to a new reading. */
export interface FlowPace {
  slowdown: number;
  ringSweepMs: number;
}

/**
 * The descriptors travelling over one socket's rings, frame by frame: the
 * readings set each leg's rate, the rates emit dots, and each frame places
 * the dots on their legs between where the rings' counters stand at that
 * moment. Pure: no DOM, no clock (every call is told the time). After
 * `step`, the first `placed` entries of `xs`, `ys` and `legOf` are the dots
 * to draw; nothing is allocated per frame.
 */
export class FlowScene {
  readonly dots = new FlowParticles(FLOW_CAPACITY);
  readonly xs = new Float64Array(FLOW_CAPACITY);
  readonly ys = new Float64Array(FLOW_CAPACITY);
  readonly legOf = new Uint8Array(FLOW_CAPACITY);
  /** Dots placed on each leg in the last step. */
  readonly legCounts = new Uint32Array(4);
  placed = 0;
  /** Descriptors one dot stands for, in the last step. */
  perDot = 1;
  #legs: readonly Leg[] = NO_LEGS;
  #rates: number[] = [];
  #geometry: FlowGeometry | null = null;
  readonly #motions = new Map<RingKind, RingMotion>(RING_KINDS.map((kind) => [kind, new RingMotion()]));
  #last: SocketSample | null = null;
  #readings = 0;
  #sampledAt = 0;
  #receivedAt = Number.NEGATIVE_INFINITY;
  #lastFrame: number | null = null;
  /** Per leg: where its dots leave, where they arrive, and the lane between. */
  readonly #ends = new Float64Array(5 * 4);
  readonly #point = { x: 0, y: 0 };

  get legs(): readonly Leg[] {
    return this.#legs;
  }

  /** A new workload (told apart by the list's identity) starts with no dots and no rates. */
  setLegs(legs: readonly Leg[]): void {
    if (legs === this.#legs) return;
    this.#legs = legs;
    this.#rates = legs.map(() => 0);
    this.dots.clear();
  }

  setGeometry(geometry: FlowGeometry | null): void {
    this.#geometry = geometry;
  }

  /** A reading of the socket, taken by the agent at `sampledAt` and received at `now`; the same sample again is no news. */
  push(sample: SocketSample, sampledAt: number, now: number): void {
    if (sample === this.#last) return;
    for (const kind of RING_KINDS) {
      const ring = sample.rings[kind];
      if (ring) this.#motions.get(kind)?.push(ring, now);
    }
    if (this.#last)
      this.#rates = legRates(this.#legs, this.#last.rings, sample.rings, (sampledAt - this.#sampledAt) / 1000);
    this.#last = sample;
    this.#readings++;
    this.#sampledAt = sampledAt;
    this.#receivedAt = now;
  }

  /** How many readings were pushed: a still scene changes only when this does (or goes stale). */
  get readings(): number {
    return this.#readings;
  }

  /** Whether the last reading is recent enough to draw flow from. */
  live(now: number): boolean {
    return now - this.#receivedAt < STALE_MS;
  }

  /**
   * The scene for a reader who asked for less motion: no dot travels; each
   * leg shows, evenly spaced and at rest, as many dots as would be in flight
   * on it at the same rates, between where the rings' counters stand now.
   */
  rest(now: number, slowdown: number): void {
    const travel = TRAVEL_MS * slowdown;
    this.dots.clear();
    this.#lastFrame = now;
    let total = 0;
    for (const rate of this.#rates) total += rate;
    this.perDot = descriptorsPerDot(total, travel, FLOW_CAPACITY);
    this.placed = 0;
    this.legCounts.fill(0);
    if (!this.live(now)) return;
    for (let k = 0; k < this.#legs.length; k++) {
      const n = Math.round(((this.#rates[k] ?? 0) * travel) / 1000 / this.perDot);
      if (n === 0 || !this.#placeLeg(k, now, 0)) continue;
      for (let i = 0; i < n && this.placed < FLOW_CAPACITY; i++) this.#put(k, (i + 0.5) / n);
    }
  }

  /** Moves the scene to `now`: dots that arrived leave, the ones owed are born, and every dot is placed. */
  step(now: number, pace: FlowPace): void {
    const frameMs = Math.min(MAX_FRAME_MS, now - (this.#lastFrame ?? now));
    this.#lastFrame = now;
    const travel = TRAVEL_MS * pace.slowdown;
    const dots = this.dots;
    dots.expire(now, travel);
    let total = 0;
    for (const rate of this.#rates) total += rate;
    this.perDot = descriptorsPerDot(total, travel, FLOW_CAPACITY);
    if (now - this.#receivedAt < STALE_MS && total > 0) dots.emit(now, frameMs, this.#rates, this.perDot);
    this.placed = 0;
    this.legCounts.fill(0);
    if (dots.count === 0) return;
    for (let k = 0; k < this.#legs.length; k++) {
      if (!this.#placeLeg(k, now, pace.ringSweepMs)) continue;
      for (let i = 0; i < dots.count; i++) {
        if (dots.legOf(i) !== k) continue;
        const t = (now - dots.bornAt(i)) / travel;
        if (t >= 0) this.#put(k, t);
      }
    }
  }

  /** Places the next dot at fraction `t` of leg k, whose ends #placeLeg wrote. */
  #put(k: number, t: number): void {
    const ends = this.#ends;
    const base = 5 * k;
    legPoint(
      ends[base] as number,
      ends[base + 1] as number,
      ends[base + 2] as number,
      ends[base + 3] as number,
      ends[base + 4] as number,
      t,
      this.#point,
    );
    this.xs[this.placed] = this.#point.x;
    this.ys[this.placed] = this.#point.y;
    this.legOf[this.placed] = k;
    this.placed++;
    this.legCounts[k] = (this.legCounts[k] as number) + 1;
  }

  /**
   * Writes leg k's ends, where the rings' counters stand at `now`; false when
   * either ring is not on the overlay (a socket sharing another's FILL).
   */
  #placeLeg(k: number, now: number, sweepMs: number): boolean {
    const leg = this.#legs[k] as Leg;
    const from = this.#geometry?.anchors.get(leg.from);
    const to = this.#geometry?.anchors.get(leg.to);
    const start = this.#motions.get(leg.from)?.at(now, sweepMs);
    if (!this.#geometry || !from || !to || !start) return false;
    const ends = this.#ends;
    bandPoint(from, start.consumer, start.size, this.#point);
    ends[5 * k] = this.#point.x;
    ends[5 * k + 1] = this.#point.y;
    const end = this.#motions.get(leg.to)?.at(now, sweepMs);
    if (!end) return false;
    bandPoint(to, end.producer, end.size, this.#point);
    ends[5 * k + 2] = this.#point.x;
    ends[5 * k + 3] = this.#point.y;
    ends[5 * k + 4] = this.#geometry.lanes[leg.via];
    return true;
  }
}
