import type { LinkReading, SnapshotMessage, SocketSample, Stage, XdpActionCounters } from '@ringside/shared';
import type { TrafficSource } from '../lab/traffic-source.ts';
import { attachedOwners } from '../observe/attached-umem.ts';
import { observeAll, type SocketObserver, type SocketTotals } from '../observe/socket-observer.ts';
import { type AttachedProducers, type AttachedReading, attachedSample, producersOf } from './attached-sample.ts';

/** What the sampler needs of a socket (engine's ManagedSocket). */
export interface SampledSocket {
  id: string;
  observer: SocketObserver;
  pausedStages(): Stage[];
}

/** What the sampler needs of another process's socket, attached read-only. */
export interface SampledAttached {
  id: string;
  /** One synchronous reading through the UMEM reader; throws once the socket was let go. */
  read(): AttachedReading;
}

interface Previous {
  at: number;
  totals: Map<string, SocketTotals>;
  producers: Map<string, AttachedProducers>;
  sentFrames: number;
}

const perSecond = (delta: number, seconds: number) => (seconds > 0 ? Math.max(0, delta) / seconds : 0);

/**
 * Builds snapshots by reading the rings and counters directly: the data plane
 * is neither paused nor asked. Rates are the change since the previous sample.
 */
export class Sampler {
  private seq = 0;
  private previous: Previous | null = null;

  constructor(
    private readonly sockets: () => readonly SampledSocket[],
    private readonly traffic: () => TrafficSource | null,
    private readonly programs: () => XdpActionCounters[] = () => [],
    private readonly links: (() => LinkReading[]) | null = null,
    private readonly attached: () => readonly SampledAttached[] = () => [],
  ) {}

  /**
   * One reading of every socket: the snapshot, and each socket's per-frame
   * owners for the UMEM map. Resolves once every UMEM was read at a quiet
   * moment of its data plane; the thread is free meanwhile.
   */
  async sample(): Promise<{ snapshot: SnapshotMessage; owners: Map<string, Uint8Array> }> {
    const observed = await observeAll(this.sockets);
    const owners = new Map<string, Uint8Array>();
    const at = Date.now();
    const seconds = this.previous ? (at - this.previous.at) / 1000 : 0;
    const totals = new Map<string, SocketTotals>();
    const samples: SocketSample[] = observed.map(({ socket, observation }) => {
      totals.set(socket.id, observation.totals);
      owners.set(socket.id, observation.ledger.owners);
      const before = this.previous?.totals.get(socket.id) ?? observation.totals;
      return {
        socketId: socket.id,
        rings: observation.rings,
        stats: observation.stats,
        totals: observation.totals,
        rates: {
          rxPps: perSecond(observation.totals.rxPackets - before.rxPackets, seconds),
          rxBps: perSecond(observation.totals.rxBytes - before.rxBytes, seconds),
          txPps: perSecond(observation.totals.txPackets - before.txPackets, seconds),
          txBps: perSecond(observation.totals.txBytes - before.txBytes, seconds),
        },
        ledger: {
          counts: observation.ledger.counts,
          consumerLag: observation.ledger.consumerLag,
          violations: observation.ledger.violations,
          consistent: observation.consistent,
        },
        pausedStages: socket.pausedStages(),
      };
    });
    const producers = new Map<string, AttachedProducers>();
    // Read after the own sockets' await, in one synchronous pass: a socket let go meanwhile is not listed.
    for (const socket of this.attached()) {
      const reading = socket.read();
      const ledger = attachedOwners(reading.parts, reading.frameCount);
      owners.set(socket.id, ledger.owners);
      producers.set(socket.id, producersOf(reading.parts));
      samples.push(
        attachedSample(socket.id, reading, ledger.counts, this.previous?.producers.get(socket.id) ?? null, seconds),
      );
    }
    const source = this.traffic();
    const sentFrames = source?.sentFrames ?? 0;
    const snapshot: SnapshotMessage = {
      type: 'snapshot',
      seq: this.seq++,
      sampledAt: at,
      sockets: samples,
      traffic: source
        ? { sentFrames, pps: perSecond(sentFrames - (this.previous?.sentFrames ?? sentFrames), seconds) }
        : null,
      programs: this.programs(),
    };
    if (this.links) snapshot.links = this.links();
    this.previous = { at, totals, producers, sentFrames };
    return { snapshot, owners };
  }
}
