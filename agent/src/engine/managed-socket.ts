import { inspect } from 'node:util';
import type { RingState, UmemConfig } from '@ringside/shared';
import {
  Control,
  type ControlWord,
  Counter,
  type LaneBlocks,
  STAGE_BITS,
  type StageName,
} from '../dataplane/control.ts';
import type { Workload } from '../dataplane/pipeline.ts';
import type { XdpStatisticsWords } from '../native/libc.ts';
import { observeRing, type RingEntries } from '../sampler/ring-observer.ts';
import { type LedgerView, laneView } from '../xsk/ledger.ts';
import type { XskSocket } from '../xsk/socket.ts';
import type { Umem } from '../xsk/umem.ts';
import { type GroupReading, type LaneRecord, type MemberSpec, UmemGroup } from './umem-group.ts';

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

/** A consistent picture of the rings and every frame's owner. */
export interface OwnersObservation extends SocketObservation {
  /** This socket's view: frames another socket of a shared UMEM holds are `other-socket`. */
  ledger: LedgerView;
  /** False when the worker kept moving frames through every retry; the counts may then be off by a batch. */
  consistent: boolean;
}

/** The same, with every entry of the socket's rings. */
export interface DetailedObservation extends OwnersObservation {
  entries: { fill: RingEntries; rx: RingEntries | null; tx: RingEntries | null; completion: RingEntries };
}

export interface ManagedSocketSpec extends MemberSpec {
  umem: UmemConfig;
}

/** The main thread's handle on one socket's control words and counters in the UMEM's worker. */
export class LaneHandle {
  readonly control: Int32Array;
  readonly counters: Float64Array;

  constructor(
    readonly blocks: LaneBlocks,
    private readonly group: UmemGroup,
  ) {
    this.control = new Int32Array(blocks.control);
    this.counters = new Float64Array(blocks.counters);
  }

  set(word: ControlWord, value: number): void {
    Atomics.store(this.control, word, value);
    this.group.wake();
  }

  add(word: ControlWord, value: number): void {
    Atomics.add(this.control, word, value);
    this.group.wake();
  }

  get(word: ControlWord): number {
    return Atomics.load(this.control, word);
  }
}

/**
 * One socket on a UMEM, driven by the UMEM's worker. A UMEM of its own is
 * made with it (`start`); a socket sharing another's UMEM joins that group
 * (`join`). Reading a socket reads the rings it uses: its RX and TX and the
 * FILL/COMPLETION pair of its (netdev, queue).
 */
export class ManagedSocket {
  readonly worker: LaneHandle;
  /** This socket's view of the last UMEM reading it was asked about. */
  private lastView: { reading: GroupReading; ledger: LedgerView } | null = null;
  /** Set before teardown starts: the views below point into memory that is about to be unmapped. */
  private destroyed = false;

  private constructor(
    readonly spec: MemberSpec,
    readonly group: UmemGroup,
    private readonly lane: LaneRecord,
  ) {
    this.worker = new LaneHandle(lane.blocks, group);
  }

  /** A socket on a new UMEM of its own (the usual case), or on a UMEM registered beforehand. */
  static async start(
    spec: ManagedSocketSpec,
    onWorkerError: (error: Error) => void,
    options: { umemId?: string; registeredUmem?: Umem } = {},
  ): Promise<ManagedSocket> {
    const { umem, ...member } = spec;
    const group = UmemGroup.create(
      options.umemId ?? `umem-${spec.id}`,
      umem,
      spec.placement.namespacePath,
      onWorkerError,
      options.registeredUmem,
    );
    try {
      return await ManagedSocket.join(group, member);
    } catch (error) {
      await group.destroy();
      throw error;
    }
  }

  /** A socket sharing `group`'s UMEM (XDP_SHARED_UMEM). */
  static async join(group: UmemGroup, spec: MemberSpec): Promise<ManagedSocket> {
    const lane = await group.join(spec);
    return new ManagedSocket(spec, group, lane);
  }

  get id(): string {
    return this.spec.id;
  }

  get workload(): Workload {
    return this.spec.workload;
  }

  get umem(): Umem {
    return this.group.umem;
  }

  get socket(): XskSocket {
    return this.lane.socket;
  }

  /** Stops the stages named (the data plane's own consequences follow: FILL runs dry, RX fills...). */
  pause(stages: readonly StageName[]): void {
    const bits = stages.reduce((mask, stage) => mask | STAGE_BITS[stage], 0);
    Atomics.or(this.worker.control, Control.PAUSED_STAGES, bits);
  }

  resume(stages: readonly StageName[]): void {
    const bits = stages.reduce((mask, stage) => mask | STAGE_BITS[stage], 0);
    Atomics.and(this.worker.control, Control.PAUSED_STAGES, ~bits);
    this.group.wake();
  }

  pausedStages(): StageName[] {
    const paused = Atomics.load(this.worker.control, Control.PAUSED_STAGES);
    return (Object.keys(STAGE_BITS) as StageName[]).filter((stage) => (paused & STAGE_BITS[stage]) !== 0);
  }

  /** Runs one batch of the stages named (every stage when none are), paused or not; resolves once done. */
  async step(stages?: readonly StageName[]): Promise<void> {
    const control = this.worker.control;
    Atomics.store(control, Control.STEP_STAGES, stages ? stages.reduce((mask, s) => mask | STAGE_BITS[s], 0) : 0);
    const target = Atomics.add(control, Control.STEP_REQUESTS, 1) + 1;
    this.group.wake();
    while (Atomics.load(control, Control.STEPS_DONE) !== target) {
      this.assertAlive();
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
    const { pair, rx, tx } = this.lane;
    const rxState = rx ? observeRing(rx, 'consumer') : null;
    const completionState = observeRing(pair.completion, 'consumer');
    return {
      rx: rxState,
      completion: completionState,
      fill: observeRing(pair.fill, 'producer'),
      tx: tx ? observeRing(tx, 'producer') : null,
    };
  }

  /**
   * Rings and every frame's owner at one instant, without stopping the data
   * plane (UmemGroup.read): what a snapshot needs. On a shared UMEM the
   * owners are this socket's view: frames another socket holds show as
   * `other-socket`. Reused while nothing moved.
   */
  observeOwners(tick?: number): OwnersObservation {
    this.assertAlive();
    return this.ownersFrom(this.group.read({ entries: false, ...(tick === undefined ? {} : { tick }) }));
  }

  /** observeOwners, and every entry of the socket's rings as well (inspection). */
  observeInDetail(): DetailedObservation {
    this.assertAlive();
    const reading = this.group.read({ entries: true });
    const observation = this.ownersFrom(reading);
    const lane = reading.lanes.find((entry) => entry.socketId === this.id);
    const pair = reading.pairs.find((entry) => entry.slot === this.lane.pair.slot);
    if (!lane?.entries || !pair?.entries) throw new Error(`socket ${this.id} is not on UMEM ${this.group.id}`);
    return {
      ...observation,
      entries: {
        fill: pair.entries.fill,
        rx: lane.entries.rx,
        tx: lane.entries.tx,
        completion: pair.entries.completion,
      },
    };
  }

  private ownersFrom(reading: GroupReading): OwnersObservation {
    const lane = reading.lanes.find((entry) => entry.socketId === this.id);
    const pair = reading.pairs.find((entry) => entry.slot === this.lane.pair.slot);
    if (!lane || !pair) throw new Error(`socket ${this.id} is not on UMEM ${this.group.id}`);
    if (this.lastView?.reading !== reading) {
      const view = laneView(reading.ledger, { slot: lane.slot, pair: pair.slot });
      this.lastView = { reading, ledger: { ...reading.ledger, owners: view.owners, counts: view.counts } };
    }
    return {
      rings: { fill: pair.states.fill, completion: pair.states.completion, rx: lane.states.rx, tx: lane.states.tx },
      stats: this.socket.statistics(),
      totals: this.totals(),
      ledger: this.lastView.ledger,
      consistent: reading.consistent,
    };
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

  /** Leaves the UMEM; the UMEM goes with its last socket. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.group.leave(this.id);
  }
}
