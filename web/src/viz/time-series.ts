/**
 * A fixed-capacity history of numeric fields over time, oldest first, held in
 * typed arrays so that recording a snapshot allocates nothing.
 */
export class TimeSeries<F extends string> {
  readonly fields: readonly F[];
  readonly capacity: number;
  #times: Float64Array;
  #values: Map<F, Float64Array>;
  /** Index of the oldest point. */
  #start = 0;
  #length = 0;

  constructor(fields: readonly F[], capacity: number) {
    this.fields = fields;
    this.capacity = capacity;
    this.#times = new Float64Array(capacity);
    this.#values = new Map(fields.map((field) => [field, new Float64Array(capacity)]));
  }

  get length(): number {
    return this.#length;
  }

  push(time: number, read: (field: F) => number): void {
    const at = (this.#start + this.#length) % this.capacity;
    this.#times[at] = time;
    for (const field of this.fields) (this.#values.get(field) as Float64Array)[at] = read(field);
    if (this.#length < this.capacity) this.#length++;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  clear(): void {
    this.#start = 0;
    this.#length = 0;
  }

  time(i: number): number {
    return this.#times[(this.#start + i) % this.capacity] as number;
  }

  value(field: F, i: number): number {
    return (this.#values.get(field) as Float64Array)[(this.#start + i) % this.capacity] as number;
  }

  lastTime(): number | null {
    return this.#length === 0 ? null : this.time(this.#length - 1);
  }

  last(field: F): number | null {
    return this.#length === 0 ? null : this.value(field, this.#length - 1);
  }

  /** Index of the first point at or after `time` (length when none). */
  firstIndexFrom(time: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.time(mid) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Whether a cumulative counter went up within the last `windowMs` of the
 * series: the page highlights such a counter, since a rise is news while a
 * large but still value is history.
 */
export function rose<F extends string>(series: TimeSeries<F>, field: F, windowMs: number): boolean {
  const end = series.lastTime();
  if (end === null) return false;
  const from = series.firstIndexFrom(end - windowMs);
  // Compare with the point just before the window, so one step inside it counts.
  const base = Math.max(0, from - 1);
  return (series.last(field) as number) > series.value(field, base);
}
