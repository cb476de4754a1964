import { describe, expect, it } from 'vitest';
import {
  arcSweep,
  DOT,
  type FlowLabel,
  flowLabelTexts,
  overlaps,
  placeFlowLabels,
  ringClearance,
  ringDiscs,
} from './flow-labels.ts';
import { bandPoint, flowGeometry, legPoint, workloadLegs } from './ring-flow.ts';

/** Two 150-pixel rings 200 apart, as the rings view lays out FILL and RX in normal mode, with the overlay's margin. */
const rings = [
  { left: 2, top: 2, width: 150, height: 150 },
  { left: 202, top: 2, width: 150, height: 150 },
];
const size = { width: 354, height: 154 };
const texts = flowLabelTexts(128);
const LABELS: FlowLabel[] = [
  { text: texts.kernel, edge: 'kernel', from: 'left', width: 28 },
  { text: texts.application, edge: 'app', from: 'left', width: 52 },
  { text: texts.legend, edge: 'kernel', from: 'right', width: 122 },
];

describe('the flow overlay’s labels', () => {
  const { placed, spilled } = placeFlowLabels(LABELS, size, ringDiscs(rings), []);

  it('places every label inside the overlay, on its edge, crossing no ring’s band or ticks', () => {
    expect(placed.map((label) => label.text)).toEqual(LABELS.map((label) => label.text));
    expect(spilled).toEqual([]);
    for (const label of placed) {
      expect(label.left).toBeGreaterThanOrEqual(0);
      expect(label.left + label.width).toBeLessThanOrEqual(size.width);
      expect([0, size.height - label.height]).toContain(label.top);
      for (const disc of ringDiscs(rings)) expect(ringClearance(label, disc)).toBeGreaterThan(0);
    }
  });

  it('keeps a short label in its corner and slides a long one into the gap between rings', () => {
    const [kernel, , legend] = placed;
    expect(kernel).toMatchObject({ left: 2, top: 0 });
    // Too long for the top-right corner: it lies between the two rings' centres, over the gap between them.
    expect(legend?.left).toBeGreaterThan(77);
    expect((legend?.left ?? 0) + (legend?.width ?? 0)).toBeLessThan(277);
  });

  it('hands back a label that fits nowhere rather than draw it over a ring', () => {
    const one = [{ left: 2, top: 2, width: 150, height: 150 }];
    const onOne = placeFlowLabels(LABELS, { width: 154, height: 154 }, ringDiscs(one), []);
    expect(onOne.placed.map((label) => label.text)).toEqual([texts.kernel]);
    expect(onOne.spilled.map((label) => label.text)).toEqual([texts.application, texts.legend]);
  });

  it('accounts for every label, the legend above all, at any ring size and spacing: on the canvas clear of the rings, or handed back', () => {
    for (const side of [60, 90, 120, 150, 180, 240]) {
      for (const gap of [0, 8, 24, 50, 120]) {
        const row = [0, 1, 2, 3].map((k) => ({ left: 2 + k * (side + gap), top: 2, width: side, height: side }));
        const box = { width: 4 + 4 * side + 3 * gap, height: side + 4 };
        const discs = ringDiscs(row);
        const result = placeFlowLabels(LABELS, box, discs, []);
        const where = `rings of ${side} px, ${gap} px apart`;
        expect([...result.placed, ...result.spilled].map((label) => label.text).sort(), where).toEqual(
          LABELS.map((label) => label.text).sort(),
        );
        for (const label of result.placed)
          for (const disc of discs) expect(ringClearance(label, disc), where).toBeGreaterThan(0);
      }
    }
  });

  it('never lays two labels over each other', () => {
    const crowded = placeFlowLabels(
      [
        { text: 'a', edge: 'kernel', from: 'left', width: 20 },
        { text: 'b', edge: 'kernel', from: 'left', width: 20 },
      ],
      { width: 100, height: 40 },
      [],
      [],
    );
    expect(crowded.placed.map((label) => label.left)).toEqual([2, 24]);
  });
});

describe('the flow overlay’s labels and the arcs between the rings', () => {
  /** FILL and RX as the rings view lays them out at 1280 px: 150-pixel squares 242 apart. */
  const squares = new Map([
    ['fill', { left: 0, top: 0, width: 150, height: 150 }],
    ['rx', { left: 242, top: 0, width: 150, height: 150 }],
  ] as const);
  const legs = workloadLegs('rxdrop');
  const geometry = flowGeometry(squares, legs);
  if (!geometry) throw new Error('no geometry for two rings');
  const arcs = legs.flatMap((leg) => arcSweep(geometry, leg) ?? []);
  const discs = ringDiscs([...squares.values()].map((ring) => ({ ...ring, left: ring.left + 2, top: ring.top + 2 })));

  it('bounds every arc a leg can draw, wherever the counters put its ends on the two bands', () => {
    const from = { x: 0, y: 0 };
    const to = { x: 0, y: 0 };
    const dot = { x: 0, y: 0 };
    legs.forEach((leg, k) => {
      const start = geometry.anchors.get(leg.from);
      const end = geometry.anchors.get(leg.to);
      if (!start || !end) throw new Error(`leg ${k} has no rings`);
      const drawn = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
      for (let a = 0; a < 36; a++) {
        for (let b = 0; b < 36; b++) {
          bandPoint(start, a, 36, from);
          bandPoint(end, b, 36, to);
          for (let t = 0; t <= 1; t += 1 / 64) {
            legPoint(from.x, from.y, to.x, to.y, geometry.lanes[leg.via], t, dot);
            drawn.left = Math.min(drawn.left, dot.x - DOT / 2);
            drawn.right = Math.max(drawn.right, dot.x + DOT / 2);
            drawn.top = Math.min(drawn.top, dot.y - DOT / 2);
            drawn.bottom = Math.max(drawn.bottom, dot.y + DOT / 2);
          }
        }
      }
      const arc = arcs[k] ?? { left: 0, top: 0, width: 0, height: 0 };
      expect(drawn.left).toBeGreaterThanOrEqual(arc.left - 1e-9);
      expect(drawn.right).toBeLessThanOrEqual(arc.left + arc.width + 1e-9);
      expect(drawn.top).toBeGreaterThanOrEqual(arc.top - 1e-9);
      expect(drawn.bottom).toBeLessThanOrEqual(arc.top + arc.height + 1e-9);
      // The bound is the arcs' own: some arc turns on the lane and some reaches each band's far side.
      expect(leg.via === 'kernel' ? drawn.top : drawn.bottom).toBeCloseTo(
        leg.via === 'kernel' ? arc.top : arc.top + arc.height,
        1,
      );
    });
  });

  it('places every label, the legend between the rings, where no arc runs and no ring draws', () => {
    const { placed, spilled } = placeFlowLabels(LABELS, geometry.box, discs, arcs);
    expect(spilled).toEqual([]);
    expect(placed.map((label) => label.text)).toEqual(LABELS.map((label) => label.text));
    for (const label of placed) for (const arc of arcs) expect(overlaps(label, arc), label.text).toBe(false);
    const legend = placed.find((label) => label.text === texts.legend);
    expect(legend?.left).toBeGreaterThan(geometry.anchors.get('fill')?.cx ?? Infinity);
    expect((legend?.left ?? 0) + (legend?.width ?? 0)).toBeLessThan(geometry.anchors.get('rx')?.cx ?? 0);
  });

  it('slides a label off an arc along its edge, and hands back one that no place on its edge keeps clear', () => {
    const size = { width: 400, height: 100 };
    const crossing = { left: 20, top: 0, width: 60, height: 40 };
    const slid = placeFlowLabels([{ text: 'a', edge: 'kernel', from: 'left', width: 50 }], size, [], [crossing]);
    expect(slid.placed[0]?.left).toBe(80);
    const covered = placeFlowLabels(LABELS, size, [], [{ left: 0, top: 0, ...size }]);
    expect(covered.placed).toEqual([]);
    expect(covered.spilled.map((label) => label.text)).toEqual(LABELS.map((label) => label.text));
  });
});
