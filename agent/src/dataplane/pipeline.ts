import type { Workload } from '@ringside/shared';
import { Control, Counter, Stage, UmemControl } from './control.ts';
import type { UdpFrameTemplate } from './frames.ts';
import {
  type Doorbells,
  ExtraCopies,
  Handovers,
  Lane,
  type LaneRings,
  Pair,
  type PairSetup,
  type UmemSetup,
} from './handovers.ts';
import { ReceivedFrameInspection } from './inspection.ts';
import { L2Fwd } from './l2fwd.ts';
import { RxDrop } from './rxdrop.ts';
import { TeachingFaults } from './teaching-faults.ts';
import { TxDescriptorTables } from './tx-descriptors.ts';
import { ChainGenerations, type Clock, TxOnly } from './txonly.ts';
import type { LaneWorkload } from './workload.ts';

/** One socket on the UMEM: its RX and TX rings and the work it does. */
export interface LaneSetup extends LaneRings {
  /** The slot of the pair serving this socket's (netdev, queue). */
  pair: number;
  workload: Workload;
  /** The frame a txonly workload sends (its length comes from the control block). */
  frame: UdpFrameTemplate | null;
  capture: SharedArrayBuffer;
  /** A table of TX descriptors to post as given (tx-descriptors.ts). */
  txTable: SharedArrayBuffer;
}

export interface PipelineSetup extends UmemSetup {
  pairs: readonly PairSetup[];
  lanes: readonly LaneSetup[];
}

/** How an idle worker sleeps: injected like the doorbells, so the loop runs over in-memory rings in tests. */
export interface IdleWaits {
  /**
   * The longest quiet spell spun through rather than slept in (run()). Even at 0 a spell's first empty round
   * does not sleep: it starts the spell's clock, which is how a loop that slept learns its spells got short.
   */
  readonly spinWindowMs: number;
  /** Until the main thread bumps UmemControl.WAKE, or `timeoutMs`. */
  awaitCommand(timeoutMs: number): void;
  /** Until one of these sockets has received something, or `timeoutMs`. */
  awaitReceive(fds: readonly number[], timeoutMs: number): void;
}

const ALL_STAGES = Stage.FILL_REFILL | Stage.RX_DRAIN | Stage.TX_SUBMIT | Stage.COMPLETION_REAP;
const PAIR_STAGES = Stage.FILL_REFILL | Stage.COMPLETION_REAP;
const IDLE_POLL_MS = 20;
/** Several receivers: a short poll over all, so a command (WAKE) is never kept waiting long. */
const MULTI_RECEIVER_POLL_MS = 2;

function workloadOf(setup: LaneSetup, umem: Uint8Array, clock: Clock, generations: ChainGenerations): LaneWorkload {
  switch (setup.workload) {
    case 'rxdrop':
      return new RxDrop();
    case 'txonly':
      return new TxOnly(setup.frame, setup.batchSize, umem, clock, generations);
    case 'l2fwd':
      return new L2Fwd();
  }
}

/**
 * The frames of one UMEM moving through its rings, driven by this one thread
 * (each ring has one producer and one consumer): every FILL/COMPLETION pair
 * the UMEM is bound with and the RX/TX rings of every socket on it. Each
 * round runs the stages no socket paused (or a step asked for): COMPLETION →
 * free pool, RX → free pool or application, free pool or application → TX
 * (the workload's choice, or a fault the user asked for), free pool → FILL;
 * then rings the doorbells; a round that moved nothing sleeps.
 */
export class FramePipeline {
  private readonly handovers: Handovers;
  private readonly pairs: Pair[];
  private readonly lanes: Lane[];
  private readonly workloads: LaneWorkload[];
  private readonly templates: (UdpFrameTemplate | null)[];
  private readonly copies = new ExtraCopies();
  private readonly faults = new TeachingFaults(this.copies);
  private readonly tables = new TxDescriptorTables(this.copies);
  private readonly txTables: Uint32Array[];
  private readonly rxFds: number[];

  constructor(
    private readonly setup: PipelineSetup,
    private readonly doorbells: Doorbells & IdleWaits,
    private readonly clock: Clock = performance,
  ) {
    this.pairs = setup.pairs.map((pair) => new Pair(pair));
    const generations = new ChainGenerations();
    this.workloads = setup.lanes.map((lane) => workloadOf(lane, setup.umem, clock, generations));
    this.templates = setup.lanes.map((lane) => lane.frame);
    this.txTables = setup.lanes.map((lane) => new Uint32Array(lane.txTable));
    this.lanes = setup.lanes.map((lane, i) => {
      const pair = this.pairs.find((candidate) => candidate.slot === lane.pair);
      if (!pair) throw new Error(`socket lane ${lane.slot} names pair ${lane.pair}, which is not in the plan`);
      const workload = this.workloads[i] as LaneWorkload;
      const inspection = new ReceivedFrameInspection(setup.umem, lane.control, lane.counters, lane.capture);
      return new Lane(lane, pair, workload.wantsReceived, workload.keepsReceived, inspection);
    });
    this.handovers = new Handovers(setup, this.pairs, this.lanes, doorbells, this.copies);
    this.rxFds = this.lanes.filter((lane) => lane.rx).map((lane) => lane.fd);
  }

  /**
   * Runs until told to stop. Never yields: commands arrive through the
   * control blocks. A quiet spell (the empty rounds between two that moved
   * frames) is spun through for up to the spin window when the spell before
   * it was that short too; otherwise the loop sleeps at once. So a saturated
   * socket spins, as xdpsock does, and a sparse one pays one spell's window
   * at most when its traffic thins.
   */
  run(): void {
    const { clock } = this;
    const { spinWindowMs } = this.doorbells;
    let quiet = true;
    let quietSince = clock.now();
    let spinUntil = 0;
    let lastSpellShort = false;
    while (Atomics.load(this.setup.control, UmemControl.STOP) === 0) {
      if (this.round() > 0) {
        if (quiet) {
          quiet = false;
          lastSpellShort = clock.now() - quietSince <= spinWindowMs;
        }
      } else if (!quiet) {
        // Rounds that move frames read no clock: only a spell's start and end, and its empty rounds, do.
        quiet = true;
        quietSince = clock.now();
        spinUntil = lastSpellShort ? quietSince + spinWindowMs : quietSince;
      } else if (clock.now() >= spinUntil) this.idle();
    }
  }

  /** One pass over every stage; returns how many frames moved. */
  round(): number {
    const { handovers, pairs, lanes } = this;
    this.readControls();
    let work = 0;
    for (const pair of pairs) if (!(pair.paused & Stage.COMPLETION_REAP)) work += handovers.reapCompletion(pair);
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i] as Lane;
      if (!(lane.paused & Stage.RX_DRAIN)) work += handovers.drainRx(lane);
      if (!(lane.paused & Stage.TX_SUBMIT)) work += this.submitTx(lane, i);
    }
    for (const pair of pairs) {
      if (!(pair.paused & Stage.FILL_REFILL))
        work += this.faults.postInvalidFill(handovers, pair) + handovers.refillFill(pair);
    }
    for (const lane of lanes) {
      handovers.kick(lane);
      if (lane.stepping) Atomics.store(lane.control, Control.STEPS_DONE, lane.stepTarget);
    }
    return work;
  }

  private submitTx(lane: Lane, i: number): number {
    if (!lane.tx) return 0;
    if (this.faults.asked(lane)) return this.faults.make(this.handovers, lane, this.templates[i] ?? null);
    // A table waiting for its frames or for room holds the workload back: it goes first, whole.
    if (this.tables.pending(lane))
      return this.tables.post(this.handovers, lane, this.txTables[i] as Uint32Array, this.templates[i] ?? null);
    return (this.workloads[i] as LaneWorkload).send(this.handovers, lane);
  }

  /** Paused stages, less those a step asked for; a pair's stage paused by any of its sockets is paused. */
  private readControls(): void {
    for (const pair of this.pairs) pair.paused = 0;
    for (const lane of this.lanes) {
      const requested = Atomics.load(lane.control, Control.STEP_REQUESTS);
      lane.stepping = requested !== Atomics.load(lane.control, Control.STEPS_DONE);
      lane.stepTarget = requested;
      const paused = Atomics.load(lane.control, Control.PAUSED_STAGES);
      const stepped = Atomics.load(lane.control, Control.STEP_STAGES) || ALL_STAGES;
      lane.paused = lane.stepping ? paused & ~stepped : paused;
      lane.pair.paused |= lane.paused & PAIR_STAGES;
    }
  }

  /** Nothing moved: sleep until the kernel has something for us, or briefly, so an idle loop costs no CPU. */
  private idle(): void {
    const { lanes, handovers } = this;
    let sendWaitMs = Number.POSITIVE_INFINITY;
    let receiving = false;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i] as Lane;
      // The kernel still has frames to send: go round again and kick it.
      if (lane.tx && lane.tx.sharedProducer() !== lane.tx.sharedConsumer()) return;
      sendWaitMs = Math.min(sendWaitMs, (this.workloads[i] as LaneWorkload).sendWaitMs(handovers, lane));
      receiving ||= lane.rx !== null && !(lane.paused & Stage.RX_DRAIN);
    }
    for (const lane of lanes) lane.counters[Counter.IDLE_WAITS] = (lane.counters[Counter.IDLE_WAITS] as number) + 1;
    if (sendWaitMs !== Number.POSITIVE_INFINITY) this.doorbells.awaitCommand(sendWaitMs);
    else if (receiving)
      this.doorbells.awaitReceive(this.rxFds, this.rxFds.length === 1 ? IDLE_POLL_MS : MULTI_RECEIVER_POLL_MS);
    else this.doorbells.awaitCommand(IDLE_POLL_MS);
  }
}
