/**
 * The edges of what a kernel accepts, found by bisection: probes try values on
 * throw-away sockets and UMEMs, so each trial is a syscall or a registration,
 * and a limit is found in log2(range) of them rather than by a scan.
 */

/**
 * Largest value in [low, high] for which `accepts` holds, given that it holds
 * at `low` and that acceptance is one unbroken range. `high` is tried first,
 * so a limit at the ceiling costs one trial.
 */
export function largestAccepted(low: number, high: number, accepts: (value: number) => boolean): number {
  if (accepts(high)) return high;
  let yes = low;
  let no = high;
  while (no - yes > 1) {
    const middle = yes + Math.floor((no - yes) / 2);
    if (accepts(middle)) yes = middle;
    else no = middle;
  }
  return yes;
}

/** Smallest value in [low, high] for which `accepts` holds, given that it holds at `high`. */
export function smallestAccepted(low: number, high: number, accepts: (value: number) => boolean): number {
  if (accepts(low)) return low;
  let no = low;
  let yes = high;
  while (yes - no > 1) {
    const middle = no + Math.floor((yes - no) / 2);
    if (accepts(middle)) yes = middle;
    else no = middle;
  }
  return yes;
}
