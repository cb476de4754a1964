import { ringLayout, ringReach } from './ring-canvas.ts';
import type { RingBox, Side } from './ring-flow.ts';

/**
 * Where the flow overlay writes its words ("kernel", "application", and how
 * many descriptors a dot stands for): along the top or bottom edge of the
 * overlay, clear of every ring's band and ticks. The rings' squares leave
 * room only in their corners and in the gaps between them, so each label
 * slides along its edge from its end until it fits; one that fits nowhere
 * is handed back to be written off the canvas. Pure: widths come measured.
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
export function ringClearance(box: Omit<PlacedLabel, 'text'>, disc: Disc): number {
  const dx = Math.max(box.left - disc.cx, 0, disc.cx - (box.left + box.width));
  const dy = Math.max(box.top - disc.cy, 0, disc.cy - (box.top + box.height));
  return Math.hypot(dx, dy) - disc.reach;
}

const apart = (a: PlacedLabel, b: PlacedLabel) =>
  a.left + a.width + PAD <= b.left ||
  b.left + b.width + PAD <= a.left ||
  a.top + a.height <= b.top ||
  b.top + b.height <= a.top;

/**
 * Each label at the first place from its end of its edge, one pixel at a
 * time, where it crosses no ring and no label placed before it. A label with
 * no such place is never drawn over a ring: it comes back in `spilled`, for the
 * caller to write beside the rings (the legend must be readable somewhere).
 */
export function placeFlowLabels(
  labels: readonly FlowLabel[],
  size: { width: number; height: number },
  discs: readonly Disc[],
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
      if (discs.every((disc) => ringClearance(box, disc) > 0) && placed.every((other) => apart(box, other))) {
        placed.push(box);
        break;
      }
    }
    if (placed.length === count) spilled.push(label);
  }
  return { placed, spilled };
}
