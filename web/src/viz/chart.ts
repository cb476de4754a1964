import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { TimeSeries } from './time-series.ts';

/**
 * What a small time-series chart needs to be drawn, computed by d3 and
 * returned as plain data: a path string, tick positions and the points
 * themselves for the hover readout. React renders them; d3 never touches the
 * DOM.
 */
export interface ChartModel {
  path: string;
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  latest: number | null;
  /** The points drawn, oldest first: where each is, its value and how many seconds before now it was read. */
  points: { x: number; y: number; value: number; secondsAgo: number }[];
}

export interface ChartFrame {
  width: number;
  height: number;
  /** Room left for the y labels, right for the last x label, and below for the x labels. */
  left: number;
  right: number;
  bottom: number;
}

/** What a chart plots of a field: the value as recorded, or how fast a counter rose (per second). */
export type ChartMeasure = 'value' | 'rate';

/**
 * A counter's rate is taken over this span rather than between neighbouring
 * points (200 ms apart): the agent's counters move in batches, and a
 * one-second span keeps a steady rate a steady line.
 */
export const RATE_SPAN_MS = 1000;

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export function formatCompact(value: number): string {
  return compact.format(value);
}

/**
 * The series' points from index `first` on as [time, plotted value]: the
 * value itself, or for a rate the rise per second over the last RATE_SPAN_MS
 * (from the latest point at least that old, else the oldest point there is).
 */
function plotted<F extends string>(
  series: TimeSeries<F>,
  field: F,
  first: number,
  measure: ChartMeasure,
): [number, number][] {
  const out: [number, number][] = [];
  let base = 0;
  for (let i = first; i < series.length; i++) {
    const time = series.time(i);
    const value = series.value(field, i);
    if (measure === 'value') {
      out.push([time, value]);
      continue;
    }
    while (base + 1 < i && series.time(base + 1) <= time - RATE_SPAN_MS) base++;
    if (base >= i) continue;
    const seconds = (time - series.time(base)) / 1000;
    out.push([time, Math.max(0, (value - series.value(field, base)) / seconds)]);
  }
  return out;
}

export function chartModel<F extends string>(
  series: TimeSeries<F>,
  field: F,
  frame: ChartFrame,
  now: number,
  windowMs: number,
  measure: ChartMeasure = 'value',
): ChartModel {
  const from = series.firstIndexFrom(now - windowMs);
  // One point before the window, so the line enters from the left edge.
  const first = Math.max(0, from - 1);
  const data = plotted(series, field, first, measure);
  let max = 0;
  for (const [, value] of data) max = Math.max(max, value);
  // Seconds before now, so the axis reads "-60 s … now" whatever the clock.
  const x = scaleLinear()
    .domain([-windowMs / 1000, 0])
    .range([frame.left, frame.width - frame.right]);
  const y = scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .nice(3)
    .range([frame.height - frame.bottom, 2]);
  const points = data.map(([time, value]) => {
    const seconds = Math.max(-windowMs / 1000, (time - now) / 1000);
    return { x: x(seconds), y: y(value), value, secondsAgo: seconds === 0 ? 0 : -seconds };
  });
  const path =
    line<(typeof points)[number]>()
      .x((point) => point.x)
      .y((point) => point.y)(points) ?? '';
  return {
    path,
    xTicks: x.ticks(4).map((seconds) => ({ x: x(seconds), label: seconds === 0 ? 'now' : `${seconds} s` })),
    yTicks: y.ticks(3).map((value) => ({ y: y(value), label: formatCompact(value) })),
    latest: data.at(-1)?.[1] ?? null,
    points,
  };
}

/** The narrowest window a chart shows, and the step its width grows by as history accumulates. */
const MIN_WINDOW_MS = 30_000;
const WINDOW_STEP_MS = 30_000;

/**
 * How much time a chart spans: the history there is, in whole steps so the
 * axis does not rescale at every redraw, between half a minute and all that is
 * kept. A page opened a moment ago shows its first seconds across the chart
 * rather than as a sliver at the right edge of three minutes.
 */
export function chartWindow(historyMs: number, keptMs: number): number {
  const stepped = Math.ceil(Math.max(0, historyMs) / WINDOW_STEP_MS) * WINDOW_STEP_MS;
  return Math.min(keptMs, Math.max(MIN_WINDOW_MS, stepped));
}

/**
 * The chart of `field` over all of `series`, ending at its newest point,
 * across the window its history fills (see chartWindow).
 */
export function historyChart<F extends string>(
  series: TimeSeries<F>,
  field: F,
  frame: ChartFrame,
  keptMs: number,
  measure: ChartMeasure = 'value',
): ChartModel {
  const now = series.lastTime() ?? 0;
  const span = series.length > 0 ? now - series.time(0) : 0;
  return chartModel(series, field, frame, now, chartWindow(span, keptMs), measure);
}

/** The point nearest to horizontal position `x` (the pointer's), or null for an empty chart. */
export function pointNear(model: ChartModel, x: number): ChartModel['points'][number] | null {
  const { points } = model;
  if (points.length === 0) return null;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as ChartModel['points'][number]).x < x) lo = mid + 1;
    else hi = mid;
  }
  const after = points[lo] as ChartModel['points'][number];
  const before = points[lo - 1];
  return before && x - before.x < after.x - x ? before : after;
}
