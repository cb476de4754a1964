import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { TimeSeries } from './time-series.ts';

/**
 * What a small time-series chart needs to be drawn, computed by d3 and
 * returned as plain data: a path string and tick positions. React renders
 * them; d3 never touches the DOM.
 */
export interface ChartModel {
  path: string;
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  latest: number | null;
}

export interface ChartFrame {
  width: number;
  height: number;
  /** Room left for the y labels, right for the last x label, and below for the x labels. */
  left: number;
  right: number;
  bottom: number;
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

function formatCompact(value: number): string {
  return compact.format(value);
}

export function chartModel<F extends string>(
  series: TimeSeries<F>,
  field: F,
  frame: ChartFrame,
  now: number,
  windowMs: number,
): ChartModel {
  const from = series.firstIndexFrom(now - windowMs);
  // One point before the window, so the line enters from the left edge.
  const first = Math.max(0, from - 1);
  let max = 0;
  for (let i = first; i < series.length; i++) max = Math.max(max, series.value(field, i));
  // Seconds before now, so the axis reads "-60 s … now" whatever the clock.
  const x = scaleLinear()
    .domain([-windowMs / 1000, 0])
    .range([frame.left, frame.width - frame.right]);
  const y = scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .nice(3)
    .range([frame.height - frame.bottom, 2]);
  const indices: number[] = [];
  for (let i = first; i < series.length; i++) indices.push(i);
  const path =
    line<number>()
      .x((i) => x(Math.max(-windowMs / 1000, (series.time(i) - now) / 1000)))
      .y((i) => y(series.value(field, i)))(indices) ?? '';
  return {
    path,
    xTicks: x.ticks(4).map((seconds) => ({ x: x(seconds), label: seconds === 0 ? 'now' : `${seconds} s` })),
    yTicks: y.ticks(3).map((value) => ({ y: y(value), label: formatCompact(value) })),
    latest: series.last(field),
  };
}
