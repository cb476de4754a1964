import { inspect } from 'node:util';
import { chunkOf, type RingState, type SocketConfig, type UmemConfig } from '@ringside/shared';
import { Control, Counter, ringCache, STAGE_BITS, type StageName } from '../dataplane/control.ts';
import { DataplaneWorker } from '../dataplane/dataplane-worker.ts';
import type { UdpFrameSpec } from '../dataplane/frames.ts';
import type { Workload } from '../dataplane/pipeline.ts';
import type { DataplanePlan } from '../dataplane/plan.ts';
import type { XdpStatisticsWords } from '../native/libc.ts';
import type { RingLayout } from '../native/libxdp.ts';
import { ringMemoryAt } from '../native/ring-memory.ts';
import { observeRing, type RingEntries, readRingEntries } from '../sampler/ring-observer.ts';
import { deriveOwners, type LedgerView } from '../xsk/ledger.ts';
import type { RingMemory } from '../xsk/ring.ts';
import { type SocketPlacement, XskSocket } from '../xsk/socket.ts';
import { Umem, XskConfigError } from '../xsk/umem.ts';

export interface SocketTotals {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  completed: number;
  wakeups: number;
  idleWaits: number;
}

export interface RingsObserved {
  fill: RingState;
  rx: RingState | null;
  tx: RingState | null;
  completion: RingState;
}

export interface SocketObservation {
  rings: RingsObserved;
  stats: XdpStatisticsWords;
  totals: SocketTotals;
}

/** A consistent picture of the rings, their contents and every frame's owner. */
export interface DetailedObservation extends SocketObservation {
  entries: { fill: RingEntries; rx: RingEntries | null; tx: RingEntries | null; completion: RingEntries };
  ledger: LedgerView;
  /** False when the worker kept moving frames through every retry; the counts may then be off by a batch. */
  consistent: boolean;
}

export interface ManagedSocketSpec {
  id: string;
  umem: UmemConfig;
  socket: SocketConfig;
  placement: SocketPlacement;
  workload: Workload;
  frame?: Omit<UdpFrameSpec, 'length'>;
  /** Writes the worker's first control words (rate, frame length, paused stages...). */
  setup?: (control: Int32Array) => void;
  /** A UMEM registered beforehand (to learn the kernel's verdict on it before an old socket makes way). */
  registeredUmem?: Umem;
}

interface ObservedRings {
  fill: RingMemory;
  completion: RingMemory;
  rx: RingMemory | null;
  tx: RingMemory | null;
}

/**
 * A worker batch takes microseconds, but on two cores the worker can be
 * preempted mid-batch for a scheduler tick or more: a read waits that long for
 * a quiet moment, then reports itself inconsistent.
 */
/**
 * The kernel frees a queue after its socket closes from a workqueue, not at
 * close: a socket rebinding the queue it just left may see EBUSY for a moment.
 */
const QUEUE_RELEASE_WAIT_MS = 1000;

async function bindWhenQueueFree(umem: Umem, spec: ManagedSocketSpec): Promise<XskSocket> {
  const deadline = Date.now() + QUEUE_RELEASE_WAIT_MS;
  for (;;) {
    try {
      return XskSocket.create(umem, spec.socket, spec.placement);
    } catch (error) {
      if (!(error instanceof XskConfigError && error.code === 'EBUSY') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const CONSISTENT_READ_BUDGET_MS = 20;
/** How long to sleep while the worker is mid-batch, rather than spin against it for the core. */
const MID_BATCH_WAIT_MS = 0.05;

/**
 * One UMEM, one socket on it and the worker that drives them. Built in that
 * order and torn down in reverse: the worker must be gone before the rings it
 * points into are unmapped.
 */
export class ManagedSocket {
  private readonly observed: ObservedRings;
  private readonly ledger: Uint8Array;
  /** Set before teardown starts: the views below point into memory that is about to be unmapped. */
  private destroyed = false;

  private constructor(
    readonly spec: ManagedSocketSpec,
    readonly umem: Umem,
    readonly socket: XskSocket,
    readonly worker: DataplaneWorker,
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
    this.ledger = new Uint8Array(blocks.ledger);
  }

  static async start(spec: ManagedSocketSpec, onWorkerError: (error: Error) => void): Promise<ManagedSocket> {
    const umem = spec.registeredUmem ?? Umem.create(spec.umem, spec.placement.namespacePath);
    let socket: XskSocket | null = null;
    try {
      socket = await bindWhenQueueFree(umem, spec);
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
        frame: spec.frame ?? null,
      };
      const worker = await DataplaneWorker.start(plan, spec.umem.frameCount, spec.setup ?? (() => {}), onWorkerError);
      const { registeredUmem: _, ...kept } = spec;
      return new ManagedSocket(kept, umem, socket, worker);
    } catch (error) {
      socket?.destroy();
      umem.destroy();
      throw error;
    }
  }

  get id(): string {
    return this.spec.id;
  }

  get workload(): Workload {
    return this.spec.workload;
  }

  /** Stops the stages named (the data plane's own consequences follow: FILL runs dry, RX fills...). */
  pause(stages: readonly StageName[]): void {
    const bits = stages.reduce((mask, stage) => mask | STAGE_BITS[stage], 0);
    Atomics.or(this.worker.control, Control.PAUSED_STAGES, bits);
  }

  resume(stages: readonly StageName[]): void {
    const bits = stages.reduce((mask, stage) => mask | STAGE_BITS[stage], 0);
    Atomics.and(this.worker.control, Control.PAUSED_STAGES, ~bits);
    Atomics.notify(this.worker.control, Control.STEP_REQUESTS);
  }

  pausedStages(): StageName[] {
    const paused = Atomics.load(this.worker.control, Control.PAUSED_STAGES);
    return (Object.keys(STAGE_BITS) as StageName[]).filter((stage) => (paused & STAGE_BITS[stage]) !== 0);
  }

  /** Runs one batch of every stage, paused or not; resolves once the worker has done it. */
  async step(): Promise<void> {
    const control = this.worker.control;
    const target = Atomics.add(control, Control.STEP_REQUESTS, 1) + 1;
    Atomics.notify(control, Control.STEP_REQUESTS);
    while (Atomics.load(control, Control.STEPS_DONE) !== target) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  observe(): SocketObservation {
    this.assertAlive();
    return { rings: this.readRings(), stats: this.socket.statistics(), totals: this.totals() };
  }

  /**
   * Kernel-written producers (RX, COMPLETION) are read before kernel-written
   * consumers (FILL, TX): a frame moving meanwhile is then missed in a ring,
   * never counted in two.
   */
  private readRings(): RingsObserved {
    const { fill, completion, rx, tx } = this.observed;
    const rxState = rx ? observeRing(rx, 'consumer') : null;
    const completionState = observeRing(completion, 'consumer');
    return {
      rx: rxState,
      completion: completionState,
      fill: observeRing(fill, 'producer'),
      tx: tx ? observeRing(tx, 'producer') : null,
    };
  }

  /**
   * Rings, ring contents and ledger at one instant, without stopping the data
   * plane: a seqlock read against the worker's generation counter, retried
   * while the worker is mid-batch, for at most CONSISTENT_READ_BUDGET_MS.
   */
  observeInDetail(): DetailedObservation {
    this.assertAlive();
    const control = this.worker.control;
    const { fill, completion, rx, tx } = this.observed;
    const frameSize = this.umem.config.frameSize;
    const frames = (ring: RingEntries) => ({
      frames: ring.addresses.map((address) => chunkOf(address, frameSize)),
    });
    const deadline = performance.now() + CONSISTENT_READ_BUDGET_MS;
    for (;;) {
      const before = Atomics.load(control, Control.GENERATION);
      const outOfTime = performance.now() > deadline;
      if (before & 1 && !outOfTime) {
        Atomics.wait(control, Control.GENERATION, before, MID_BATCH_WAIT_MS);
        continue;
      }
      const rings = this.readRings();
      const entries = {
        fill: readRingEntries(fill, rings.fill.consumer, rings.fill.producer, 'address'),
        rx: rx && rings.rx ? readRingEntries(rx, rings.rx.consumer, rings.rx.producer, 'descriptor') : null,
        tx: tx && rings.tx ? readRingEntries(tx, rings.tx.consumer, rings.tx.producer, 'descriptor') : null,
        completion: readRingEntries(completion, rings.completion.consumer, rings.completion.producer, 'address'),
      };
      const appStates = this.ledger.slice();
      const consistent = !(before & 1) && Atomics.load(control, Control.GENERATION) === before;
      if (!consistent && !outOfTime) continue;
      const ledger = deriveOwners({
        appStates,
        fill: frames(entries.fill),
        rx: entries.rx ? frames(entries.rx) : null,
        tx: entries.tx ? frames(entries.tx) : null,
        completion: frames(entries.completion),
      });
      return { rings, stats: this.socket.statistics(), totals: this.totals(), entries, ledger, consistent };
    }
  }

  private totals(): SocketTotals {
    const counters = this.worker.counters;
    return {
      rxPackets: counters[Counter.RX_PACKETS] as number,
      rxBytes: counters[Counter.RX_BYTES] as number,
      txPackets: counters[Counter.TX_PACKETS] as number,
      txBytes: counters[Counter.TX_BYTES] as number,
      completed: counters[Counter.COMPLETED] as number,
      wakeups: counters[Counter.WAKEUPS] as number,
      idleWaits: counters[Counter.IDLE_WAITS] as number,
    };
  }

  /** Reading a destroyed socket's rings would read unmapped memory: a crash, not an error. */
  private assertAlive(): void {
    if (this.destroyed) throw new Error(`socket ${this.id} was destroyed`);
  }

  /** For logs and test output: never the ring views, which may outlive their mapping. */
  [inspect.custom](): string {
    return `ManagedSocket { id: ${this.id}, workload: ${this.workload}${this.destroyed ? ', destroyed' : ''} }`;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.worker.stop();
    this.socket.destroy();
    this.umem.destroy();
  }
}
