import type { RingState, SocketSample } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { FlowScene } from './flow-scene.ts';
import { flowGeometry, type RingBox, workloadLegs } from './ring-flow.ts';

const SIZE = 2048;
const ring = (producer: number, consumer: number): RingState => ({
  size: SIZE,
  producer,
  consumer,
  cachedProducer: producer,
  cachedConsumer: consumer,
  needWakeup: false,
});
const sample = (fill: RingState, rx: RingState): SocketSample =>
  ({ socketId: 'xsk0', rings: { fill, rx, tx: null, completion: null } }) as unknown as SocketSample;

const square = (left: number): RingBox => ({ left, top: 0, width: 150, height: 150 });
const rxdrop = workloadLegs('rxdrop');
const pace = { slowdown: 1, ringSweepMs: 1 };

/**
 * Two readings 100 ms apart in which FILL and RX each moved one turn: 20480
 * descriptors a second on both legs. At the second reading FILL's consumer
 * and RX's producer stand at slot 0 (twelve o'clock), RX's consumer and
 * FILL's producer at slot 1024 (six o'clock).
 */
function flowing(rings = new Map([['fill', square(0)] as const, ['rx', square(200)] as const])): FlowScene {
  const scene = new FlowScene();
  scene.setLegs(rxdrop);
  scene.setGeometry(flowGeometry(rings, rxdrop));
  scene.push(sample(ring(1024, 0), ring(0, 1024 - SIZE)), 0, 0);
  scene.push(sample(ring(1024 + SIZE, SIZE), ring(SIZE, 1024)), 100, 100);
  return scene;
}

function run(scene: FlowScene, from: number, to: number, slowdown = 1): void {
  for (let now = from; now <= to; now += 16) scene.step(now, { ...pace, slowdown });
}

function placedOn(scene: FlowScene, leg: number): { x: number; y: number }[] {
  return Array.from({ length: scene.placed }, (_, i) => i)
    .filter((i) => scene.legOf[i] === leg)
    .map((i) => ({ x: scene.xs[i] as number, y: scene.ys[i] as number }));
}

describe('descriptors moving over a socket’s rings', () => {
  it('leave a ring at its consumer and enter the next at its producer: through the kernel above, the application below', () => {
    const scene = flowing();
    run(scene, 100, 600);
    const kernel = placedOn(scene, 0);
    const app = placedOn(scene, 1);
    expect(kernel.length).toBeGreaterThan(10);
    expect(app.length).toBeGreaterThan(10);
    // Band centres: FILL at x 77, RX at x 277, both at y 77 with a radius of 58; lanes at y 15 and 139.
    for (const dot of kernel) {
      expect(dot.x).toBeGreaterThanOrEqual(77 - 1e-9);
      expect(dot.x).toBeLessThanOrEqual(277 + 1e-9);
      expect(dot.y).toBeGreaterThanOrEqual(15 - 1e-9);
      expect(dot.y).toBeLessThanOrEqual(19 + 1e-9);
    }
    for (const dot of app) {
      expect(dot.y).toBeGreaterThanOrEqual(135 - 1e-9);
      expect(dot.y).toBeLessThanOrEqual(139 + 1e-9);
    }
    expect([...scene.legCounts.slice(0, 2)]).toEqual([kernel.length, app.length]);
  });

  it('carry as many descriptors per dot as keeps the dots under the cap', () => {
    const scene = flowing();
    run(scene, 100, 900);
    // 40960 descriptors a second over 700 ms of travel: 28672 in flight, 128 to a dot.
    expect(scene.perDot).toBe(128);
    expect(scene.dots.count).toBeLessThanOrEqual(scene.dots.capacity);
    expect(scene.dots.count).toBeGreaterThan(scene.dots.capacity / 2);
  });

  it('stop coming a second after the last reading, and the ones in flight arrive', () => {
    const scene = flowing();
    run(scene, 100, 1000);
    expect(scene.dots.count).toBeGreaterThan(0);
    run(scene, 1100, 1900);
    expect(scene.dots.count).toBe(0);
    expect(scene.placed).toBe(0);
  });

  it('stop at once when a reading shows the rings still', () => {
    const scene = flowing();
    run(scene, 100, 500);
    scene.push(sample(ring(1024 + SIZE, SIZE), ring(SIZE, 1024)), 600, 600);
    run(scene, 600, 1400);
    expect(scene.dots.count).toBe(0);
  });

  it('travel three times slower in presenter mode', () => {
    const scene = flowing();
    run(scene, 100, 900, 3);
    run(scene, 1100, 2000, 3);
    expect(scene.dots.count).toBeGreaterThan(0);
    run(scene, 2100, 3200, 3);
    expect(scene.dots.count).toBe(0);
  });

  it('are not drawn on a leg whose ring is not on the page (a socket sharing another’s FILL)', () => {
    const scene = flowing(new Map([['rx', square(200)] as const]));
    run(scene, 100, 600);
    expect(scene.dots.count).toBeGreaterThan(0);
    expect(scene.placed).toBe(0);
  });

  it('start again from none for a new workload', () => {
    const scene = flowing();
    run(scene, 100, 600);
    scene.setLegs(workloadLegs('l2fwd'));
    expect(scene.dots.count).toBe(0);
    scene.step(616, pace);
    expect(scene.dots.count).toBe(0);
  });
});

describe('descriptors at rest, for a reader who asked for less motion', () => {
  it('stand still, as many per leg as would be in flight, spaced evenly between the rings', () => {
    const scene = flowing();
    scene.rest(116, 1);
    // 20480 a second on each leg for 700 ms at 128 to a dot: 112 dots on each.
    expect([...scene.legCounts.slice(0, 2)]).toEqual([112, 112]);
    const before = placedOn(scene, 0);
    scene.rest(500, 1);
    expect(placedOn(scene, 0)).toEqual(before);
    expect(scene.dots.count).toBe(0);
  });

  it('are gone once the readings are stale', () => {
    const scene = flowing();
    scene.rest(1200, 1);
    expect(scene.placed).toBe(0);
  });
});
