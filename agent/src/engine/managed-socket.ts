import { inspect } from 'node:util';
import type { KernelMismatch, KernelView, SocketRequest, TxDescriptor, UmemConfig, Workload } from '@ringside/shared';
import {
  Control,
  type ControlWord,
  type LaneBlocks,
  STAGE_BITS,
  type StageName,
  stageBits,
} from '../dataplane/control.ts';
import { TxTableRefused, txTableProblems, writeTxTable } from '../dataplane/tx-descriptors.ts';
import { kernelMismatches } from '../observe/kernel-mismatches.ts';
import { unreadKernelView } from '../observe/kernel-view.ts';
import { readKernelView } from '../observe/read-kernel-view.ts';
import { type DetailedObservation, type SocketObservation, SocketObserver } from '../observe/socket-observer.ts';
import type { XskSocket } from '../xsk/socket.ts';
import type { Umem } from '../xsk/umem.ts';
import { type LaneRecord, type MemberSpec, UmemGroup } from './umem-group.ts';

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
}

/**
 * One socket on a UMEM, driven by the UMEM's worker. A UMEM of its own is
 * made with it (`start`); a socket sharing another's UMEM joins that group
 * (`join`). Reading a socket reads the rings it uses: its RX and TX and the
 * FILL/COMPLETION pair of its (netdev, queue).
 */
export class ManagedSocket {
  readonly worker: LaneHandle;
  /** Its rings, owners and counters, read through its UMEM's one reader. */
  readonly observer: SocketObserver;
  /** Set before teardown starts: the views below point into memory that is about to be unmapped. */
  private destroyed = false;
  /** What the kernel showed when last asked (readKernelView), and where that differs from the request. */
  private kernelReading: { view: KernelView; mismatches: KernelMismatch[] } = {
    view: unreadKernelView(Date.now(), 'not read yet'),
    mismatches: [],
  };

  private constructor(
    readonly spec: MemberSpec,
    readonly group: UmemGroup,
    private readonly lane: LaneRecord,
  ) {
    this.worker = new LaneHandle(lane.blocks, group);
    this.observer = new SocketObserver(spec.id, group.observer, this.worker.counters, () => lane.socket.statistics());
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
    Atomics.or(this.worker.control, Control.PAUSED_STAGES, stageBits(stages));
  }

  resume(stages: readonly StageName[]): void {
    Atomics.and(this.worker.control, Control.PAUSED_STAGES, ~stageBits(stages));
    this.group.wake();
  }

  pausedStages(): StageName[] {
    const paused = Atomics.load(this.worker.control, Control.PAUSED_STAGES);
    return (Object.keys(STAGE_BITS) as StageName[]).filter((stage) => (paused & STAGE_BITS[stage]) !== 0);
  }

  /** Runs one batch of the stages named (every stage when none are), paused or not; resolves once done. */
  async step(stages?: readonly StageName[]): Promise<void> {
    const control = this.worker.control;
    Atomics.store(control, Control.STEP_STAGES, stages ? stageBits(stages) : 0);
    const target = Atomics.add(control, Control.STEP_REQUESTS, 1) + 1;
    this.group.wake();
    while (Atomics.load(control, Control.STEPS_DONE) !== target) {
      this.assertAlive();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Rings, owners and counters now, blocking for at most a short budget while
   * the data plane is mid-batch (UmemObserver.readNow): for callers that
   * cannot wait. Snapshots and metrics read through `observer`, which waits
   * without blocking the thread.
   */
  observe(): SocketObservation {
    this.assertAlive();
    return this.observer.observeNow();
  }

  /** observe(), and every entry of the socket's rings as well (inspection). */
  observeInDetail(): DetailedObservation {
    this.assertAlive();
    return this.observer.observeInDetailNow();
  }

  /**
   * Asks the kernel about this socket now (see readKernelView: not per
   * snapshot) and holds its answer to `request`.
   */
  readKernelView(request: Pick<SocketRequest, 'socket' | 'umem'>): { view: KernelView; mismatches: KernelMismatch[] } {
    this.assertAlive();
    const view = readKernelView({
      fd: this.socket.fd,
      ifname: this.socket.config.ifname,
      queueId: this.socket.config.queueId,
      namespacePath: this.spec.placement.namespacePath,
      rings: { fill: this.lane.pair.fill, rx: this.lane.rx, tx: this.lane.tx },
    });
    this.kernelReading = { view, mismatches: kernelMismatches(request, view) };
    return this.kernelReading;
  }

  /** The kernel's view as last read, and where it differs from the request. */
  get kernel(): { view: KernelView; mismatches: KernelMismatch[] } {
    return this.kernelReading;
  }

  /** Reading the view failed (the engine raises a fault): the view says so, and the socket runs on. */
  kernelViewUnread(why: string): void {
    this.kernelReading = { view: unreadKernelView(Date.now(), why), mismatches: [] };
  }

  /**
   * Posts `descriptors` on TX as given, in order, in one go (tx-descriptors.ts);
   * returns the count of tables the worker has posted once this one is, to wait on
   * (txTablesPosted). Refused, it leaves the socket as it was.
   */
  sendTxDescriptors(descriptors: readonly TxDescriptor[]): number {
    this.assertAlive();
    const control = this.worker.control;
    const problems = txTableProblems(descriptors.length, {
      socketId: this.id,
      txRingSize: this.lane.tx?.size ?? 0,
      rxRingSize: this.lane.rx?.size ?? 0,
      sharingWith: this.group.socketIds.filter((id) => id !== this.id),
      pending: Atomics.load(control, Control.TX_TABLE_LENGTH),
    });
    if (problems.length > 0) throw new TxTableRefused(problems);
    const posted = Atomics.load(control, Control.TX_TABLES_POSTED) + 1;
    writeTxTable(this.lane.blocks.txTable, control, descriptors);
    this.group.wake();
    return posted;
  }

  /** Tables of TX descriptors the worker has posted so far. */
  get txTablesPosted(): number {
    return Atomics.load(this.worker.control, Control.TX_TABLES_POSTED);
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
