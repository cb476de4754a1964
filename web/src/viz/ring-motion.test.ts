import { describe, expect, it } from 'vitest';
import { advanceCounter, RingMotion } from './ring-motion.ts';

const ring = (producer: number, consumer: number, size = 8) => ({
  size,
  producer,
  consumer,
  cachedProducer: producer,
  cachedConsumer: consumer,
  needWakeup: false,
});

describe('interpolating a ring between snapshots', () => {
  it('moves a counter forward across the 32-bit wrap, not back by four billion', () => {
    expect(advanceCounter(0xffff_fffe, 2, 0.5)).toBe(0xffff_fffe + 2);
    expect(advanceCounter(0xffff_fffe, 2, 1)).toBe(0xffff_fffe + 4);
  });

  it('shows the first reading as it is', () => {
    const motion = new RingMotion();
    motion.push(ring(5, 3), 1000);
    expect(motion.at(1000, 100)).toMatchObject({ producer: 5, consumer: 3 });
  });

  it('sweeps from the previous reading to the latest over one interval, then holds', () => {
    const motion = new RingMotion();
    motion.push(ring(0, 0), 0);
    motion.push(ring(8, 4), 1000);
    expect(motion.at(1000, 100)).toMatchObject({ producer: 0, consumer: 0 });
    expect(motion.at(1050, 100)).toMatchObject({ producer: 4, consumer: 2 });
    expect(motion.settled(1050, 100)).toBe(false);
    expect(motion.at(1200, 100)).toMatchObject({ producer: 8, consumer: 4 });
    expect(motion.settled(1200, 100)).toBe(true);
  });

  it('jumps to each reading at once when given no time to sweep (prefers-reduced-motion)', () => {
    const motion = new RingMotion();
    motion.push(ring(0, 0), 0);
    motion.push(ring(8, 4), 1000);
    expect(motion.at(1000, 0)).toMatchObject({ producer: 8, consumer: 4 });
    expect(motion.settled(1000, 0)).toBe(true);
  });

  it('reuses one pose object, so animating allocates nothing per frame', () => {
    const motion = new RingMotion();
    motion.push(ring(0, 0), 0);
    motion.push(ring(8, 4), 10);
    expect(motion.at(12, 10)).toBe(motion.at(15, 10));
  });

  it('jumps instead of sweeping when the socket was rebuilt with another size or far-off counters', () => {
    const motion = new RingMotion();
    motion.push(ring(100, 90), 0);
    motion.push(ring(3, 1, 16), 10);
    expect(motion.at(10, 100)).toMatchObject({ size: 16, producer: 3, consumer: 1 });
    motion.push(ring(1_000_000, 999_999, 16), 20);
    expect(motion.at(20, 100)).toMatchObject({ producer: 1_000_000 });
  });

  it('ignores the same reading pushed again', () => {
    const motion = new RingMotion();
    const first = ring(0, 0);
    const second = ring(8, 0);
    motion.push(first, 0);
    motion.push(second, 100);
    motion.push(second, 150);
    expect(motion.at(150, 100)?.producer).toBe(4);
  });
});

describe('telling a painter there is something new', () => {
  it('counts readings, ignoring a repeated one', () => {
    const motion = new RingMotion();
    const first = ring(0, 0);
    motion.push(first, 0);
    motion.push(first, 10);
    expect(motion.readings).toBe(1);
    motion.push(ring(1, 0), 20);
    expect(motion.readings).toBe(2);
  });
});
