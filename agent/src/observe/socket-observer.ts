import type { RingState, XdpStatistics } from '@ringside/shared';
import { Counter } from '../dataplane/control.ts';
import { type LedgerView, laneView } from '../xsk/ledger.ts';
import type { OwnUmemSource } from './own-umem.ts';
import type { RingEntries } from './ring-observer.ts';
import type { UmemObserver, UmemReading } from './umem-observer.ts';

/** What the data plane counted for one socket (dataplane/control.ts, Counter). */
export interface SocketTotals {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  completed: number;
  wakeups: number;
  idleWaits: number;
  busyPolls: number;
  txSendtos: number;
  txSendtoConsumed: number;
}

export interface RingsObserved {
  fill: RingState;
  rx: RingState | null;
  tx: RingState | null;
  completion: RingState;
}

/** A socket's rings and every frame's owner, with its counters, from one reading of its UMEM. */
export interface SocketObservation {
  rings: RingsObserved;
  stats: XdpStatistics;
  totals: SocketTotals;
  /** This socket's view: frames another socket of a shared UMEM holds are `other-socket`. */
  ledger: LedgerView;
  /** False when no quiet moment came within the reader's budget; the owners may then be off by a batch. */
  consistent: boolean;
}

/** The same, with every entry of the socket's rings. */
export interface DetailedObservation extends SocketObservation {
  entries: { fill: RingEntries; rx: RingEntries | null; tx: RingEntries | null; completion: RingEntries };
}

export function readTotals(counters: Float64Array): SocketTotals {
  // The data plane writes these while they are read. It counts a sendto before what the sendto took
  // (Handovers.kick), so reading what was taken first keeps the pair within the budget per call: read
  // the other way, a sendto landing between the two reads shows up to a whole budget too many. (These are plain
  // accesses: the JS memory model does not order them, V8 on x86 keeps them in program order; elsewhere one
  // reading may be off by a call.)
  const txSendtoConsumed = counters[Counter.TX_SENDTO_CONSUMED] as number;
  return {
    rxPackets: counters[Counter.RX_PACKETS] as number,
    rxBytes: counters[Counter.RX_BYTES] as number,
    txPackets: counters[Counter.TX_PACKETS] as number,
    txBytes: counters[Counter.TX_BYTES] as number,
    completed: counters[Counter.COMPLETED] as number,
    wakeups: counters[Counter.WAKEUPS] as number,
    idleWaits: counters[Counter.IDLE_WAITS] as number,
    busyPolls: counters[Counter.BUSY_POLLS] as number,
    txSendtos: counters[Counter.TX_SENDTOS] as number,
    txSendtoConsumed,
  };
}

/**
 * One of Ringside's own sockets as observations show it: the rings it uses
 * (its RX and TX, the FILL/COMPLETION pair of its netdev and queue), its view
 * of its UMEM's owners, its XDP_STATISTICS and what its data plane counted.
 * Every reading comes from the UMEM's one reader.
 */
export class SocketObserver {
  /** This socket's view of the last UMEM reading it was asked about. */
  private lastView: { reading: UmemReading<LedgerView>; ledger: LedgerView } | null = null;

  constructor(
    readonly socketId: string,
    readonly umem: UmemObserver<OwnUmemSource>,
    private readonly counters: Float64Array,
    private readonly statistics: () => XdpStatistics,
  ) {}

  /** A consistent observation, waiting (without blocking the thread) for the data plane to be between batches. */
  async observe(): Promise<SocketObservation> {
    return this.from(await this.umem.read({ entries: false }));
  }

  async observeInDetail(): Promise<DetailedObservation> {
    return this.withEntries(await this.umem.read({ entries: true }));
  }

  /** An observation now, for callers that cannot wait: see UmemObserver.readNow. */
  observeNow(): SocketObservation {
    return this.from(this.umem.readNow({ entries: false }));
  }

  observeInDetailNow(): DetailedObservation {
    return this.withEntries(this.umem.readNow({ entries: true }));
  }

  /** This socket's part of a reading of its UMEM (one reading serves every socket on it). */
  from(reading: UmemReading<LedgerView>): SocketObservation {
    const { socket, pair } = this.partOf(reading);
    if (this.lastView?.reading !== reading) {
      const view = laneView(reading.ledger, { slot: socket.slot, pair: pair.slot });
      this.lastView = { reading, ledger: { ...reading.ledger, owners: view.owners, counts: view.counts } };
    }
    return {
      rings: { fill: pair.states.fill, completion: pair.states.completion, rx: socket.states.rx, tx: socket.states.tx },
      stats: this.statistics(),
      totals: readTotals(this.counters),
      ledger: this.lastView.ledger,
      consistent: reading.consistent,
    };
  }

  private withEntries(reading: UmemReading<LedgerView>): DetailedObservation {
    const { socket, pair } = this.partOf(reading);
    if (!socket.entries || !pair.entries) throw new Error('the reading was made without entries');
    return {
      ...this.from(reading),
      entries: {
        fill: pair.entries.fill,
        rx: socket.entries.rx,
        tx: socket.entries.tx,
        completion: pair.entries.completion,
      },
    };
  }

  private partOf(reading: UmemReading) {
    const socket = reading.sockets.find((entry) => entry.socketId === this.socketId);
    const pair = socket && reading.pairs.find((entry) => entry.slot === socket.pair);
    if (!socket || !pair) throw new Error(`socket ${this.socketId} is not on UMEM ${this.umem.source.id}`);
    return { socket, pair };
  }
}

/**
 * Many sockets at once, as snapshots and scrapes take them: each UMEM is read
 * once, and every socket on it sees that one instant. A socket `list` no
 * longer names once the readings are in (destroyed meanwhile) is left out.
 */
export async function observeAll<T extends { observer: SocketObserver }>(
  list: () => readonly T[],
): Promise<{ socket: T; observation: SocketObservation }[]> {
  const sockets = list();
  const readings = new Map<SocketObserver['umem'], Promise<UmemReading<LedgerView> | Error>>();
  for (const { observer } of sockets) {
    if (!readings.has(observer.umem)) {
      readings.set(
        observer.umem,
        observer.umem.read({ entries: false }).catch((error: Error) => error),
      );
    }
  }
  await Promise.all(readings.values());
  const present = new Set(list());
  const observed: { socket: T; observation: SocketObservation }[] = [];
  for (const socket of sockets) {
    if (!present.has(socket)) continue;
    const reading = await readings.get(socket.observer.umem);
    if (reading instanceof Error) throw reading;
    if (reading) observed.push({ socket, observation: socket.observer.from(reading) });
  }
  return observed;
}
