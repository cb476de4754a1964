import { describe, expect, it } from 'vitest';
import { driftWithinNoise, linearTrend, median, percentile, relativeSpread, round } from './stats.ts';

describe('percentile', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBeCloseTo(9.91);
  });

  it('does not depend on the order samples arrived in', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(median([9, 1, 5])).toBe(5);
  });

  it('leaves the samples as they were', () => {
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('is NaN for no samples and the sample itself for one', () => {
    expect(median([])).toBeNaN();
    expect(percentile([7], 99)).toBe(7);
  });

  it('refuses a percentile outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('relativeSpread', () => {
  it('is the range over the median', () => {
    expect(relativeSpread([90, 100, 110])).toBeCloseTo(0.2);
    expect(relativeSpread([0, 0])).toBe(0);
  });
});

describe('round', () => {
  it('keeps the digits asked for and passes non-finite values through', () => {
    expect(round(0.123456, 3)).toBe(0.123);
    expect(round(Number.NaN, 2)).toBeNaN();
  });
});

describe('linearTrend and driftWithinNoise', () => {
  const seconds = Array.from({ length: 600 }, (_, i) => i);
  // A collector's sawtooth: +2 MB a minute, dropped back each minute, around 300 MB.
  const sawtooth = seconds.map((t) => 300 + ((t % 60) / 60) * 2);

  it('fits a straight line exactly', () => {
    const trend = linearTrend([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(trend.slope).toBeCloseTo(2);
    expect(trend.intercept).toBeCloseTo(1);
    expect(trend.residualSd).toBeCloseTo(0);
  });

  it('calls a flat sawtooth noise', () => {
    const trend = linearTrend(seconds, sawtooth);
    expect(driftWithinNoise(trend, 600)).toBe(true);
  });

  it('calls the same sawtooth on a leak of 5 MB a minute a drift', () => {
    const leaking = sawtooth.map((mb, t) => mb + (t / 60) * 5);
    const trend = linearTrend(seconds, leaking);
    expect(trend.slope * 60).toBeCloseTo(5, 0);
    expect(driftWithinNoise(trend, 600)).toBe(false);
  });

  it('has no trend for fewer than three points', () => {
    expect(linearTrend([0, 1], [1, 2]).slope).toBeNaN();
  });
});
