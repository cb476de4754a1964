import { describe, expect, it } from 'vitest';
import { type FlowLabel, type PlacedLabel, placeFlowLabels, ringDiscs } from './flow-labels.ts';
import { ringLayout, ringReach } from './ring-canvas.ts';

/** Two 150-pixel rings 200 apart, as the rings view lays out FILL and RX in normal mode, with the overlay's margin. */
const rings = [
  { left: 2, top: 2, width: 150, height: 150 },
  { left: 202, top: 2, width: 150, height: 150 },
];
const size = { width: 354, height: 154 };
const LABELS: FlowLabel[] = [
  { text: 'kernel', edge: 'kernel', from: 'left', width: 28 },
  { text: 'application', edge: 'app', from: 'left', width: 52 },
  { text: 'one dot = 128 descriptors', edge: 'kernel', from: 'right', width: 122 },
];

/** The nearest any point of the label comes to a ring's centre, over that ring's reach. */
function clearance(label: PlacedLabel, ring: (typeof rings)[number]): number {
  const layout = ringLayout(ring.width);
  const cx = ring.left + layout.cx;
  const cy = ring.top + layout.cy;
  const dx = Math.max(label.left - cx, 0, cx - (label.left + label.width));
  const dy = Math.max(label.top - cy, 0, cy - (label.top + label.height));
  return Math.hypot(dx, dy) - ringReach(layout);
}

describe('the flow overlay’s labels', () => {
  const placed = placeFlowLabels(LABELS, size, ringDiscs(rings));

  it('places every label inside the overlay, on its edge, crossing no ring’s band or ticks', () => {
    expect(placed.map((label) => label.text)).toEqual(LABELS.map((label) => label.text));
    for (const label of placed) {
      expect(label.left).toBeGreaterThanOrEqual(0);
      expect(label.left + label.width).toBeLessThanOrEqual(size.width);
      expect([0, size.height - label.height]).toContain(label.top);
      for (const ring of rings) expect(clearance(label, ring)).toBeGreaterThan(0);
    }
  });

  it('keeps a short label in its corner and slides a long one into the gap between rings', () => {
    const [kernel, , legend] = placed;
    expect(kernel).toMatchObject({ left: 2, top: 0 });
    // Too long for the top-right corner: it lies between the two rings' centres, over the gap between them.
    expect(legend?.left).toBeGreaterThan(77);
    expect((legend?.left ?? 0) + (legend?.width ?? 0)).toBeLessThan(277);
  });

  it('leaves out a label that fits nowhere rather than draw it over a ring', () => {
    const one = [{ left: 2, top: 2, width: 150, height: 150 }];
    const placedOnOne = placeFlowLabels(LABELS, { width: 154, height: 154 }, ringDiscs(one));
    expect(placedOnOne.map((label) => label.text)).toEqual(['kernel']);
  });

  it('never lays two labels over each other', () => {
    const crowded = placeFlowLabels(
      [
        { text: 'a', edge: 'kernel', from: 'left', width: 20 },
        { text: 'b', edge: 'kernel', from: 'left', width: 20 },
      ],
      { width: 100, height: 40 },
      [],
    );
    expect(crowded.map((label) => label.left)).toEqual([2, 24]);
  });
});
