/** Order statistics for noisy measurements: medians and percentiles, nothing that a single outlier can drag. */

/** The p-th percentile (0..100) by linear interpolation between the closest ranks; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile must be from 0 to 100, not ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (rank - below);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Spread as a fraction of the median: (max - min) / median. Says how far to trust a median of few rounds. */
export function relativeSpread(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const m = median(samples);
  return m === 0 ? 0 : (Math.max(...samples) - Math.min(...samples)) / m;
}

/** Rounds for printing and for the JSON: enough digits to compare, not so many that noise reads as signal. */
export function round(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A least-squares line through (x, y) points, with what says how far the points scatter around it. */
export interface Trend {
  slope: number;
  intercept: number;
  /** Standard deviation of the points around the line. */
  residualSd: number;
  /** Standard error of the slope. */
  slopeStderr: number;
}

export function linearTrend(xs: readonly number[], ys: readonly number[]): Trend {
  if (xs.length !== ys.length) throw new RangeError(`${xs.length} x values for ${ys.length} y values`);
  const n = xs.length;
  if (n < 3) return { slope: Number.NaN, intercept: Number.NaN, residualSd: Number.NaN, slopeStderr: Number.NaN };
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - meanX;
    sxx += dx * dx;
    sxy += dx * ((ys[i] as number) - meanY);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = meanY - slope * meanX;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - (intercept + slope * (xs[i] as number))) ** 2;
  const residualSd = Math.sqrt(sse / (n - 2));
  return { slope, intercept, residualSd, slopeStderr: sxx === 0 ? Number.NaN : residualSd / Math.sqrt(sxx) };
}

/**
 * Whether a soak's drift is noise: the line's rise over the whole soak is no larger than the scatter of single
 * readings around it (two standard deviations; a collector's sawtooth makes that scatter), or the slope is not
 * distinguishable from zero at 95 %. A leak shows as a rise that outgrows both.
 */
export function driftWithinNoise(trend: Trend, span: number): boolean {
  const rise = Math.abs(trend.slope * span);
  return rise <= 2 * trend.residualSd || Math.abs(trend.slope) <= 1.96 * trend.slopeStderr;
}
