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
