import { ringOccupancy } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { arcPath, occupiedSpan, pointAt, slotAngle, slotIndex, tickPath } from './ring-geometry.ts';

const TURN = 2 * Math.PI;
const center = { x: 60, y: 60 };

/** Angles equal modulo a full turn, within float error. */
function expectSameAngle(actual: number, expected: number): void {
  const diff = (((actual - expected) % TURN) + TURN) % TURN;
  expect(Math.min(diff, TURN - diff)).toBeCloseTo(0, 9);
}

/** The numbers of an SVG path, in order. */
function numbers(path: string): number[] {
  return path
    .split(/[ A-Z]+/)
    .filter(Boolean)
    .map(Number);
}

describe('slots on the dial', () => {
  it('puts slot 0 at twelve o’clock and runs clockwise', () => {
    expect(slotAngle(0, 8)).toBe(0);
    expect(slotAngle(2, 8)).toBeCloseTo(Math.PI / 2);
    const top = pointAt(center, 10, slotAngle(0, 8));
    const right = pointAt(center, 10, slotAngle(2, 8));
    expect(top.x).toBeCloseTo(60);
    expect(top.y).toBeCloseTo(50);
    expect(right.x).toBeCloseTo(70);
    expect(right.y).toBeCloseTo(60);
  });

  it('keeps slots continuous when a 32-bit counter wraps', () => {
    expect(slotIndex(0xffff_fffe, 8)).toBe(6);
    expect(slotIndex(0xffff_ffff, 8)).toBe(7);
    expect(slotIndex((0xffff_ffff + 1) >>> 0, 8)).toBe(0);
    expect(slotIndex(0xffff_ffff, 4096)).toBe(4095);
  });
});

describe('occupied span', () => {
  it('runs from the consumer to the producer', () => {
    const span = occupiedSpan({ size: 8, consumer: 2, producer: 5 });
    expect(span.startAngle).toBeCloseTo(slotAngle(2, 8));
    expect(span.sweep).toBeCloseTo((3 / 8) * TURN);
  });

  it('follows the producer across the 32-bit wrap', () => {
    const ring = { size: 8, consumer: 0xffff_fffe, producer: 5 };
    expect(ringOccupancy(ring)).toBe(7);
    const span = occupiedSpan(ring);
    expect(span.startAngle).toBeCloseTo(slotAngle(6, 8));
    expect(span.sweep).toBeCloseTo((7 / 8) * TURN);
    expectSameAngle(span.startAngle + span.sweep, slotAngle(slotIndex(ring.producer, 8), 8));
  });

  it('ends at the producer for any counters near the wrap', () => {
    const size = 2048;
    for (const consumer of [0, 1, 2047, 0xffff_f800, 0xffff_ffff]) {
      for (const used of [0, 1, 1000, 2047, 2048]) {
        const ring = { size, consumer, producer: (consumer + used) >>> 0 };
        const span = occupiedSpan(ring);
        expect(span.sweep).toBeCloseTo((used / size) * TURN);
        expectSameAngle(span.startAngle + span.sweep, slotAngle(slotIndex(ring.producer, size), size));
      }
    }
  });

  it('draws a ring that reads as over-full as exactly full', () => {
    expect(occupiedSpan({ size: 8, consumer: 0xffff_fffc, producer: 20 }).sweep).toBeCloseTo(TURN);
  });
});

describe('arc paths', () => {
  it('draws nothing for an empty ring', () => {
    expect(arcPath(center, 40, occupiedSpan({ size: 8, consumer: 0xffff_ffff, producer: 0xffff_ffff }))).toBe('');
  });

  it('draws a short arc from the consumer to the producer', () => {
    const span = occupiedSpan({ size: 8, consumer: 0xffff_ffff, producer: 1 });
    expect(arcPath(center, 40, span)).toBe('M 31.716 31.716 A 40 40 0 0 1 88.284 31.716');
  });

  it('sets the large-arc flag past half a turn', () => {
    const [, , , , , large] = numbers(arcPath(center, 40, occupiedSpan({ size: 8, consumer: 0, producer: 5 })));
    expect(large).toBe(1);
    const [, , , , , small] = numbers(arcPath(center, 40, occupiedSpan({ size: 8, consumer: 0, producer: 4 })));
    expect(small).toBe(0);
  });

  it('draws a full ring as two half turns back to the start', () => {
    const path = arcPath(center, 40, occupiedSpan({ size: 8, consumer: 0xffff_fffc, producer: 4 }));
    const values = numbers(path);
    expect(path.match(/A/g)).toHaveLength(2);
    const start = values.slice(0, 2);
    expect(values.slice(-2)).toEqual(start);
    expect(values.slice(7, 9)).toEqual([2 * 60 - (start[0] ?? 0), 2 * 60 - (start[1] ?? 0)]);
  });

  it('draws a tick as a radial line', () => {
    expect(tickPath(center, 30, 50, Math.PI / 2)).toBe('M 90 60 L 110 60');
  });
});
