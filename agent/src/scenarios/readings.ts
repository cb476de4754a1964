import {
  type Observed,
  type RingState,
  ringOccupancy,
  SOCKET_TOTALS,
  SOURCE_TOTALS,
  XDP_ACTIONS,
  XDP_STATISTICS_FIELDS,
  type XdpActions,
} from '@ringside/shared';
import { Counter } from '../dataplane/control.ts';
import type { ManagedSocket } from '../engine/managed-socket.ts';
import type { TrafficSource } from '../lab/traffic-source.ts';

type SocketReading = Observed['sockets'][string];
type SourceReading = NonNullable<Observed['source']>;

/** One socket's counts now: its data plane's totals, its XDP_STATISTICS and the entries in each of its rings. */
export function readSocket(socket: ManagedSocket): SocketReading {
  const { totals, stats, rings } = socket.observe();
  // COMPLETION hands back addresses Ringside never sent (after an invalid TX descriptor): counted apart.
  const invalid = socket.worker.counters[Counter.FOREIGN_COMPLETIONS] as number;
  const entries = (ring: RingState | null) => (ring ? ringOccupancy(ring) : null);
  return {
    received: totals.rxPackets,
    sent: totals.txPackets,
    completed: totals.completed - invalid,
    completedInvalid: invalid,
    stats,
    rings: {
      fill: entries(rings.fill),
      rx: entries(rings.rx),
      tx: entries(rings.tx),
      completion: entries(rings.completion),
    },
  };
}

export function readSource(source: TrafficSource): SourceReading {
  return { sent: source.sentFrames, completed: source.completedFrames, received: source.receivedFrames };
}

/** What moved from `before` to `after`; ring entries are taken as they stand at the end. */
export function countsSince(before: SocketReading | null, after: SocketReading): SocketReading {
  if (!before) return after;
  const totals = Object.fromEntries(SOCKET_TOTALS.map((key) => [key, after[key] - before[key]])) as Pick<
    SocketReading,
    (typeof SOCKET_TOTALS)[number]
  >;
  const stats = Object.fromEntries(
    XDP_STATISTICS_FIELDS.map((key) => [key, after.stats[key] - before.stats[key]]),
  ) as SocketReading['stats'];
  return { ...totals, stats, rings: after.rings };
}

export function sourceSince(before: SourceReading, after: SourceReading): SourceReading {
  return Object.fromEntries(SOURCE_TOTALS.map((key) => [key, after[key] - before[key]])) as SourceReading;
}

/** Only the counts a program counts, whatever else its reading carries (the interface's name). */
export function actionsOf(counters: XdpActions): XdpActions {
  return Object.fromEntries(XDP_ACTIONS.map((key) => [key, counters[key]])) as XdpActions;
}

/** Two readings that agree in every number: nothing moved between them. */
export function sameReading(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
