import { describe, expect, it } from 'vitest';
import { largestAccepted, smallestAccepted } from './accepted-range.ts';

/** A kernel rule as a predicate that counts how often it was asked. */
function rule(accepts: (value: number) => boolean) {
  const asked: number[] = [];
  return {
    asked,
    accepts: (value: number) => {
      asked.push(value);
      return accepts(value);
    },
  };
}

describe('the edges of an accepted range, by bisection', () => {
  it('finds the largest accepted value, trying the ceiling first', () => {
    const atMost3392 = rule((value) => value <= 3392);
    expect(largestAccepted(0, 4096, atMost3392.accepts)).toBe(3392);
    expect(atMost3392.asked[0]).toBe(4096);
    expect(atMost3392.asked.length).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(4096)));
    const all = rule(() => true);
    expect(largestAccepted(0, 4096, all.accepts)).toBe(4096);
    expect(all.asked).toEqual([4096]);
  });

  it('finds the smallest accepted value, trying the floor first', () => {
    const atLeast32 = rule((value) => value >= 32);
    expect(smallestAccepted(1, 2048, atLeast32.accepts)).toBe(32);
    expect(atLeast32.asked[0]).toBe(1);
    expect(smallestAccepted(1, 2048, () => true)).toBe(1);
    // Nothing below the ceiling: the ceiling, which the caller knows is accepted.
    expect(smallestAccepted(1, 2048, (value) => value >= 2048)).toBe(2048);
  });
});
