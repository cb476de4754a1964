import type { RingPose } from './ring-motion.ts';

/**
 * Drawing one ring on a canvas, and finding the slot under the pointer. Slot 0
 * sits at twelve o'clock and indices grow clockwise.
 * Counters here may be fractional (interpolated), and are reduced modulo the
 * ring size as reals.
 */

export const TURN = 2 * Math.PI;
/** Canvas angles start at three o'clock; the dial starts at twelve. */
const DIAL_OFFSET = -Math.PI / 2;
/** Rings this small get a visible gap between slots; larger ones would be all gaps. */
const SLOT_GAP_MAX_SIZE = 256;

export interface RingLayout {
  cx: number;
  cy: number;
  /** Radii of the band the slots occupy. */
  inner: number;
  outer: number;
}

/** How far the producer's and consumer's ticks reach out past the band. */
const TICK_OVERHANG = 6;

/** How far from its centre a ring draws anything: the band, and the ticks past it. */
export function ringReach(layout: RingLayout): number {
  return layout.outer + TICK_OVERHANG;
}

/** A ring drawn in a square of `side` CSS pixels: the band sits inside, leaving room for the ticks. */
export function ringLayout(side: number): RingLayout {
  return { cx: side / 2, cy: side / 2, inner: side / 2 - 24, outer: side / 2 - 10 };
}

export interface RingColors {
  track: string;
  used: string;
  producer: string;
  consumer: string;
  cached: string;
  hover: string;
}

/** A counter's position on the dial, in slots from slot 0 (real, in [0, size)). */
export function dialPosition(counter: number, size: number): number {
  const position = counter % size;
  return position < 0 ? position + size : position;
}

/** The canvas angle of a ring position (a slot's start at an integer), not reduced: past 2π beyond slot 0. */
export function angleOf(position: number, size: number): number {
  return (position / size) * TURN + DIAL_OFFSET;
}

/** The slot under a point, or null when the point is off the band. */
export function slotAtPoint(layout: RingLayout, size: number, x: number, y: number): number | null {
  const dx = x - layout.cx;
  const dy = y - layout.cy;
  const r = Math.hypot(dx, dy);
  if (r < layout.inner || r > layout.outer) return null;
  // atan2 measured from twelve o'clock, clockwise.
  let angle = Math.atan2(dx, -dy);
  if (angle < 0) angle += TURN;
  return Math.min(size - 1, Math.floor((angle / TURN) * size));
}

/** The middle of a slot on the band: where the keyboard's cursor on a ring points. */
export function slotCentre(layout: RingLayout, size: number, slot: number): { x: number; y: number } {
  const angle = angleOf(slot + 0.5, size);
  const mid = (layout.inner + layout.outer) / 2;
  return { x: layout.cx + mid * Math.cos(angle), y: layout.cy + mid * Math.sin(angle) };
}

/** Entries between consumer and producer, clamped to one full ring (the two words are read at different moments). */
export function occupancy(pose: Pick<RingPose, 'producer' | 'consumer' | 'size'>): number {
  return Math.min(pose.size, Math.max(0, pose.producer - pose.consumer));
}

function tick(ctx: CanvasRenderingContext2D, layout: RingLayout, angle: number, r0: number, r1: number): void {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  ctx.moveTo(layout.cx + r0 * cos, layout.cy + r0 * sin);
  ctx.lineTo(layout.cx + r1 * cos, layout.cy + r1 * sin);
}

/**
 * Paints the ring: the empty track, the occupied arc from consumer to
 * producer, the kernel-visible producer and consumer as long ticks across the
 * band and the application's cached copies as short ticks inside it.
 */
export function paintRing(
  ctx: CanvasRenderingContext2D,
  layout: RingLayout,
  pose: RingPose,
  colors: RingColors,
  hoveredSlot: number | null,
  /** Slots highlighted from `hoveredSlot` on: all of a multi-buffer packet's. */
  hoveredSlots = 1,
): void {
  const { size } = pose;
  const mid = (layout.inner + layout.outer) / 2;
  const width = layout.outer - layout.inner;
  ctx.lineCap = 'butt';
  ctx.lineWidth = width;
  ctx.strokeStyle = colors.track;
  ctx.beginPath();
  ctx.arc(layout.cx, layout.cy, mid, 0, TURN);
  ctx.stroke();

  const used = occupancy(pose);
  if (used > 0) {
    ctx.strokeStyle = colors.used;
    const start = dialPosition(pose.consumer, size);
    if (size <= SLOT_GAP_MAX_SIZE) {
      // Whole slots, with gaps, so a small ring can be counted by eye.
      const gap = Math.min(0.2, 0.5 / size) * TURN;
      ctx.beginPath();
      const first = Math.floor(pose.consumer);
      const count = Math.floor(used + 1e-9);
      for (let k = 0; k < count; k++) {
        const slot = dialPosition(first + k, size);
        const a0 = angleOf(slot, size) + gap / 2;
        const a1 = angleOf(slot + 1, size) - gap / 2;
        ctx.moveTo(layout.cx + mid * Math.cos(a0), layout.cy + mid * Math.sin(a0));
        ctx.arc(layout.cx, layout.cy, mid, a0, a1);
      }
      ctx.stroke();
    } else {
      ctx.beginPath();
      ctx.arc(layout.cx, layout.cy, mid, angleOf(start, size), angleOf(start + used, size));
      ctx.stroke();
    }
  }

  if (hoveredSlot !== null) {
    ctx.strokeStyle = colors.hover;
    ctx.lineWidth = width + 4;
    const a0 = angleOf(hoveredSlot, size);
    const a1 = angleOf(hoveredSlot + hoveredSlots, size);
    // At 4096 slots a slot is a fraction of a pixel: keep the highlight visible.
    const minSweep = 0.02;
    const pad = Math.max(0, (minSweep - (a1 - a0)) / 2);
    ctx.beginPath();
    ctx.arc(layout.cx, layout.cy, mid, a0 - pad, a1 + pad);
    ctx.stroke();
  }

  ctx.lineCap = 'round';
  ctx.lineWidth = 2;
  ctx.strokeStyle = colors.cached;
  ctx.beginPath();
  // Unknown cached indices (an attached socket's) get no tick rather than one at a made-up place.
  for (const cached of [pose.cachedProducer, pose.cachedConsumer]) {
    if (cached !== null)
      tick(ctx, layout, angleOf(dialPosition(cached, size), size), layout.inner - 10, layout.inner - 2);
  }
  ctx.stroke();

  ctx.lineWidth = 3;
  ctx.strokeStyle = colors.consumer;
  ctx.beginPath();
  tick(ctx, layout, angleOf(dialPosition(pose.consumer, size), size), layout.inner - 3, ringReach(layout));
  ctx.stroke();
  ctx.strokeStyle = colors.producer;
  ctx.beginPath();
  tick(ctx, layout, angleOf(dialPosition(pose.producer, size), size), layout.inner - 3, ringReach(layout));
  ctx.stroke();
}
