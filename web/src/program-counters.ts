import { type SnapshotMessage, XDP_ACTIONS, type XdpActionCounters, type XdpActions } from '@ringside/shared';
import { create } from 'zustand';

/**
 * The action counters of Ringside's XDP program on each interface, turned
 * into rates. The snapshot carries totals since the program was attached; a
 * user needs "how many per second, now", and whether a pitfall's counter is
 * moving. Samples stay outside React; the store publishes a few times a second.
 */
export type Action = keyof XdpActions;
export type ActionRates = Record<Action, number>;

export interface CounterSample {
  at: number;
  counters: XdpActions;
}

/** Rates over this window: long enough to smooth a 10 Hz snapshot stream, short enough to fall quickly to 0. */
const RATE_WINDOW_MS = 3000;
const PUBLISH_EVERY_MS = 500;

/**
 * Per-second rates from the oldest sample within `windowMs` of the newest to
 * the newest, or null with fewer than two. A counter that fell means the
 * program was replaced (its map starts at 0): only samples after the fall count.
 */
export function actionRates(samples: readonly CounterSample[], windowMs: number): ActionRates | null {
  const newest = samples.at(-1);
  if (!newest) return null;
  let oldest: CounterSample | null = null;
  for (let i = samples.length - 2; i >= 0; i--) {
    const sample = samples[i] as CounterSample;
    const next = samples[i + 1] as CounterSample;
    if (XDP_ACTIONS.some((action) => next.counters[action] < sample.counters[action])) break;
    if (newest.at - sample.at > windowMs) break;
    oldest = sample;
  }
  if (!oldest || newest.at <= oldest.at) return null;
  const seconds = (newest.at - oldest.at) / 1000;
  const first = oldest;
  return Object.fromEntries(
    XDP_ACTIONS.map((action) => [action, (newest.counters[action] - first.counters[action]) / seconds]),
  ) as ActionRates;
}

export interface ProgramReading {
  totals: XdpActionCounters;
  /** Null until two snapshots have been seen. */
  rates: ActionRates | null;
}

export const useProgramCounters = create<{ byInterface: Record<string, ProgramReading> }>()(() => ({
  byInterface: {},
}));

const samples = new Map<string, CounterSample[]>();
let publishedAt = 0;

export function recordPrograms(snapshot: SnapshotMessage): void {
  const at = snapshot.sampledAt;
  for (const counters of snapshot.programs) {
    const list = samples.get(counters.ifname) ?? [];
    list.push({ at, counters });
    // Two windows kept: the rate needs one, and the sample just before it.
    while (list.length > 2 && at - (list[0] as CounterSample).at > 2 * RATE_WINDOW_MS) list.shift();
    samples.set(counters.ifname, list);
  }
  for (const ifname of samples.keys()) {
    if (!snapshot.programs.some((counters) => counters.ifname === ifname)) samples.delete(ifname);
  }
  if (at - publishedAt < PUBLISH_EVERY_MS && at >= publishedAt) return;
  publishedAt = at;
  const byInterface: Record<string, ProgramReading> = {};
  for (const counters of snapshot.programs) {
    byInterface[counters.ifname] = {
      totals: counters,
      rates: actionRates(samples.get(counters.ifname) ?? [], RATE_WINDOW_MS),
    };
  }
  useProgramCounters.setState({ byInterface });
}
