import { describe, expect, it } from 'vitest';
import { type FlowLabel, flowLabelTexts, placeFlowLabels, ringClearance, ringDiscs } from './flow-labels.ts';

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
  const { placed, spilled } = placeFlowLabels(LABELS, size, ringDiscs(rings));

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
    const onOne = placeFlowLabels(LABELS, { width: 154, height: 154 }, ringDiscs(one));
    expect(onOne.placed.map((label) => label.text)).toEqual([texts.kernel]);
    expect(onOne.spilled.map((label) => label.text)).toEqual([texts.application, texts.legend]);
  });

  it('accounts for every label, the legend above all, at any ring size and spacing: on the canvas clear of the rings, or handed back', () => {
    for (const side of [60, 90, 120, 150, 180, 240]) {
      for (const gap of [0, 8, 24, 50, 120]) {
        const row = [0, 1, 2, 3].map((k) => ({ left: 2 + k * (side + gap), top: 2, width: side, height: side }));
        const box = { width: 4 + 4 * side + 3 * gap, height: side + 4 };
        const discs = ringDiscs(row);
        const result = placeFlowLabels(LABELS, box, discs);
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
    );
    expect(crowded.placed.map((label) => label.left)).toEqual([2, 24]);
  });
});
