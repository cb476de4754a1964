import { fstatSync } from 'node:fs';
import { chunkOf, type DataPlaneState, type SocketConfig, type UmemConfig, type Workload } from '@ringside/shared';
import {
  allocateLaneBlocks,
  allocateUmemBlocks,
  type LaneBlocks,
  RING_CACHE_WORDS,
  ringCache,
  type UmemBlocks,
  UmemControl,
} from '../dataplane/control.ts';
import { DataplaneWorker, RUNNING } from '../dataplane/dataplane-worker.ts';
import type { UdpFrameSpec } from '../dataplane/frames.ts';
import type { DataplanePlan } from '../dataplane/plan.ts';
import type { RingLayout } from '../native/libxdp.ts';
import { ringMemoryAt } from '../native/ring-memory.ts';
import { OwnUmemSource } from '../observe/own-umem.ts';
import { observeRing, readRingEntries } from '../observe/ring-observer.ts';
import type { SourceRings } from '../observe/source.ts';
import { UmemObserver } from '../observe/umem-observer.ts';
import { AppState, appStateOf, holderOf, MAX_HOLDERS } from '../xsk/ledger.ts';
import type { RingMemory } from '../xsk/ring.ts';
import { type SocketPlacement, XskSocket } from '../xsk/socket.ts';
import { Umem, XskConfigError } from '../xsk/umem.ts';
import { explainBusyQueue, noteClosedSocket, queueOccupants } from './queue-holders.ts';

/** One socket to put on a UMEM, and the work it does there. */
export interface MemberSpec {
  id: string;
  socket: SocketConfig;
  placement: Omit<SocketPlacement, 'ownFillCompletion'>;
  workload: Workload;
  frame?: Omit<UdpFrameSpec, 'length'>;
  /** Writes the socket's first control words (rate, frame length, paused stages...). */
  setup?: (control: Int32Array) => void;
}

/** A FILL/COMPLETION pair: the UMEM's own, or one a socket brought for another (netdev, queue). */
export interface PairRecord {
  slot: number;
  ifname: string;
  queueId: number;
  fill: RingMemory;
  completion: RingMemory;
  layouts: { fill: RingLayout; completion: RingLayout };
  ringCaches: SharedArrayBuffer;
  lanes: Set<string>;
}

/** A socket on the UMEM: a lane of the UMEM's worker. */
export interface LaneRecord {
  slot: number;
  spec: MemberSpec;
  pair: PairRecord;
  socket: XskSocket;
  /** The socket's inode (its socket:[N]), from fstat at bind: what the queue's EBUSY explanation names once it is closed. */
  inode: number;
  blocks: LaneBlocks;
  rx: RingMemory | null;
  tx: RingMemory | null;
}

/**
 * How long a bind waits for its queue to be freed. The kernel frees it with
 * the last reference to the socket that held it: from a workqueue after
 * close (moments), and only once every duplicate of the socket's fd and
 * mapping of its rings is gone, such as another Ringside agent's watching it
 * until it sees the owner close it (p99 258 ms on a quiet machine, seconds
 * on a loaded one). A queue still busy after this is held on purpose, and
 * the refusal names who holds it.
 */
const QUEUE_RELEASE_WAIT_MS = 10_000;
/** Retries start at 10 ms (a queue is mostly free in moments) and slow to this: a bind costs a socket and its rings. */
const QUEUE_RETRY_MAX_MS = 200;
const pairKey = (ifname: string, queueId: number) => `${ifname}/${queueId}`;

/**
 * One UMEM, every socket on it (XDP_SHARED_UMEM) and the one worker that
 * drives all their rings. Sockets on the same (netdev, queue) share the
 * UMEM's FILL/COMPLETION pair of that queue; a socket on another queue or
 * netdev brings a pair of its own. A socket joining or leaving restarts the
 * worker with the new set of rings; the ledger carries every frame across.
 */
export class UmemGroup {
  private readonly blocks: UmemBlocks;
  private readonly control: Int32Array;
  private readonly ledger: Uint8Array;
  private readonly pairs = new Map<string, PairRecord>();
  private readonly lanes = new Map<string, LaneRecord>();
  private worker: DataplaneWorker | null = null;
  /** Why the last worker the group started did not run; null once one runs. */
  private startFailure: DataPlaneState | null = null;
  /** The one reader of this UMEM's rings and ledger. */
  readonly observer: UmemObserver<OwnUmemSource>;
  /** libxdp hands the UMEM's own pair to its first socket only; later pairs come with their socket. */
  private ownPairTaken = false;
  /** The UMEM's first socket: libxdp keeps it (its fd is the UMEM's) until the UMEM goes. */
  ownerId: string | null = null;
  private destroyed = false;

  private constructor(
    readonly id: string,
    readonly umem: Umem,
    private readonly onWorkerError: (error: Error) => void,
  ) {
    this.blocks = allocateUmemBlocks(umem.config.frameCount);
    this.control = new Int32Array(this.blocks.control);
    this.ledger = new Uint8Array(this.blocks.ledger);
    const { frameSize, frameCount } = umem.config;
    this.observer = new UmemObserver(new OwnUmemSource(id, frameSize, frameCount, this.blocks, () => this.rings()));
  }

  static create(
    id: string,
    config: UmemConfig,
    namespacePath: string | null,
    onWorkerError: (error: Error) => void,
    registered?: Umem,
  ): UmemGroup {
    return new UmemGroup(id, registered ?? Umem.create(config, namespacePath), onWorkerError);
  }

  get config(): UmemConfig {
    return this.umem.config;
  }

  get socketIds(): string[] {
    return [...this.lanes.keys()];
  }

  get isEmpty(): boolean {
    return this.lanes.size === 0;
  }

  /** (netdev, queue) of each FILL/COMPLETION pair and the sockets it serves. */
  describePairs(): { ifname: string; queueId: number; socketIds: string[] }[] {
    return [...this.pairs.values()].map((pair) => ({
      ifname: pair.ifname,
      queueId: pair.queueId,
      socketIds: [...pair.lanes],
    }));
  }

  /** Wakes an idle worker so it reads its control words now. */
  wake(): void {
    Atomics.add(this.control, UmemControl.WAKE, 1);
    Atomics.notify(this.control, UmemControl.WAKE);
  }

  /** Binds a socket on this UMEM and restarts the worker with its rings. */
  async join(spec: MemberSpec): Promise<LaneRecord> {
    if (this.destroyed) throw new Error(`UMEM ${this.id} was destroyed`);
    if (this.lanes.has(spec.id)) throw new Error(`socket ${spec.id} is already on UMEM ${this.id}`);
    this.observer.forget();
    const slot = this.freeSlot();
    const key = pairKey(spec.socket.ifname, spec.socket.queueId);
    const existing = this.pairs.get(key);
    const ownFillCompletion = !existing && this.ownPairTaken;
    const socket = await this.bindWhenQueueFree(spec, ownFillCompletion);
    const pair = existing ?? this.addPair(key, spec.socket, socket);
    const blocks = allocateLaneBlocks(spec.socket.txSize);
    spec.setup?.(new Int32Array(blocks.control));
    const descriptors = (layout: RingLayout | null, ring: 'rx' | 'tx') =>
      layout ? ringMemoryAt(layout, 'descriptor', ringCache(blocks.ringCaches, ring)) : null;
    const lane: LaneRecord = {
      slot,
      spec,
      pair,
      socket,
      inode: fstatSync(socket.fd).ino,
      blocks,
      rx: descriptors(socket.rxLayout, 'rx'),
      tx: descriptors(socket.txLayout, 'tx'),
    };
    this.lanes.set(spec.id, lane);
    pair.lanes.add(spec.id);
    this.ownerId ??= spec.id;
    try {
      await this.restart();
    } catch (error) {
      await this.removeLane(lane);
      // The sockets already here keep running without the one that could not join.
      if (this.lanes.size > 0) await this.restart();
      throw error;
    }
    return lane;
  }

  /** Unbinds one socket; the UMEM goes with its last socket. */
  async leave(socketId: string): Promise<void> {
    const lane = this.lanes.get(socketId);
    if (!lane) return;
    await this.stopWorker();
    await this.removeLane(lane);
    if (this.lanes.size > 0) await this.restart();
    else this.destroyUmem();
  }

  /** Stops everything at once (shutdown). */
  async destroy(): Promise<void> {
    await this.stopWorker();
    for (const lane of [...this.lanes.values()]) await this.removeLane(lane);
    this.destroyUmem();
  }

  /** The rings of every pair and socket now. Their memory is unmapped with the UMEM: none after. */
  private rings(): SourceRings {
    if (this.destroyed) throw new Error(`UMEM ${this.id} was destroyed`);
    return {
      pairs: [...this.pairs.values()],
      sockets: [...this.lanes.values()].map((lane) => ({
        socketId: lane.spec.id,
        slot: lane.slot,
        pair: lane.pair.slot,
        rx: lane.rx,
        tx: lane.tx,
      })),
    };
  }

  private freeSlot(): number {
    const used = new Set([...this.lanes.values()].map((lane) => lane.slot));
    for (let slot = 0; slot < MAX_HOLDERS; slot++) if (!used.has(slot)) return slot;
    throw new XskConfigError(`UMEM ${this.id} already has ${MAX_HOLDERS} sockets, Ringside's limit`, 'ENOSPC');
  }

  private freePairSlot(): number {
    const used = new Set([...this.pairs.values()].map((pair) => pair.slot));
    for (let slot = 0; slot < MAX_HOLDERS; slot++) if (!used.has(slot)) return slot;
    throw new XskConfigError(`UMEM ${this.id} is already bound to ${MAX_HOLDERS} queues`, 'ENOSPC');
  }

  private addPair(key: string, config: SocketConfig, socket: XskSocket): PairRecord {
    const layouts = socket.ownPair ?? { fill: this.umem.fillLayout, completion: this.umem.completionLayout };
    this.ownPairTaken = true;
    const ringCaches = new SharedArrayBuffer(RING_CACHE_WORDS * 4);
    const pair: PairRecord = {
      slot: this.freePairSlot(),
      ifname: config.ifname,
      queueId: config.queueId,
      layouts,
      ringCaches,
      fill: ringMemoryAt(layouts.fill, 'address', ringCache(ringCaches, 'fill')),
      completion: ringMemoryAt(layouts.completion, 'address', ringCache(ringCaches, 'completion')),
      lanes: new Set(),
    };
    // A new pair's rings start empty: their cached words start from the shared ones.
    const fillCache = ringCache(ringCaches, 'fill');
    fillCache[0] = Atomics.load(pair.fill.producer, 0);
    fillCache[1] = (Atomics.load(pair.fill.consumer, 0) + pair.fill.size) >>> 0;
    const completionCache = ringCache(ringCaches, 'completion');
    completionCache[0] = Atomics.load(pair.completion.producer, 0);
    completionCache[1] = Atomics.load(pair.completion.consumer, 0);
    this.pairs.set(key, pair);
    return pair;
  }

  private async bindWhenQueueFree(spec: MemberSpec, ownFillCompletion: boolean): Promise<XskSocket> {
    const deadline = Date.now() + QUEUE_RELEASE_WAIT_MS;
    for (let pause = 10; ; pause = Math.min(2 * pause, QUEUE_RETRY_MAX_MS)) {
      try {
        return XskSocket.create(this.umem, spec.socket, { ...spec.placement, ownFillCompletion });
      } catch (error) {
        if (!(error instanceof XskConfigError && error.code === 'EBUSY')) throw error;
        if (Date.now() > deadline) throw this.busyQueue(spec);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  private busyQueue(spec: MemberSpec): XskConfigError {
    const { ifname, queueId } = spec.socket;
    const occupants = queueOccupants(spec.placement.namespacePath, ifname, queueId);
    return new XskConfigError(
      `socket on ${ifname} queue ${queueId} refused (EBUSY) after ${QUEUE_RELEASE_WAIT_MS / 1000} s waiting for the queue: ${explainBusyQueue(ifname, queueId, occupants)}`,
      'EBUSY',
    );
  }

  /**
   * With no worker running, takes a socket off the UMEM. Frames in its RX
   * ring, and in its TX ring not yet taken by the kernel, go with the
   * socket: they are free again. So are the frames of a pair that loses its
   * last socket (its FILL, and what the kernel held for its RX and TX).
   */
  private async removeLane(lane: LaneRecord): Promise<void> {
    this.observer.forget();
    const frameSize = this.umem.config.frameSize;
    const freeFrame = (address: number) => {
      this.ledger[chunkOf(address, frameSize)] = AppState.FREE;
    };
    if (lane.rx) {
      const state = observeRing(lane.rx, 'consumer');
      readRingEntries(lane.rx, state.consumer, state.producer, 'descriptor').addresses.forEach(freeFrame);
    }
    if (lane.tx) {
      const state = observeRing(lane.tx, 'producer');
      readRingEntries(lane.tx, state.consumer, state.producer, 'descriptor').addresses.forEach(freeFrame);
    }
    this.lanes.delete(lane.spec.id);
    lane.pair.lanes.delete(lane.spec.id);
    const { ifname, queueId } = lane.spec.socket;
    noteClosedSocket(lane.spec.placement.namespacePath, ifname, queueId, lane.inode);
    lane.socket.destroy();
    if (lane.pair.lanes.size > 0) return;
    this.pairs.delete(pairKey(lane.pair.ifname, lane.pair.queueId));
    for (let frame = 0; frame < this.ledger.length; frame++) {
      const byte = this.ledger[frame] as number;
      const state = appStateOf(byte);
      const heldByPair = state === AppState.GIVEN_TO_FILL && holderOf(byte) === lane.pair.slot;
      const sentByLane = state === AppState.GIVEN_TO_TX && holderOf(byte) === lane.slot;
      if (heldByPair || sentByLane) this.ledger[frame] = AppState.FREE;
    }
  }

  private async restart(): Promise<void> {
    await this.stopWorker();
    const umem = this.umem;
    const plan: DataplanePlan = {
      umem: {
        address: umem.address,
        length: umem.length,
        frameSize: umem.config.frameSize,
        frameCount: umem.config.frameCount,
        txMetadataLength: umem.config.txMetadata?.length ?? 0,
      },
      blocks: this.blocks,
      pairs: [...this.pairs.values()].map((pair) => ({
        slot: pair.slot,
        fill: pair.layouts.fill,
        completion: pair.layouts.completion,
        ringCaches: pair.ringCaches,
      })),
      lanes: [...this.lanes.values()].map((lane) => ({
        slot: lane.slot,
        pair: lane.pair.slot,
        workload: lane.spec.workload,
        fd: lane.socket.fd,
        rx: lane.socket.rxLayout,
        tx: lane.socket.txLayout,
        needWakeup: lane.spec.socket.needWakeup,
        busyPoll: lane.spec.socket.busyPoll !== undefined,
        batchSize: lane.spec.socket.batchSize,
        blocks: lane.blocks,
        frame: lane.spec.frame ?? null,
      })),
    };
    try {
      this.worker = await DataplaneWorker.start(plan, (error) => this.onWorkerError(error));
      this.startFailure = null;
    } catch (error) {
      this.startFailure = {
        state: 'down',
        since: Date.now(),
        reason: `the data-plane worker did not start (${(error as Error).message}): its sockets' rings are not driven`,
      };
      throw error;
    }
  }

  /** Down once the worker crashed more often than it is restarted, or did not start; running again when the group starts one. */
  get dataPlane(): DataPlaneState {
    return this.startFailure ?? this.worker?.state ?? RUNNING;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.stop();
  }

  private destroyUmem(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.umem.destroy();
  }
}
