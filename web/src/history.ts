import { type SnapshotMessage, type SocketSample, XDP_STATISTICS_FIELDS, type XdpStatistics } from '@ringside/shared';
import { create } from 'zustand';
import { TimeSeries } from './viz/time-series.ts';

/**
 * Every socket's counters and rates over the last minutes, for the charts.
 * The series live outside React (typed arrays, appended in place); the store
 * only carries a version that moves at most a few times a second, which is
 * what charts subscribe to.
 */
export const RATE_FIELDS = [
  'rxPps',
  'txPps',
  'rxBps',
  'txBps',
] as const satisfies readonly (keyof SocketSample['rates'])[];
export type SeriesField = keyof XdpStatistics | (typeof RATE_FIELDS)[number];
const FIELDS: readonly SeriesField[] = [...XDP_STATISTICS_FIELDS, ...RATE_FIELDS];

/** Three minutes at one point per 200 ms: charts stay cheap at any snapshot rate. */
export const HISTORY_MS = 3 * 60_000;
const POINT_EVERY_MS = 200;
const CAPACITY = Math.ceil(HISTORY_MS / POINT_EVERY_MS) + 16;
/** Charts redraw at most this often. */
const PUBLISH_EVERY_MS = 500;

const series = new Map<string, TimeSeries<SeriesField>>();

export const useHistory = create<{ version: number; publishedAt: number }>()(() => ({ version: 0, publishedAt: 0 }));

/** An unknown rate (an attached socket's bytes) is NaN: a chart leaves a gap rather than draw a zero. */
function read(sample: SocketSample, field: SeriesField): number {
  return field in sample.stats
    ? sample.stats[field as keyof XdpStatistics]
    : (sample.rates[field as keyof SocketSample['rates']] ?? Number.NaN);
}

export function recordSnapshot(snapshot: SnapshotMessage): void {
  const at = snapshot.sampledAt;
  for (const sample of snapshot.sockets) {
    let history = series.get(sample.socketId);
    if (!history) {
      history = new TimeSeries(FIELDS, CAPACITY);
      series.set(sample.socketId, history);
    }
    const last = history.lastTime();
    // A socket rebuilt under the same id starts its counters again: a fall is a new history.
    if (
      history.length > 0 &&
      XDP_STATISTICS_FIELDS.some((field) => read(sample, field) < (history.last(field) as number))
    ) {
      history.clear();
    }
    if (last === null || at - last >= POINT_EVERY_MS || at < last) history.push(at, (field) => read(sample, field));
  }
  for (const id of series.keys()) if (!snapshot.sockets.some((sample) => sample.socketId === id)) series.delete(id);
  const { publishedAt, version } = useHistory.getState();
  if (at - publishedAt >= PUBLISH_EVERY_MS || at < publishedAt)
    useHistory.setState({ version: version + 1, publishedAt: at });
}

export function historyOf(socketId: string): TimeSeries<SeriesField> | undefined {
  return series.get(socketId);
}
