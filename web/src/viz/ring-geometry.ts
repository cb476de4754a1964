import { type RingState, ringOccupancy } from '@ringside/shared';

/**
 * Geometry for drawing an AF_XDP ring as a circular buffer: slot 0 at twelve
 * o'clock, indices increasing clockwise. Angles are in radians on that dial.
 */

const TURN = 2 * Math.PI;

export interface Point {
  x: number;
  y: number;
}

/** An arc on the dial: where it starts and how far it runs clockwise. */
export interface Span {
  startAngle: number;
  sweep: number;
}

/**
 * The slot a free-running 32-bit counter points at. Ring sizes are powers of
 * two, so 2^32 is a multiple of the size and the slot sequence stays continuous
 * when the counter wraps from 0xffffffff to 0.
 */
export function slotIndex(counter: number, size: number): number {
  return (counter >>> 0) % size;
}

/** The angle of the boundary just before `slot`. */
export function slotAngle(slot: number, size: number): number {
  return (slot / size) * TURN;
}

export function pointAt(center: Point, radius: number, angle: number): Point {
  return { x: center.x + radius * Math.sin(angle), y: center.y - radius * Math.cos(angle) };
}

/**
 * The entries in flight, from the consumer (next to be read) up to the producer
 * (next to be written). The agent reads the two words at slightly different
 * moments, so a busy ring can appear to hold more than `size`; that is clamped
 * to a full ring rather than drawn as more than one turn.
 */
export function occupiedSpan(ring: Pick<RingState, 'producer' | 'consumer' | 'size'>): Span {
  const used = Math.min(ringOccupancy(ring), ring.size);
  return {
    startAngle: slotAngle(slotIndex(ring.consumer, ring.size), ring.size),
    sweep: (used / ring.size) * TURN,
  };
}

/** Keeps path strings short; a thousandth of a unit is far below a pixel. */
function fmt(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** An SVG path for `span` on a circle; empty for an empty span. */
export function arcPath(center: Point, radius: number, span: Span): string {
  if (span.sweep <= 0) return '';
  const start = pointAt(center, radius, span.startAngle);
  const move = `M ${fmt(start.x)} ${fmt(start.y)}`;
  const arcTo = (to: Point, large: boolean) =>
    `A ${fmt(radius)} ${fmt(radius)} 0 ${large ? 1 : 0} 1 ${fmt(to.x)} ${fmt(to.y)}`;
  if (span.sweep >= TURN) {
    // An SVG arc whose end equals its start draws nothing, so a full ring is two half turns.
    const opposite = pointAt(center, radius, span.startAngle + Math.PI);
    return `${move} ${arcTo(opposite, false)} ${arcTo(start, false)}`;
  }
  const end = pointAt(center, radius, span.startAngle + span.sweep);
  return `${move} ${arcTo(end, span.sweep > Math.PI)}`;
}

/** A radial line across the ring at `angle`, for marking a producer or consumer position. */
export function tickPath(center: Point, innerRadius: number, outerRadius: number, angle: number): string {
  const from = pointAt(center, innerRadius, angle);
  const to = pointAt(center, outerRadius, angle);
  return `M ${fmt(from.x)} ${fmt(from.y)} L ${fmt(to.x)} ${fmt(to.y)}`;
}
