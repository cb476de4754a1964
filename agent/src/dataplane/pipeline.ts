import { pollAnyReadable, pollReadable, wakeupTx } from '../native/libc.ts';
import { AppState, appStateOf, holderOf, ledgerByte, MAX_HOLDERS } from '../xsk/ledger.ts';
import type { CompletionRing, FillRing, RxRing, TxRing } from '../xsk/ring.ts';
import { CAPTURE_BYTES, Control, Counter, captureSlot, Stage, UmemControl } from './control.ts';
import {
  checkTestFrame,
  ETHERNET_HEADER,
  IPV4_HEADER,
  type UdpFrameSpec,
  writeSequence,
  writeUdpFrame,
} from './frames.ts';

export type Workload = 'rxdrop' | 'txonly' | 'l2fwd';

/** One FILL/COMPLETION pair: the UMEM's own, or one per extra (netdev, queue) of a shared UMEM. */
export interface PairSetup {
  slot: number;
  fill: FillRing;
  completion: CompletionRing;
}

/** One socket on the UMEM: its RX and TX rings and the work it does. */
export interface LaneSetup {
  slot: number;
  /** The slot of the pair serving this socket's (netdev, queue). */
  pair: number;
  workload: Workload;
  rx: RxRing | null;
  tx: TxRing | null;
  fd: number;
  needWakeup: boolean;
  batchSize: number;
  /** The frame a txonly workload sends (its length comes from the control block). */
  frame: Omit<UdpFrameSpec, 'length'> | null;
  control: Int32Array;
  counters: Float64Array;
  capture: SharedArrayBuffer;
}

export interface PipelineSetup {
  frameSize: number;
  frameCount: number;
  umem: Uint8Array;
  /** The UMEM's control words (UmemControl). */
  control: Int32Array;
  ledger: Uint8Array;
  pairs: readonly PairSetup[];
  lanes: readonly LaneSetup[];
}

/** At most this many batches may be sent in one burst after an idle spell, whatever the rate. */
const BURST_BATCHES = 4;
const IDLE_POLL_MS = 20;
const MAX_TOKEN_WAIT_MS = 1;
const SENDER_RECHECK_MS = 0.02;
const ETH_ADDRESS = 6;
const SAME_FRAME_MARK = 0xee;
const ALL_STAGES = Stage.FILL_REFILL | Stage.RX_DRAIN | Stage.TX_SUBMIT | Stage.COMPLETION_REAP;
const UDP_DESTINATION_PORT = ETHERNET_HEADER + IPV4_HEADER + 2;

interface Pair extends PairSetup {
  lanes: Lane[];
  /** Frames given to this FILL and not yet back from an RX ring of its sockets. */
  givenToFill: number;
  /** How many frames this pair keeps given to FILL at most. */
  fillTarget: number;
  /** Stage bits that apply this round: a pair stage paused by any of its sockets is paused. */
  paused: number;
}

interface Lane extends LaneSetup {
  pairState: Pair;
  /** l2fwd: received frames waiting for TX, as [address, length] pairs. */
  backlog: number[];
  sequence: number;
  tokens: number;
  lastRefill: number;
  paused: number;
  stepping: boolean;
  stepTarget: number;
  captureCount: Int32Array;
  captureBytes: Uint8Array;
  captureView: DataView;
}

/**
 * The frames of one UMEM moving through its rings: every FILL/COMPLETION
 * pair the UMEM is bound with and the RX/TX rings of every socket on it,
 * driven by this one thread (each ring has one producer and one consumer).
 * Each stage is one hand-over: COMPLETION → free pool, RX → free pool or
 * backlog, free pool or backlog → TX, free pool → FILL. The workloads differ
 * only in where frames go: rxdrop recycles RX to FILL, txonly sends from the
 * free pool, l2fwd sends what it received back out with the MACs swapped.
 *
 * Every hand-over updates the ledger inside a seqlock window (GENERATION odd),
 * so the sampler never sees a ring and the ledger disagree.
 */
export class FramePipeline {
  private readonly free: number[] = [];
  /** Bytes of the template written in each frame; 0 when RX may have overwritten it. */
  private readonly templateLength: Uint16Array;
  private readonly view: DataView;
  private readonly pairs: Pair[];
  private readonly lanes: Lane[];
  private readonly laneBySlot: (Lane | undefined)[] = new Array(MAX_HOLDERS);
  /** Frames deliberately in FILL and TX at once: the first of their two returns must not free them. */
  private readonly fedTwice = new Set<number>();
  private readonly rxFds: number[];

  constructor(private readonly s: PipelineSetup) {
    this.templateLength = new Uint16Array(s.frameCount);
    this.view = new DataView(s.umem.buffer, s.umem.byteOffset, s.umem.byteLength);
    this.pairs = s.pairs.map((pair) => ({ ...pair, lanes: [], givenToFill: 0, fillTarget: 0, paused: 0 }));
    this.lanes = s.lanes.map((setup) => {
      const pairState = this.pairs.find((pair) => pair.slot === setup.pair);
      if (!pairState) throw new Error(`socket lane ${setup.slot} names pair ${setup.pair}, which is not in the plan`);
      const lane: Lane = {
        ...setup,
        pairState,
        backlog: [],
        sequence: 0,
        tokens: 0,
        lastRefill: performance.now(),
        paused: 0,
        stepping: false,
        stepTarget: 0,
        captureCount: new Int32Array(setup.capture, 0, 1),
        captureBytes: new Uint8Array(setup.capture),
        captureView: new DataView(setup.capture),
      };
      pairState.lanes.push(lane);
      this.laneBySlot[setup.slot] = lane;
      return lane;
    });
    this.rxFds = this.lanes.filter((lane) => lane.rx).map((lane) => lane.fd);
    this.adoptLedger();
    this.setFillTargets();
  }

  /**
   * A worker may take over a UMEM from an earlier one (a socket joined or
   * left): the ledger says which frames are free and which FILL holds which.
   * Frames an earlier worker was still processing are free again.
   */
  private adoptLedger(): void {
    const { ledger, frameCount, frameSize } = this.s;
    const pairBySlot = new Map(this.pairs.map((pair) => [pair.slot, pair]));
    for (let frame = frameCount - 1; frame >= 0; frame--) {
      const byte = ledger[frame] as number;
      const state = appStateOf(byte);
      if (state === AppState.PROCESSING) ledger[frame] = AppState.FREE;
      if (state === AppState.FREE || state === AppState.PROCESSING) this.free.push(frame * frameSize);
      else if (state === AppState.GIVEN_TO_FILL) {
        const pair = pairBySlot.get(holderOf(byte));
        if (pair) pair.givenToFill++;
      }
    }
  }

  /**
   * The spec advises a tx-only socket to put nothing on FILL; pairs whose
   * sockets receive share the frames, and a pair whose receivers only send
   * keeps half its share there.
   */
  private setFillTargets(): void {
    const receiving = this.pairs.filter((pair) => pair.lanes.some((lane) => lane.rx));
    const share = receiving.length > 0 ? Math.floor(this.s.frameCount / receiving.length) : 0;
    for (const pair of receiving) {
      const onlySends = pair.lanes.every((lane) => !lane.rx || lane.workload === 'txonly');
      pair.fillTarget = onlySends ? Math.floor(share / 2) : share;
    }
  }

  /** Runs until told to stop. Never yields: commands arrive through the control blocks. */
  run(): void {
    const umemControl = this.s.control;
    while (Atomics.load(umemControl, UmemControl.STOP) === 0) {
      this.readControls();
      let work = 0;
      for (const pair of this.pairs) if (!(pair.paused & Stage.COMPLETION_REAP)) work += this.reapCompletion(pair);
      for (const lane of this.lanes) {
        if (!(lane.paused & Stage.RX_DRAIN)) work += this.drainRx(lane);
        if (!(lane.paused & Stage.TX_SUBMIT)) work += this.submitTx(lane);
      }
      for (const pair of this.pairs) if (!(pair.paused & Stage.FILL_REFILL)) work += this.refillFill(pair);
      for (const lane of this.lanes) {
        this.kick(lane);
        if (lane.stepping) Atomics.store(lane.control, Control.STEPS_DONE, lane.stepTarget);
      }
      if (work === 0) this.idle();
    }
  }

  private readControls(): void {
    for (const pair of this.pairs) pair.paused = 0;
    for (const lane of this.lanes) {
      const requested = Atomics.load(lane.control, Control.STEP_REQUESTS);
      lane.stepping = requested !== Atomics.load(lane.control, Control.STEPS_DONE);
      lane.stepTarget = requested;
      const paused = Atomics.load(lane.control, Control.PAUSED_STAGES);
      const stepped = Atomics.load(lane.control, Control.STEP_STAGES) || ALL_STAGES;
      lane.paused = lane.stepping ? paused & ~stepped : paused;
      lane.pairState.paused |= lane.paused & (Stage.FILL_REFILL | Stage.COMPLETION_REAP);
    }
  }

  private begin(): void {
    Atomics.add(this.s.control, UmemControl.GENERATION, 1);
  }

  private end(): void {
    Atomics.add(this.s.control, UmemControl.GENERATION, 1);
    if (Atomics.load(this.s.control, UmemControl.READERS_WAITING) !== 0) {
      Atomics.notify(this.s.control, UmemControl.GENERATION);
    }
  }

  /** A frame is back from the kernel. Returns false when it must stay out (its other copy is still in a ring). */
  private release(frame: number): boolean {
    if (this.fedTwice.delete(frame)) return false;
    // Already free (its other copy came back first, before a worker restart forgot it was fed twice): never pool it twice.
    if (appStateOf(this.s.ledger[frame] as number) === AppState.FREE) return false;
    this.s.ledger[frame] = AppState.FREE;
    this.free.push(frame * this.s.frameSize);
    return true;
  }

  reapCompletion(pair: Pair): number {
    const { ledger, frameSize, frameCount } = this.s;
    const { completion } = pair;
    const first = pair.lanes[0];
    if (!first) return 0;
    const count = completion.peek(first.batchSize * BURST_BATCHES);
    if (count === 0) return 0;
    this.begin();
    const start = completion.claimIndex;
    for (let i = 0; i < count; i++) {
      const address = completion.address((start + i) >>> 0);
      const frame = Math.floor(address / frameSize);
      if (frame >= frameCount) {
        // This kernel hands back the addresses of invalid TX descriptors too: they own no frame.
        first.counters[Counter.FOREIGN_COMPLETIONS] = (first.counters[Counter.FOREIGN_COMPLETIONS] as number) + 1;
        first.counters[Counter.COMPLETED] = (first.counters[Counter.COMPLETED] as number) + 1;
        continue;
      }
      const sender = this.laneBySlot[holderOf(ledger[frame] as number)] ?? first;
      sender.counters[Counter.COMPLETED] = (sender.counters[Counter.COMPLETED] as number) + 1;
      this.release(frame);
    }
    completion.release(count);
    this.end();
    return count;
  }

  drainRx(lane: Lane): number {
    const { rx, batchSize, counters, workload, control } = lane;
    if (!rx) return 0;
    const count = rx.peek(batchSize);
    if (count === 0) return 0;
    const { ledger, frameSize } = this.s;
    const capturing = Atomics.load(control, Control.CAPTURE) === 1;
    const verifying = Atomics.load(control, Control.VERIFY) === 1;
    const forward = workload === 'l2fwd';
    const processing = ledgerByte(AppState.PROCESSING, lane.slot);
    let bytes = 0;
    this.begin();
    const first = rx.claimIndex;
    for (let i = 0; i < count; i++) {
      const index = (first + i) >>> 0;
      const length = rx.length(index);
      const data = rx.dataAddress(index);
      const frame = Math.floor(data / frameSize);
      bytes += length;
      if (capturing) this.capture(lane, data, length);
      if (verifying) {
        const slot = checkTestFrame(this.s.umem, data, length).defect === null ? Counter.VERIFIED : Counter.DEFECTIVE;
        counters[slot] = (counters[slot] as number) + 1;
      }
      if (this.fedTwice.delete(frame)) continue;
      if (appStateOf(ledger[frame] as number) === AppState.FREE) continue;
      if (forward) {
        ledger[frame] = processing;
        lane.backlog.push(data, length);
      } else {
        ledger[frame] = AppState.FREE;
        this.free.push(frame * frameSize);
      }
    }
    rx.release(count);
    lane.pairState.givenToFill -= count;
    this.end();
    counters[Counter.RX_PACKETS] = (counters[Counter.RX_PACKETS] as number) + count;
    counters[Counter.RX_BYTES] = (counters[Counter.RX_BYTES] as number) + bytes;
    return count;
  }

  submitTx(lane: Lane): number {
    const { tx, workload, control } = lane;
    if (!tx) return 0;
    if (Atomics.load(control, Control.INJECT_INVALID_TX) > 0) return this.injectInvalid(lane, tx);
    if (Atomics.load(control, Control.FEED_SAME_FRAME) > 0) return this.feedSameFrame(lane, tx);
    return workload === 'l2fwd'
      ? this.forwardBacklog(lane, tx)
      : workload === 'txonly'
        ? this.sendFromPool(lane, tx)
        : 0;
  }

  private forwardBacklog(lane: Lane, tx: TxRing): number {
    const { ledger, frameSize, umem } = this.s;
    const { backlog, batchSize, counters } = lane;
    const count = Math.min(batchSize, backlog.length / 2, tx.freeEntries(batchSize));
    if (count === 0) return 0;
    tx.reserve(count);
    const first = tx.claimIndex;
    const given = ledgerByte(AppState.GIVEN_TO_TX, lane.slot);
    let bytes = 0;
    this.begin();
    for (let i = 0; i < count; i++) {
      const address = backlog[2 * i] as number;
      const length = backlog[2 * i + 1] as number;
      // Swap destination and source MAC addresses in place.
      for (let b = 0; b < ETH_ADDRESS; b++) {
        const t = umem[address + b] as number;
        umem[address + b] = umem[address + ETH_ADDRESS + b] as number;
        umem[address + ETH_ADDRESS + b] = t;
      }
      ledger[Math.floor(address / frameSize)] = given;
      tx.setDescriptor((first + i) >>> 0, address, length);
      bytes += length;
    }
    tx.submit(count);
    backlog.splice(0, 2 * count);
    this.end();
    counters[Counter.TX_PACKETS] = (counters[Counter.TX_PACKETS] as number) + count;
    counters[Counter.TX_BYTES] = (counters[Counter.TX_BYTES] as number) + bytes;
    return count;
  }

  private sendFromPool(lane: Lane, tx: TxRing): number {
    const { ledger, frameSize, umem } = this.s;
    const { control, batchSize, counters, frame } = lane;
    if (!frame) return 0;
    const now = performance.now();
    const rate = Atomics.load(control, Control.RATE_PPS);
    lane.tokens = Math.min(lane.tokens + ((now - lane.lastRefill) * rate) / 1000, batchSize * BURST_BATCHES);
    lane.lastRefill = now;
    const remaining = Atomics.load(control, Control.SEND_REMAINING);
    const count = Math.min(
      batchSize,
      Math.floor(lane.tokens),
      this.free.length,
      remaining < 0 ? batchSize : remaining,
      tx.freeEntries(batchSize),
    );
    if (count <= 0) return 0;
    const length = Atomics.load(control, Control.FRAME_LENGTH);
    const ports = Atomics.load(control, Control.DESTINATION_PORT_COUNT);
    const given = ledgerByte(AppState.GIVEN_TO_TX, lane.slot);
    tx.reserve(count);
    const first = tx.claimIndex;
    this.begin();
    for (let i = 0; i < count; i++) {
      const address = this.free.pop() as number;
      const index = address / frameSize;
      if (this.templateLength[index] !== length) {
        writeUdpFrame(umem, address, { ...frame, length });
        this.templateLength[index] = length;
      }
      if (ports > 0) {
        const port = control[Control.DESTINATION_PORTS + (lane.sequence % ports)] as number;
        this.view.setUint16(address + UDP_DESTINATION_PORT, port);
      }
      writeSequence(this.view, address, lane.sequence++);
      ledger[index] = given;
      tx.setDescriptor((first + i) >>> 0, address, length);
    }
    tx.submit(count);
    this.end();
    lane.tokens -= count;
    if (remaining > 0) Atomics.sub(control, Control.SEND_REMAINING, count);
    counters[Counter.TX_PACKETS] = (counters[Counter.TX_PACKETS] as number) + count;
    counters[Counter.TX_BYTES] = (counters[Counter.TX_BYTES] as number) + count * length;
    return count;
  }

  /** One descriptor past the end of the UMEM: the kernel must refuse it and count tx_invalid_descs. */
  private injectInvalid(lane: Lane, tx: TxRing): number {
    if (tx.reserve(1) === 0) return 0;
    tx.setDescriptor(tx.claimIndex, this.s.umem.byteLength + this.s.frameSize, 64);
    tx.submit(1);
    Atomics.sub(lane.control, Control.INJECT_INVALID_TX, 1);
    return 1;
  }

  /**
   * The FAQ's mistake, on purpose: one frame in FILL and in TX at once. The
   * frame is filled with a marked payload and sent; meanwhile the kernel may
   * receive into it. The ledger then shows the frame in two rings (a
   * violation the sampler reports), and the frame is freed only when both
   * rings have given it back.
   */
  private feedSameFrame(lane: Lane, tx: TxRing): number {
    const { fill } = lane.pairState;
    if (this.free.length === 0 || tx.freeEntries(1) === 0 || fill.freeEntries(1) === 0) return 0;
    const address = this.free.pop() as number;
    const frame = address / this.s.frameSize;
    // Long enough to reach past XDP_PACKET_HEADROOM, where a copy-mode receive writes: the overwrite shows.
    const length = Math.min(this.s.frameSize, 1024);
    if (lane.frame) writeUdpFrame(this.s.umem, address, { ...lane.frame, length });
    this.s.umem.fill(SAME_FRAME_MARK, address + 42, address + length);
    this.templateLength[frame] = 0;
    this.begin();
    this.s.ledger[frame] = ledgerByte(AppState.GIVEN_TO_TX, lane.slot);
    this.fedTwice.add(frame);
    fill.reserve(1);
    fill.setAddress(fill.claimIndex, address);
    fill.submit(1);
    lane.pairState.givenToFill++;
    tx.reserve(1);
    tx.setDescriptor(tx.claimIndex, address, length);
    tx.submit(1);
    this.end();
    Atomics.sub(lane.control, Control.FEED_SAME_FRAME, 1);
    lane.counters[Counter.FED_TWICE] = (lane.counters[Counter.FED_TWICE] as number) + 1;
    return 1;
  }

  refillFill(pair: Pair): number {
    const { ledger, frameSize } = this.s;
    const { fill } = pair;
    const batchSize = pair.lanes[0]?.batchSize ?? 0;
    const count = Math.min(
      batchSize,
      this.free.length,
      pair.fillTarget - pair.givenToFill,
      fill.freeEntries(batchSize),
    );
    if (count <= 0) return 0;
    const given = ledgerByte(AppState.GIVEN_TO_FILL, pair.slot);
    fill.reserve(count);
    const first = fill.claimIndex;
    this.begin();
    for (let i = 0; i < count; i++) {
      const address = this.free.pop() as number;
      const index = address / frameSize;
      ledger[index] = given;
      // The kernel may receive into it: any txonly template in it is gone.
      this.templateLength[index] = 0;
      fill.setAddress((first + i) >>> 0, address);
    }
    fill.submit(count);
    pair.givenToFill += count;
    this.end();
    return count;
  }

  /**
   * Copy-mode TX moves frames only inside a syscall, so the ring is kicked
   * while it holds anything; with need_wakeup on, only when the kernel sets
   * the ring's flag. RX needs a kick only when FILL's flag asks for one.
   */
  private kick(lane: Lane): void {
    const { tx, rx, fd, needWakeup, counters } = lane;
    if (tx && tx.sharedProducer() !== tx.sharedConsumer() && (!needWakeup || tx.needsWakeup())) {
      wakeupTx(fd);
      counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
    }
    if (rx && needWakeup && lane.pairState.fill.needsWakeup()) {
      pollReadable(fd, 0);
      counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
    }
  }

  /** Nothing moved: sleep until the kernel has something for us, or briefly, so an idle loop costs no CPU. */
  private idle(): void {
    const control = this.s.control;
    /** A txonly lane's wait for its next token; 0 while none is sending. */
    let sendWaitMs = Number.POSITIVE_INFINITY;
    let receiving = false;
    for (const lane of this.lanes) {
      // The kernel still has frames to send: go round again and kick it.
      if (lane.tx && lane.tx.sharedProducer() !== lane.tx.sharedConsumer()) return;
      const sending =
        lane.workload === 'txonly' &&
        lane.tx !== null &&
        !(lane.paused & Stage.TX_SUBMIT) &&
        Atomics.load(lane.control, Control.SEND_REMAINING) !== 0 &&
        // No frame can come back while COMPLETION is not reaped: nothing to wake for until it resumes.
        !(this.free.length === 0 && lane.pairState.paused & Stage.COMPLETION_REAP);
      if (sending) sendWaitMs = Math.min(sendWaitMs, this.untilNextToken(lane));
      receiving ||= lane.rx !== null && !(lane.paused & Stage.RX_DRAIN);
    }
    for (const lane of this.lanes)
      lane.counters[Counter.IDLE_WAITS] = (lane.counters[Counter.IDLE_WAITS] as number) + 1;
    const wake = Atomics.load(control, UmemControl.WAKE);
    if (sendWaitMs !== Number.POSITIVE_INFINITY) Atomics.wait(control, UmemControl.WAKE, wake, sendWaitMs);
    else if (receiving && this.rxFds.length === 1) pollReadable(this.rxFds[0] as number, IDLE_POLL_MS);
    // Several receivers: a short poll over all, so a command (WAKE) is never kept waiting long.
    else if (receiving) pollAnyReadable(this.rxFds, 2);
    else Atomics.wait(control, UmemControl.WAKE, wake, IDLE_POLL_MS);
  }

  /**
   * How long a txonly lane that sent nothing should sleep: until it has the
   * tokens for a batch (or a millisecond's worth at low rates), at most a
   * millisecond. With those tokens and still nothing sent, its frames are all
   * on their way through the kernel and come back on COMPLETION within
   * microseconds: sleeping a millisecond there cost a saturating sender a
   * fifth of its rate against the C baseline.
   */
  private untilNextToken(lane: Lane): number {
    const rate = Atomics.load(lane.control, Control.RATE_PPS);
    if (rate <= 0) return SENDER_RECHECK_MS;
    const wanted = Math.min(lane.batchSize, Math.max(1, rate / 1000));
    if (lane.tokens >= wanted) return SENDER_RECHECK_MS;
    return Math.min(MAX_TOKEN_WAIT_MS, Math.max(SENDER_RECHECK_MS, ((wanted - lane.tokens) * 1000) / rate));
  }

  private capture(lane: Lane, address: number, length: number): void {
    const index = lane.captureCount[0] as number;
    const { lengthOffset, bytesOffset } = captureSlot(index);
    lane.captureView.setUint32(lengthOffset, length, true);
    lane.captureBytes.set(this.s.umem.subarray(address, address + Math.min(length, CAPTURE_BYTES)), bytesOffset);
    Atomics.store(lane.captureCount, 0, index + 1);
  }
}
