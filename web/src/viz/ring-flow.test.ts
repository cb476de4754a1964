import type { RingState } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import {
  bandPoint,
  descriptorsPerDot,
  FlowParticles,
  flowGeometry,
  legName,
  legPoint,
  legRates,
  sameBoxes,
  workloadLegs,
} from './ring-flow.ts';

const ring = (producer: number, size = 4096): RingState => ({
  size,
  producer,
  consumer: 0,
  cachedProducer: 0,
  cachedConsumer: 0,
  needWakeup: false,
});

describe('the paths descriptors take', () => {
  it('rxdrop: FILL through the kernel to RX, then through the application back to FILL', () => {
    expect(workloadLegs('rxdrop').map(legName)).toEqual(['fill-kernel-rx', 'rx-app-fill']);
  });

  it('txonly: the application to TX, through the kernel to COMPLETION, and back to the application', () => {
    expect(workloadLegs('txonly').map(legName)).toEqual(['tx-kernel-completion', 'completion-app-tx']);
  });

  it('l2fwd: a loop through all four rings', () => {
    expect(workloadLegs('l2fwd').map(legName)).toEqual([
      'fill-kernel-rx',
      'rx-app-tx',
      'tx-kernel-completion',
      'completion-app-fill',
    ]);
  });
});

describe('the rate of each leg', () => {
  const legs = workloadLegs('rxdrop');

  it('is how far the destination ring’s producer moved per second', () => {
    const rates = legRates(legs, { rx: ring(1000), fill: ring(5000) }, { rx: ring(3000), fill: ring(6000) }, 0.1);
    expect(rates).toEqual([20_000, 10_000]);
  });

  it('steps forward across the 32-bit wrap of a counter', () => {
    const rates = legRates(legs, { rx: ring(0xffff_fff0), fill: ring(0) }, { rx: ring(0x10), fill: ring(0) }, 1);
    expect(rates).toEqual([0x20, 0]);
  });

  it('is zero for a stopped ring, a missing ring, or a socket rebuilt with new counters', () => {
    const fill = ring(0);
    expect(legRates(legs, { rx: ring(7), fill }, { rx: ring(7), fill }, 0.1)).toEqual([0, 0]);
    expect(legRates(legs, { rx: ring(7), fill }, { rx: ring(7), fill: null }, 0.1)).toEqual([0, 0]);
    expect(legRates(legs, { rx: ring(0), fill }, { rx: ring(100_000_000), fill }, 0.1)).toEqual([0, 0]);
    expect(legRates(legs, { rx: ring(0, 2048), fill }, { rx: ring(10, 4096), fill }, 0.1)).toEqual([0, 0]);
  });

  it('is zero for a leg whose source ring the socket does not have', () => {
    expect(legRates(legs, { rx: ring(0), fill: null }, { rx: ring(100), fill: null }, 1)).toEqual([0, 0]);
  });
});

describe('dots for descriptors', () => {
  it('one dot per descriptor while that fits, then the smallest power of two that keeps them under the cap', () => {
    expect(descriptorsPerDot(100, 700, 200)).toBe(1);
    expect(descriptorsPerDot(20_000, 700, 200)).toBe(128);
    expect((20_000 * 0.7) / descriptorsPerDot(20_000, 700, 200)).toBeLessThanOrEqual(200);
    expect(descriptorsPerDot(0, 700, 200)).toBe(1);
  });

  it('emits in proportion to each leg’s rate and spreads births over the interval', () => {
    const dots = new FlowParticles(100);
    dots.emit(1000, 100, [100, 50], 1);
    expect(dots.count).toBe(15);
    const legs = Array.from({ length: dots.count }, (_, i) => dots.legOf(i));
    expect(legs.filter((k) => k === 0)).toHaveLength(10);
    const births = Array.from({ length: 10 }, (_, i) => dots.bornAt(i));
    expect(Math.min(...births)).toBeGreaterThan(900);
    expect(Math.max(...births)).toBeLessThan(1000);
    expect(new Set(births).size).toBe(10);
  });

  it('carries fractions between frames, so a slow leg still emits', () => {
    const dots = new FlowParticles(10);
    for (let frame = 1; frame <= 60; frame++) dots.emit(frame * 16, 16, [2], 1);
    expect(dots.count).toBe(1);
  });

  it('never holds more than its capacity', () => {
    const dots = new FlowParticles(8);
    dots.emit(100, 100, [1000], 1);
    expect(dots.count).toBe(8);
  });

  it('lets dots arrive after the travel time and emits none once traffic stops', () => {
    const dots = new FlowParticles(100);
    dots.emit(100, 100, [100], 1);
    dots.expire(150, 700);
    expect(dots.count).toBe(10);
    dots.emit(200, 100, [0], 1);
    dots.expire(900, 700);
    expect(dots.count).toBe(0);
  });
});

describe('where a dot is', () => {
  const out = { x: 0, y: 0 };

  it('starts at a ring’s counter on its band, slot 0 at twelve o’clock, clockwise', () => {
    const anchor = { cx: 100, cy: 100, radius: 50 };
    bandPoint(anchor, 0, 8, out);
    expect(out.x).toBeCloseTo(100);
    expect(out.y).toBeCloseTo(50);
    bandPoint(anchor, 2 + 8 * 1000, 8, out);
    expect(out.x).toBeCloseTo(150);
    expect(out.y).toBeCloseTo(100);
  });

  it('goes from one ring to the next through its lane at the halfway point', () => {
    legPoint(0, 100, 200, 100, 20, 0, out);
    expect(out).toEqual({ x: 0, y: 100 });
    legPoint(0, 100, 200, 100, 20, 0.5, out);
    expect(out.x).toBeCloseTo(100);
    expect(out.y).toBeCloseTo(20);
    legPoint(0, 100, 200, 100, 20, 1, out);
    expect(out.x).toBeCloseTo(200);
    expect(out.y).toBeCloseTo(100);
  });
});

describe('a workload’s legs', () => {
  it('are the same list each time, so a page can tell a change of workload by identity', () => {
    expect(workloadLegs('l2fwd')).toBe(workloadLegs('l2fwd'));
  });
});

describe('where the overlay goes', () => {
  const square = (left: number, top = 40) => ({ left, top, width: 150, height: 150 });
  const rings = new Map([
    ['fill', square(0)],
    ['rx', square(200)],
    ['tx', square(400)],
    ['completion', square(600)],
  ] as const);

  it('spans only the rings the workload joins, with a margin for the lanes', () => {
    const geometry = flowGeometry(rings, workloadLegs('txonly'));
    expect(geometry?.box).toEqual({ left: 398, top: 38, width: 354, height: 154 });
    expect([...(geometry?.anchors.keys() ?? [])]).toEqual(['tx', 'completion']);
  });

  it('centres each ring on its square, on the middle of its band, and runs the lanes along the edges', () => {
    const geometry = flowGeometry(rings, workloadLegs('rxdrop'));
    expect(geometry?.anchors.get('rx')).toEqual({ cx: 277, cy: 77, radius: 58 });
    expect(geometry?.lanes).toEqual({ kernel: 15, app: 139 });
  });

  it('spans every ring shown before the workload is known, and is nothing with no ring shown', () => {
    expect(flowGeometry(rings, [])?.box.width).toBe(754);
    expect(flowGeometry(new Map(), workloadLegs('rxdrop'))).toBeNull();
  });

  it('takes a new measurement of the same squares for the same place, and any moved, resized, come or gone square for a new one', () => {
    const again = new Map([...rings].map(([kind, box]) => [kind, { ...box }]));
    expect(sameBoxes(rings, again)).toBe(true);
    expect(sameBoxes(rings, new Map([...again, ['tx', square(401)]]))).toBe(false);
    expect(sameBoxes(rings, new Map([...again, ['rx', { ...square(200), height: 149 }]]))).toBe(false);
    const fewer = new Map(again);
    fewer.delete('completion');
    expect(sameBoxes(rings, fewer)).toBe(false);
    expect(sameBoxes(fewer, rings)).toBe(false);
  });
});
