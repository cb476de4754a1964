import { describe, expect, it } from 'vitest';
import { dialPosition, occupancy, slotAtPoint, slotCentre } from './ring-canvas.ts';

const layout = { cx: 100, cy: 100, inner: 60, outer: 80 };

describe('the slot under the pointer', () => {
  it('finds slot 0 at twelve o’clock and counts clockwise', () => {
    expect(slotAtPoint(layout, 8, 101, 30)).toBe(0);
    expect(slotAtPoint(layout, 8, 170, 101)).toBe(2);
    expect(slotAtPoint(layout, 8, 100, 170)).toBe(4);
    expect(slotAtPoint(layout, 8, 30, 99)).toBe(6);
  });

  it('is null off the band', () => {
    expect(slotAtPoint(layout, 8, 100, 100)).toBeNull();
    expect(slotAtPoint(layout, 8, 100, 5)).toBeNull();
  });

  it('resolves every slot of a 4096-slot ring', () => {
    const size = 4096;
    for (const slot of [0, 1, 1000, 2048, 4095]) {
      const angle = ((slot + 0.5) / size) * 2 * Math.PI;
      const x = layout.cx + 70 * Math.sin(angle);
      const y = layout.cy - 70 * Math.cos(angle);
      expect(slotAtPoint(layout, size, x, y)).toBe(slot);
    }
  });

  it('is the slot whose middle the keyboard points at', () => {
    for (const slot of [0, 3, 7]) {
      const { x, y } = slotCentre(layout, 8, slot);
      expect(slotAtPoint(layout, 8, x, y)).toBe(slot);
    }
  });
});

describe('occupied slots', () => {
  it('runs from the consumer up to, not including, the producer', () => {
    const pose = { size: 8, consumer: 6, producer: 9 };
    expect(occupancy(pose)).toBe(3);
  });

  it('never shows more than a full ring, nor less than an empty one', () => {
    expect(occupancy({ size: 8, consumer: 0, producer: 12 })).toBe(8);
    expect(occupancy({ size: 8, consumer: 5, producer: 4 })).toBe(0);
  });

  it('places fractional (interpolated) counters on the dial modulo the size', () => {
    expect(dialPosition(9.5, 8)).toBe(1.5);
    expect(dialPosition(2 ** 32 + 3, 4096)).toBe(3);
  });
});
