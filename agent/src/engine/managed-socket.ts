import type { RingState, SocketConfig, UmemConfig } from '@ringside/shared';
import { Counter, ringCache } from '../dataplane/control.ts';
import { DataplaneWorker } from '../dataplane/dataplane-worker.ts';
import type { UdpFrameSpec } from '../dataplane/frames.ts';
import type { DataplanePlan } from '../dataplane/plan.ts';
import type { XdpStatisticsWords } from '../native/libc.ts';
import type { RingLayout } from '../native/libxdp.ts';
import { ringMemoryAt } from '../native/ring-memory.ts';
import { observeRing } from '../sampler/ring-observer.ts';
import type { RingMemory } from '../xsk/ring.ts';
import { type SocketPlacement, XskSocket } from '../xsk/socket.ts';
import { Umem } from '../xsk/umem.ts';

export interface SocketTotals {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  wakeups: number;
}

export interface SocketObservation {
  rings: { fill: RingState | null; rx: RingState | null; tx: RingState | null; completion: RingState | null };
  stats: XdpStatisticsWords;
  totals: SocketTotals;
}

export interface ManagedSocketSpec {
  id: string;
  umem: UmemConfig;
  socket: SocketConfig;
  placement: SocketPlacement;
  workload: DataplanePlan['workload'];
  frame?: Omit<UdpFrameSpec, 'length'>;
  /** Writes the worker's first control words (rate, frame length...). */
  setup?: (control: Int32Array) => void;
}

interface ObservedRings {
  fill: RingMemory;
  completion: RingMemory;
  rx: RingMemory | null;
  tx: RingMemory | null;
}

/**
 * One UMEM, one socket on it and the worker that drives them. Built in that
 * order and torn down in reverse: the worker must be gone before the rings it
 * points into are unmapped.
 */
export class ManagedSocket {
  private readonly observed: ObservedRings;

  private constructor(
    readonly id: string,
    readonly umem: Umem,
    readonly socket: XskSocket,
    readonly worker: DataplaneWorker,
    readonly workload: DataplanePlan['workload'],
  ) {
    const blocks = worker.blocks;
    const descriptors = (layout: RingLayout | null, ring: 'rx' | 'tx') =>
      layout ? ringMemoryAt(layout, 'descriptor', ringCache(blocks, ring)) : null;
    this.observed = {
      fill: ringMemoryAt(umem.fillLayout, 'address', ringCache(blocks, 'fill')),
      completion: ringMemoryAt(umem.completionLayout, 'address', ringCache(blocks, 'completion')),
      rx: descriptors(socket.rxLayout, 'rx'),
      tx: descriptors(socket.txLayout, 'tx'),
    };
  }

  static async start(spec: ManagedSocketSpec, onWorkerError: (error: Error) => void): Promise<ManagedSocket> {
    const umem = Umem.create(spec.umem, spec.placement.namespacePath);
    let socket: XskSocket | null = null;
    try {
      socket = XskSocket.create(umem, spec.socket, spec.placement);
      const plan: Omit<DataplanePlan, 'blocks'> = {
        workload: spec.workload,
        umem: {
          address: umem.address,
          length: umem.length,
          frameSize: spec.umem.frameSize,
          frameCount: spec.umem.frameCount,
        },
        fill: umem.fillLayout,
        completion: umem.completionLayout,
        socket: { fd: socket.fd, rx: socket.rxLayout, tx: socket.txLayout, needWakeup: spec.socket.needWakeup },
        batchSize: spec.socket.batchSize,
        ...(spec.frame ? { frame: spec.frame } : {}),
      };
      const worker = await DataplaneWorker.start(plan, spec.setup ?? (() => {}), onWorkerError);
      return new ManagedSocket(spec.id, umem, socket, worker, spec.workload);
    } catch (error) {
      socket?.destroy();
      umem.destroy();
      throw error;
    }
  }

  observe(): SocketObservation {
    const counters = this.worker.counters;
    const { fill, completion, rx, tx } = this.observed;
    return {
      rings: {
        fill: observeRing(fill, 'producer'),
        rx: rx ? observeRing(rx, 'consumer') : null,
        tx: tx ? observeRing(tx, 'producer') : null,
        completion: observeRing(completion, 'consumer'),
      },
      stats: this.socket.statistics(),
      totals: {
        rxPackets: counters[Counter.RX_PACKETS] as number,
        rxBytes: counters[Counter.RX_BYTES] as number,
        txPackets: counters[Counter.TX_PACKETS] as number,
        txBytes: counters[Counter.TX_BYTES] as number,
        wakeups: counters[Counter.WAKEUPS] as number,
      },
    };
  }

  async destroy(): Promise<void> {
    await this.worker.stop();
    this.socket.destroy();
    this.umem.destroy();
  }
}
