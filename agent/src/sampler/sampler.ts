import type { SnapshotMessage, SocketSample, XdpActionCounters } from '@ringside/shared';
import type { ManagedSocket, SocketTotals } from '../engine/managed-socket.ts';
import type { TrafficSource } from '../lab/traffic-source.ts';

interface Previous {
  at: number;
  totals: Map<string, SocketTotals>;
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
    private readonly sockets: () => readonly ManagedSocket[],
    private readonly traffic: () => TrafficSource | null,
    private readonly programs: () => XdpActionCounters[] = () => [],
  ) {}

  /** One reading of every socket: the snapshot, and each socket's per-frame owners for the UMEM map. */
  sample(): { snapshot: SnapshotMessage; owners: Map<string, Uint8Array> } {
    const owners = new Map<string, Uint8Array>();
    const at = Date.now();
    const seconds = this.previous ? (at - this.previous.at) / 1000 : 0;
    const totals = new Map<string, SocketTotals>();
    const samples: SocketSample[] = this.sockets().map((managed) => {
      const observation = managed.observeOwners(this.seq);
      totals.set(managed.id, observation.totals);
      owners.set(managed.id, observation.ledger.owners);
      const before = this.previous?.totals.get(managed.id) ?? observation.totals;
      return {
        socketId: managed.id,
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
        pausedStages: managed.pausedStages(),
      };
    });
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
    this.previous = { at, totals, sentFrames };
    return { snapshot, owners };
  }
}
