import type { FrameOwner, RingKind, RingState, Workload } from '@ringside/shared';
import { ringLayout } from './ring-canvas.ts';

/**
 * Descriptors travelling between a socket's rings, as dots on one canvas. A
 * descriptor leaves a ring at its consumer (whoever reads the ring took it)
 * and enters the next at its producer, passing through the kernel (above the
 * rings) or the application (below them). Which hand-overs exist is the
 * workload's; how many dots each carries follows how far the destination
 * ring's producer moved between two snapshots. Pure: no DOM, no clock.
 */

export type Side = 'kernel' | 'app';

/** One hand-over: out of `from` at its consumer, through `via`, into `to` at its producer. */
export interface Leg {
  from: RingKind;
  via: Side;
  to: RingKind;
  /** Who owns the frame on the way, as the UMEM map colours it. */
  owner: FrameOwner;
}

const RECEIVE: Leg = { from: 'fill', via: 'kernel', to: 'rx', owner: 'kernel-rx' };
const TRANSMIT: Leg = { from: 'tx', via: 'kernel', to: 'completion', owner: 'kernel-tx' };

/**
 * The kernel's two hand-overs are fixed by AF_XDP; the application's depend on
 * what it does with a frame: rxdrop gives it straight back to FILL, txonly
 * reuses completed frames for TX, l2fwd sends what it received and refills
 * FILL from COMPLETION. The same list object per workload, so a caller can
 * tell a change of workload by identity.
 */
const WORKLOAD_LEGS: Record<Workload, readonly Leg[]> = {
  rxdrop: [RECEIVE, { from: 'rx', via: 'app', to: 'fill', owner: 'app' }],
  txonly: [TRANSMIT, { from: 'completion', via: 'app', to: 'tx', owner: 'app' }],
  l2fwd: [
    RECEIVE,
    { from: 'rx', via: 'app', to: 'tx', owner: 'app' },
    TRANSMIT,
    { from: 'completion', via: 'app', to: 'fill', owner: 'app' },
  ],
};

export function workloadLegs(workload: Workload): readonly Leg[] {
  return WORKLOAD_LEGS[workload];
}

export function legName(leg: Leg): string {
  return `${leg.from}-${leg.via}-${leg.to}`;
}

/** A producer step beyond this many turns of the ring is a new socket, not traffic. */
const MAX_STEP_TURNS = 8;

/**
 * Descriptors per second through each leg between two readings: how far the
 * destination ring's producer moved (modulo 2^32, as the counters wrap), over
 * the time between them. A missing ring or a restart counts as no movement;
 * so does a leg whose source ring this socket lacks (a socket sharing another
 * socket's FILL and COMPLETION draws only the legs it has).
 */
export function legRates(
  legs: readonly Leg[],
  before: Partial<Record<RingKind, RingState | null>>,
  after: Partial<Record<RingKind, RingState | null>>,
  seconds: number,
): number[] {
  return legs.map((leg) => {
    const a = before[leg.to];
    const b = after[leg.to];
    if (!a || !b || !after[leg.from] || a.size !== b.size || seconds <= 0) return 0;
    const step = (b.producer - a.producer) >>> 0;
    return step > MAX_STEP_TURNS * b.size ? 0 : step / seconds;
  });
}

/**
 * How many descriptors one dot stands for: the smallest power of two that
 * keeps the dots in flight (rate × travel time) under `capacity`. A power of
 * two so the legend reads plainly and the density changes in clear steps.
 */
export function descriptorsPerDot(totalRate: number, travelMs: number, capacity: number): number {
  const inFlight = (totalRate * travelMs) / 1000;
  let per = 1;
  while (inFlight / per > capacity) per *= 2;
  return per;
}

/**
 * The dots in flight, in fixed typed arrays so a frame allocates nothing.
 * Every dot travels for the same time, so they expire in the order they were
 * born: a ring buffer, oldest at `#head`.
 */
export class FlowParticles {
  readonly capacity: number;
  readonly #born: Float64Array;
  readonly #leg: Uint8Array;
  #head = 0;
  #count = 0;
  /** Fractional dots owed per leg, carried between frames so slow legs still emit. */
  #credit: Float64Array;

  constructor(capacity: number, legs = 8) {
    this.capacity = capacity;
    this.#born = new Float64Array(capacity);
    this.#leg = new Uint8Array(capacity);
    this.#credit = new Float64Array(legs);
  }

  get count(): number {
    return this.#count;
  }

  /** Leg index and birth time of the i-th dot, oldest first. */
  legOf(i: number): number {
    return this.#leg[(this.#head + i) % this.capacity] as number;
  }

  bornAt(i: number): number {
    return this.#born[(this.#head + i) % this.capacity] as number;
  }

  /** Drops the dots that have arrived by `now`. */
  expire(now: number, travelMs: number): void {
    while (this.#count > 0 && now - (this.#born[this.#head] as number) >= travelMs) {
      this.#head = (this.#head + 1) % this.capacity;
      this.#count--;
    }
  }

  /**
   * Emits the dots owed for the `ms` before `now`: `rates[k]` descriptors per
   * second on leg k, `per` descriptors to a dot. Births are spread over the
   * interval so a burst of dots reads as a stream, not a clump. When full, the
   * oldest-first order is kept and new dots wait: the count never exceeds the
   * capacity.
   */
  emit(now: number, ms: number, rates: readonly number[], per: number): void {
    for (let k = 0; k < rates.length && k < this.#credit.length; k++) {
      let owed = (this.#credit[k] as number) + ((rates[k] as number) * ms) / 1000 / per;
      const whole = Math.floor(owed);
      for (let j = 0; j < whole && this.#count < this.capacity; j++) {
        const slot = (this.#head + this.#count) % this.capacity;
        this.#born[slot] = now - ms + ((j + 0.5) * ms) / whole;
        this.#leg[slot] = k;
        this.#count++;
      }
      owed -= whole;
      this.#credit[k] = owed;
    }
  }

  /** Forgets every dot and every owed fraction (a new workload, a new socket). */
  clear(): void {
    this.#head = 0;
    this.#count = 0;
    this.#credit.fill(0);
  }
}

/** Where a ring sits on the overlay: its centre and the radius of the middle of its band. */
export interface RingAnchor {
  cx: number;
  cy: number;
  radius: number;
}

/** A ring's square as measured on the page, in the coordinates of whatever holds the overlay. */
export interface RingBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Whether two measurements put every ring's square in the same place: a re-measure that moved nothing. */
export function sameBoxes(a: ReadonlyMap<RingKind, RingBox>, b: ReadonlyMap<RingKind, RingBox>): boolean {
  if (a.size !== b.size) return false;
  for (const [kind, box] of a) {
    const other = b.get(kind);
    if (
      !other ||
      other.left !== box.left ||
      other.top !== box.top ||
      other.width !== box.width ||
      other.height !== box.height
    )
      return false;
  }
  return true;
}

/** The overlay's place among the rings, and the rings' and lanes' places on it. */
export interface FlowGeometry {
  /** Where the overlay sits, in the coordinates the rings' squares were measured in. */
  box: RingBox;
  /** The rings the legs join, in the overlay's own coordinates. */
  anchors: ReadonlyMap<RingKind, RingAnchor>;
  /** The height of each side's lane on the overlay. */
  lanes: Record<Side, number>;
}

/**
 * The overlay reaches this far beyond the rings' squares. The kernel's lane
 * runs along the top of the squares and the application's along the bottom,
 * clear of the captions and readings around the squares. The labels go along
 * the same edges, where the rings leave them room (flow-labels.ts): their
 * 12-pixel line lies between the edge and the lane, and a dot turning at the
 * lane reaches 1.5 pixels past it, so no dot runs over a word.
 */
const LANE_MARGIN = 2;
const LANE_INSET = 15;

/**
 * The overlay spans only the rings the legs join (all the rings shown, before
 * a workload is known): every pixel of it is composited in software each
 * frame a dot moves. Null when none of those rings is on the page.
 */
export function flowGeometry(rings: ReadonlyMap<RingKind, RingBox>, legs: readonly Leg[]): FlowGeometry | null {
  const used = new Set(legs.flatMap((leg) => [leg.from, leg.to]));
  const shown = [...rings].filter(([kind]) => used.size === 0 || used.has(kind));
  if (shown.length === 0) return null;
  const left = Math.min(...shown.map(([, ring]) => ring.left)) - LANE_MARGIN;
  const top = Math.min(...shown.map(([, ring]) => ring.top)) - LANE_MARGIN;
  const width = Math.max(...shown.map(([, ring]) => ring.left + ring.width)) + LANE_MARGIN - left;
  const height = Math.max(...shown.map(([, ring]) => ring.top + ring.height)) + LANE_MARGIN - top;
  const anchors = new Map<RingKind, RingAnchor>();
  for (const [kind, ring] of shown) {
    const layout = ringLayout(ring.width);
    anchors.set(kind, {
      cx: ring.left - left + layout.cx,
      cy: ring.top - top + layout.cy,
      radius: (layout.inner + layout.outer) / 2,
    });
  }
  return { box: { left, top, width, height }, anchors, lanes: { kernel: LANE_INSET, app: height - LANE_INSET } };
}

/** The point on a ring's band at a (real) counter, slot 0 at twelve o'clock, clockwise. */
export function bandPoint(anchor: RingAnchor, counter: number, size: number, out: { x: number; y: number }): void {
  const turns = (((counter % size) + size) % size) / size;
  const angle = turns * 2 * Math.PI;
  out.x = anchor.cx + anchor.radius * Math.sin(angle);
  out.y = anchor.cy - anchor.radius * Math.cos(angle);
}

/**
 * A dot's position at fraction `t` of its leg: a quadratic curve from where
 * it left (x0, y0) to where it arrives (x1, y1), moving evenly across, bent
 * so that it turns at `laneY` (the kernel's lane above the rings, the
 * application's below) and never runs past it: the overlay's labels lie
 * beyond the lanes. Written into `out`: no allocation per dot.
 */
export function legPoint(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  laneY: number,
  t: number,
  out: { x: number; y: number },
): void {
  // A quadratic's extreme height is (y0·y1 − C²) / (y0 + y1 − 2C): it equals the lane for this C, which is
  // 2·lane − y0 when both ends are level (halfway, on the lane). An end beyond the lane bends nothing.
  const cx = (x0 + x1) / 2;
  const bend = Math.sqrt(Math.max(0, (y0 - laneY) * (y1 - laneY)));
  const cy = y0 + y1 > 2 * laneY ? laneY - bend : laneY + bend;
  const u = 1 - t;
  out.x = u * u * x0 + 2 * u * t * cx + t * t * x1;
  out.y = u * u * y0 + 2 * u * t * cy + t * t * y1;
}
