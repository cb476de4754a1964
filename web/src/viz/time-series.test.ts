import { describe, expect, it } from 'vitest';
import { chartModel, chartWindow, historyChart, pointNear } from './chart.ts';
import { rose, TimeSeries } from './time-series.ts';

describe('a time series', () => {
  it('keeps the newest points once full, oldest first', () => {
    const series = new TimeSeries(['a'] as const, 3);
    for (let t = 0; t < 5; t++) series.push(t * 100, () => t);
    expect(series.length).toBe(3);
    expect([0, 1, 2].map((i) => series.time(i))).toEqual([200, 300, 400]);
    expect(series.last('a')).toBe(4);
    expect(series.firstIndexFrom(250)).toBe(1);
    expect(series.firstIndexFrom(1000)).toBe(3);
  });

  it('calls a counter rising only if it went up within the window', () => {
    const series = new TimeSeries(['drops'] as const, 100);
    const values = [0, 0, 5, 5, 5, 5, 5, 5];
    for (const [i, value] of values.entries()) series.push(i * 1000, () => value);
    // Last rise was at t=2000; the series ends at t=7000.
    expect(rose(series, 'drops', 3000)).toBe(false);
    expect(rose(series, 'drops', 6000)).toBe(true);
    series.push(8000, () => 6);
    expect(rose(series, 'drops', 1000)).toBe(true);
  });
});

describe('chart model', () => {
  const frame = { width: 200, height: 100, left: 40, right: 10, bottom: 20 };

  it('puts now at the right edge and the window start at the left', () => {
    const series = new TimeSeries(['v'] as const, 10);
    series.push(0, () => 0);
    series.push(60_000, () => 10);
    const model = chartModel(series, 'v', frame, 60_000, 60_000);
    expect(model.path.startsWith('M40,80')).toBe(true);
    expect(model.path.endsWith('L190,2')).toBe(true);
    expect(model.xTicks.at(-1)).toEqual({ x: 190, label: 'now' });
    expect(model.latest).toBe(10);
  });

  it('gives an all-zero series a non-degenerate axis', () => {
    const series = new TimeSeries(['v'] as const, 10);
    series.push(0, () => 0);
    const model = chartModel(series, 'v', frame, 0, 60_000);
    expect(model.yTicks.length).toBeGreaterThan(1);
    expect(model.path).not.toContain('NaN');
  });

  it('plots a counter as its rise per second, over a one-second span', () => {
    const series = new TimeSeries(['drops'] as const, 100);
    // 50 a second for 3 s, then still.
    for (let t = 0; t <= 3000; t += 200) series.push(t, () => t / 20);
    for (let t = 3200; t <= 5000; t += 200) series.push(t, () => 150);
    const model = chartModel(series, 'drops', frame, 5000, 60_000, 'rate');
    // No rate for the first point, which has nothing before it.
    expect(model.points.length).toBe(series.length - 1);
    expect(model.points[5]?.value).toBeCloseTo(50);
    expect(model.latest).toBe(0);
    // At 3.6 s the span reaches back to 2.6 s: 0.4 s of rising at 50/s.
    expect(model.points.find((point) => point.secondsAgo === 1.4)?.value).toBeCloseTo(20);
  });

  it('finds the point under the pointer for the hover readout', () => {
    const series = new TimeSeries(['v'] as const, 10);
    for (let t = 0; t <= 60_000; t += 20_000) series.push(t, () => t / 1000);
    const model = chartModel(series, 'v', frame, 60_000, 60_000);
    // x runs from 40 (60 s ago) to 190 (now): points at 40, 90, 140, 190.
    expect(pointNear(model, 100)).toMatchObject({ x: 90, value: 20, secondsAgo: 40 });
    expect(pointNear(model, 170)).toMatchObject({ x: 190, value: 60, secondsAgo: 0 });
    expect(pointNear(model, 0)).toMatchObject({ x: 40, value: 0 });
    expect(pointNear({ ...model, points: [] }, 100)).toBeNull();
  });

  it('spans the history there is, in half minutes, from half a minute up to all that is kept', () => {
    expect(chartWindow(0, 180_000)).toBe(30_000);
    expect(chartWindow(12_000, 180_000)).toBe(30_000);
    expect(chartWindow(31_000, 180_000)).toBe(60_000);
    expect(chartWindow(61_000, 180_000)).toBe(90_000);
    expect(chartWindow(90_000, 180_000)).toBe(90_000);
    expect(chartWindow(500_000, 180_000)).toBe(180_000);
  });

  it('charts a whole history up to its newest point, across the window the history fills', () => {
    const series = new TimeSeries(['v'] as const, 100);
    for (let t = 10_000; t <= 50_000; t += 10_000) series.push(t, () => t / 1000);
    // 40 s of history: a 60-second window ending at the newest point, 50 s.
    expect(historyChart(series, 'v', frame, 180_000)).toEqual(chartModel(series, 'v', frame, 50_000, 60_000));
    expect(historyChart(new TimeSeries(['v'] as const, 4), 'v', frame, 180_000).points).toEqual([]);
  });
});
