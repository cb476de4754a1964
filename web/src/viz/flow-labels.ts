import { ringLayout, ringReach } from './ring-canvas.ts';
import type { FlowGeometry, Leg, RingBox, Side } from './ring-flow.ts';

/**
 * Where the flow overlay writes its words ("kernel", "application", and how
 * many descriptors a dot stands for): along the top or bottom edge of the
 * overlay, clear of every ring's band and ticks and of every arc the dots
 * travel on. The rings' squares leave room only in their corners and in the
 * gaps between them, so each label slides along its edge from its end until
 * it fits; one that fits nowhere is handed back to be written off the
 * canvas. Pure: widths come measured.
 */

export interface FlowLabel {
  text: string;
  /** The kernel's lane runs along the top, the application's along the bottom. */
  edge: Side;
  /** Which end of the edge the label starts from. */
  from: 'left' | 'right';
  width: number;
}

export interface PlacedLabel {
  text: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A rectangle in the overlay's coordinates. */
export type Box = Omit<PlacedLabel, 'text'>;

/** The overlay's words: the two lanes' names, and the legend without which the dots cannot be read. */
export function flowLabelTexts(perDot: number): { kernel: string; application: string; legend: string } {
  return {
    kernel: 'kernel',
    application: 'application',
    legend: `one dot = ${perDot} descriptor${perDot === 1 ? '' : 's'}`,
  };
}

/** A line of the overlay's 10 px text, with room for descenders. */
export const LABEL_HEIGHT = 12;
/** Between a label and the overlay's edge, and between two labels. */
const PAD = 2;

/** Where a ring draws, in the overlay's coordinates: no label may come nearer its centre than `reach`. */
export interface Disc {
  cx: number;
  cy: number;
  reach: number;
}

/** Every ring's reach, for squares measured in the overlay's coordinates. */
export function ringDiscs(rings: Iterable<RingBox>): Disc[] {
  return [...rings].map((ring) => {
    const layout = ringLayout(ring.width);
    return { cx: ring.left + layout.cx, cy: ring.top + layout.cy, reach: ringReach(layout) };
  });
}

/** How far the nearest point of a label's box lies beyond a ring's reach: above 0 it crosses nothing of the ring. */
export function ringClearance(box: Box, disc: Disc): number {
  const dx = Math.max(box.left - disc.cx, 0, disc.cx - (box.left + box.width));
  const dy = Math.max(box.top - disc.cy, 0, disc.cy - (box.top + box.height));
  return Math.hypot(dx, dy) - disc.reach;
}

/** The side of the square the overlay draws a descriptor as. */
export const DOT = 3;

/**
 * The box every arc of a leg stays within, wherever the rings' counters put
 * its ends on the two bands: legPoint moves evenly across from one end to
 * the other and turns at its lane without passing it, so the arc spans the
 * bands' width and runs from the lane to the farthest band, with half a dot
 * around it. Null for a leg whose rings are not on the overlay.
 */
export function arcSweep(geometry: FlowGeometry, leg: Leg): Box | null {
  const from = geometry.anchors.get(leg.from);
  const to = geometry.anchors.get(leg.to);
  if (!from || !to) return null;
  const lane = geometry.lanes[leg.via];
  const ends = [from, to];
  const left = Math.min(...ends.map((end) => end.cx - end.radius)) - DOT / 2;
  const right = Math.max(...ends.map((end) => end.cx + end.radius)) + DOT / 2;
  const top = Math.min(lane, ...ends.map((end) => end.cy - end.radius)) - DOT / 2;
  const bottom = Math.max(lane, ...ends.map((end) => end.cy + end.radius)) + DOT / 2;
  return { left, top, width: right - left, height: bottom - top };
}

/** Whether two boxes share any area, or come nearer than `pad` side by side. */
export function overlaps(a: Box, b: Box, pad = 0): boolean {
  return (
    a.left < b.left + b.width + pad &&
    b.left < a.left + a.width + pad &&
    a.top < b.top + b.height &&
    b.top < a.top + a.height
  );
}

/**
 * Each label at the first place from its end of its edge, one pixel at a
 * time, where it crosses no ring, no arc (arcSweep) and no label placed
 * before it. A label with no such place is never drawn over a ring or an arc:
 * it comes back in `spilled`, for the caller to write beside the rings (the
 * legend must be readable somewhere).
 */
export function placeFlowLabels(
  labels: readonly FlowLabel[],
  size: { width: number; height: number },
  discs: readonly Disc[],
  arcs: readonly Box[],
): { placed: PlacedLabel[]; spilled: FlowLabel[] } {
  const placed: PlacedLabel[] = [];
  const spilled: FlowLabel[] = [];
  for (const label of labels) {
    const count = placed.length;
    const top = label.edge === 'kernel' ? 0 : size.height - LABEL_HEIGHT;
    const last = Math.floor(size.width - PAD - label.width);
    for (let step = 0; PAD + step <= last; step++) {
      const left = label.from === 'left' ? PAD + step : last - step;
      const box = { text: label.text, left, top, width: label.width, height: LABEL_HEIGHT };
      if (
        discs.every((disc) => ringClearance(box, disc) > 0) &&
        arcs.every((arc) => !overlaps(box, arc)) &&
        placed.every((other) => !overlaps(box, other, PAD))
      ) {
        placed.push(box);
        break;
      }
    }
    if (placed.length === count) spilled.push(label);
  }
  return { placed, spilled };
}
