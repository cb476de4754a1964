import { AppState, appStateOf, holderOf, ledgerByte, MAX_HOLDERS } from '../xsk/ledger.ts';
import type { CompletionRing, FillRing, RxRing, TxRing } from '../xsk/ring.ts';
import { Counter, UmemControl } from './control.ts';
import type { ReceivedFrameInspection } from './inspection.ts';
import { endsPacket } from './packets.ts';
import { CompletionStamps } from './txonly-stamps.ts';

/**
 * The syscalls that move frames the rings alone cannot: injected, so the
 * hand-overs run over in-memory rings in tests and over the kernel's in the worker.
 */
export interface Doorbells {
  /** Copy-mode TX sends only inside a syscall (sendto). */
  kickTx(fd: number): void;
  /** Lets the kernel's receive path look at FILL again (poll). */
  wakeRx(fd: number): void;
  /** Runs the busy-polling socket's NAPI instance now (an empty recvfrom). */
  busyPollRx(fd: number): void;
}

/**
 * Frames out with the kernel more than once at a time: one frame in FILL and
 * TX (the double feed, teaching-faults.ts), or named by several descriptors
 * of a table (tx-descriptors.ts). Every return but the last must not free
 * the frame while another copy is out.
 */
export class ExtraCopies {
  private readonly extra = new Map<number, number>();

  /** One more copy of `frame` went out beside the one the ledger records. */
  add(frame: number): void {
    this.extra.set(frame, (this.extra.get(frame) ?? 0) + 1);
  }

  /** True when another copy of `frame` is still out; this return is counted back. */
  takeBack(frame: number): boolean {
    // Asked for every frame COMPLETION returns: with no copy out, no lookup.
    if (this.extra.size === 0) return false;
    const extra = this.extra.get(frame);
    if (extra === undefined) return false;
    if (extra === 1) this.extra.delete(frame);
    else this.extra.set(frame, extra - 1);
    return true;
  }
}

const TWO_32 = 2 ** 32;

/** What a workload writes into each free frame it sends (submitFree): given the chunk's address and index. */
export interface FrameWriter {
  write(chunk: number, frame: number): void;
}

/** At most this many batches are reaped from COMPLETION, or sent after an idle spell, in one go. */
export const BURST_BATCHES = 4;

/** One FILL/COMPLETION pair: the UMEM's own, or one per extra (netdev, queue) of a shared UMEM. */
export interface PairSetup {
  slot: number;
  fill: FillRing;
  completion: CompletionRing;
}

export class Pair {
  readonly slot: number;
  readonly fill: FillRing;
  readonly completion: CompletionRing;
  readonly lanes: Lane[] = [];
  /** Frames given to this FILL and not yet back from an RX ring of its sockets. */
  givenToFill = 0;
  /** How many frames this pair keeps given to FILL at most. */
  fillTarget = 0;
  /** Stage bits paused this round: a pair's stage paused by any of its sockets is paused. */
  paused = 0;

  constructor(setup: PairSetup) {
    this.slot = setup.slot;
    this.fill = setup.fill;
    this.completion = setup.completion;
  }
}

/**
 * Received frames the application holds to send on, oldest first: each
 * one's [address, length] pair, as submitTx takes them, and its options
 * (XDP_PKT_CONTD: its packet goes on in the next). Held and sent together.
 */
class HeldFrames {
  /** [address, length] pairs. */
  readonly frames: number[] = [];
  readonly options: number[] = [];

  get count(): number {
    return this.options.length;
  }

  hold(address: number, length: number, options: number): void {
    this.frames.push(address, length);
    this.options.push(options);
  }

  /** The first `count` went to TX. */
  release(count: number): void {
    this.frames.splice(0, 2 * count);
    this.options.splice(0, count);
  }
}

/** One socket on the UMEM (a lane of its worker): its RX and TX rings. */
export interface LaneRings {
  slot: number;
  rx: RxRing | null;
  tx: TxRing | null;
  fd: number;
  needWakeup: boolean;
  /** Busy polling: the application drives NAPI, so the lane kicks every round whatever need_wakeup says. */
  busyPoll?: boolean;
  batchSize: number;
  control: Int32Array;
  counters: Float64Array;
}

export class Lane {
  readonly slot: number;
  readonly rx: RxRing | null;
  readonly tx: TxRing | null;
  readonly fd: number;
  readonly needWakeup: boolean;
  readonly busyPoll: boolean;
  readonly batchSize: number;
  readonly control: Int32Array;
  readonly counters: Float64Array;
  readonly held = new HeldFrames();
  /** Stage bits paused this round. */
  paused = 0;
  stepping = false;
  stepTarget = 0;
  /** Descriptors put on TX since the last kick: kick takes as many back from the kernel, a budget a sendto. */
  submitted = 0;

  constructor(
    rings: LaneRings,
    readonly pair: Pair,
    /** The workload uses what it receives: the lane's pair keeps its full share of frames on FILL. */
    readonly wantsReceived: boolean,
    /** Received frames stay with the application (PROCESSING) rather than go back to the free pool. */
    readonly keepsReceived: boolean,
    readonly inspection: ReceivedFrameInspection,
  ) {
    this.slot = rings.slot;
    this.rx = rings.rx;
    this.tx = rings.tx;
    this.fd = rings.fd;
    this.needWakeup = rings.needWakeup;
    this.busyPoll = rings.busyPoll === true;
    this.batchSize = rings.batchSize;
    this.control = rings.control;
    this.counters = rings.counters;
  }
}

export interface UmemSetup {
  frameSize: number;
  frameCount: number;
  umem: Uint8Array;
  /** The UMEM's control words (UmemControl). */
  control: Int32Array;
  ledger: Uint8Array;
  /** tx_metadata_len: TX data starts this far into a chunk, its struct xsk_tx_metadata in front (absent: 0). */
  txMetadataLength?: number;
}

/**
 * The four hand-overs of one UMEM's frames, each a ledger transition made
 * inside a seqlock window (GENERATION odd), so the sampler never sees a ring
 * and the ledger disagree:
 *
 *   free → FILL (refillFill)   RX → free, or RX → application (drainRx)
 *   free or application → TX (submitTx)   COMPLETION → free (reapCompletion)
 *
 * Where a frame goes next is the workload's choice, not this class's.
 */
export class Handovers {
  readonly frameSize: number;
  readonly frameCount: number;
  readonly umem: Uint8Array;
  readonly ledger: Uint8Array;
  readonly txMetadataLength: number;
  /** The application's free frames, as UMEM addresses (a stack). */
  readonly free: number[] = [];
  /** Bytes of a txonly template written in each frame; 0 once the kernel may have received into it. */
  readonly templateLength: Uint16Array;
  /** log2 of the chunk size when it is a power of two (aligned mode's always are), else -1: see frameOf. */
  private readonly frameShift: number;
  private readonly control: Int32Array;
  private readonly stamps: CompletionStamps | null;
  private readonly laneBySlot: (Lane | undefined)[] = new Array(MAX_HOLDERS);

  constructor(
    setup: UmemSetup,
    readonly pairs: readonly Pair[],
    readonly lanes: readonly Lane[],
    private readonly doorbells: Doorbells,
    private readonly copies: ExtraCopies,
  ) {
    this.frameSize = setup.frameSize;
    this.frameCount = setup.frameCount;
    const size = setup.frameSize;
    this.frameShift = (size & (size - 1)) === 0 ? 31 - Math.clz32(size) : -1;
    this.umem = setup.umem;
    this.ledger = setup.ledger;
    this.txMetadataLength = setup.txMetadataLength ?? 0;
    this.control = setup.control;
    this.templateLength = new Uint16Array(setup.frameCount);
    this.stamps = this.txMetadataLength > 0 ? new CompletionStamps(setup.umem, this.txMetadataLength) : null;
    for (const lane of lanes) {
      lane.pair.lanes.push(lane);
      this.laneBySlot[lane.slot] = lane;
    }
    this.adoptLedger();
    this.setFillTargets();
  }

  /**
   * A worker may take over a UMEM from an earlier one (a socket joined or
   * left): the ledger says which frames are free and which FILL holds which.
   * Frames an earlier worker was still processing are free again.
   */
  private adoptLedger(): void {
    const { ledger, frameCount, frameSize } = this;
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
    const share = receiving.length > 0 ? Math.floor(this.frameCount / receiving.length) : 0;
    for (const pair of receiving) {
      const onlySends = pair.lanes.every((lane) => !lane.rx || !lane.wantsReceived);
      pair.fillTarget = onlySends ? Math.floor(share / 2) : share;
    }
  }

  /** The chunk `address` is in: frameCount or more for an address past the UMEM. */
  frameOf(address: number): number {
    // Every hand-over asks this of every frame: a shift where the address and the chunk size allow one, since a
    // division cost a tenth of a txonly round (over in-memory rings).
    return address < TWO_32 && this.frameShift >= 0
      ? address >>> this.frameShift
      : Math.floor(address / this.frameSize);
  }

  /** Opens a seqlock window: the rings and the ledger may disagree until `end`. */
  begin(): void {
    Atomics.add(this.control, UmemControl.GENERATION, 1);
  }

  end(): void {
    Atomics.add(this.control, UmemControl.GENERATION, 1);
    // A reader that found the window open waits on GENERATION (observe/umem-observer.ts); nobody waiting, no syscall.
    if (Atomics.load(this.control, UmemControl.READERS_WAITING) !== 0) {
      Atomics.notify(this.control, UmemControl.GENERATION);
    }
  }

  /**
   * A frame is back from the kernel. False when it must stay out: another
   * copy is still in a ring, or it is already free (its other copy came back
   * first, before a worker restart forgot it was out twice: never pool it twice).
   * `byte` is the frame's ledger byte, which the caller has already read.
   */
  private backForGood(frame: number, byte: number): boolean {
    if (this.copies.takeBack(frame)) return false;
    return appStateOf(byte) !== AppState.FREE;
  }

  /** COMPLETION → free. */
  reapCompletion(pair: Pair): number {
    const { ledger, frameSize, frameCount } = this;
    const { completion } = pair;
    const first = pair.lanes[0];
    if (!first) return 0;
    const count = completion.peek(first.batchSize * BURST_BATCHES);
    if (count === 0) return 0;
    // The first lane's counts are tallied here and added once: a counter written per frame cost a fifth of
    // a txonly round. Another sender on the pair (a shared UMEM) is counted as its frames come.
    let completedByFirst = 0;
    let foreign = 0;
    this.begin();
    const start = completion.claimIndex;
    const { laneBySlot, stamps, free } = this;
    for (let i = 0; i < count; i++) {
      const address = completion.address((start + i) >>> 0);
      const frame = this.frameOf(address);
      if (frame >= frameCount) {
        // This kernel hands back the addresses of invalid TX descriptors too: they own no frame.
        foreign++;
        continue;
      }
      // The ledger byte, read once, says who sent the frame and whether it is already free.
      const byte = ledger[frame] as number;
      const sender: Lane = laneBySlot[holderOf(byte)] ?? first;
      if (sender === first) completedByFirst++;
      else sender.counters[Counter.COMPLETED] = (sender.counters[Counter.COMPLETED] as number) + 1;
      if (stamps !== null) stamps.read(sender, address);
      if (!this.backForGood(frame, byte)) continue;
      ledger[frame] = AppState.FREE;
      free.push(frame * frameSize);
    }
    // FOREIGN before COMPLETED, as they came before: a reader between the two never sees completed − foreign
    // too high. (A stamp asked of a frame is counted as it comes, before this reap's COMPLETED.)
    const { counters } = first;
    if (foreign > 0)
      counters[Counter.FOREIGN_COMPLETIONS] = (counters[Counter.FOREIGN_COMPLETIONS] as number) + foreign;
    counters[Counter.COMPLETED] = (counters[Counter.COMPLETED] as number) + completedByFirst + foreign;
    completion.release(count);
    this.end();
    return count;
  }

  /**
   * RX → free, or RX → application (held) when the lane keeps what it
   * receives. A multi-buffer packet's descriptors may straddle two drains:
   * each frame changes hands on its own, and the packet counts at its last.
   */
  drainRx(lane: Lane): number {
    const { rx, batchSize, counters, inspection } = lane;
    if (!rx) return 0;
    const count = rx.peek(batchSize);
    if (count === 0) return 0;
    const { ledger, frameSize } = this;
    const inspecting = inspection.refresh();
    const keep = lane.keepsReceived;
    const processing = ledgerByte(AppState.PROCESSING, lane.slot);
    let bytes = 0;
    let packets = 0;
    this.begin();
    const first = rx.claimIndex;
    for (let i = 0; i < count; i++) {
      const index = (first + i) >>> 0;
      const length = rx.length(index);
      const data = rx.dataAddress(index);
      const options = rx.options(index);
      const frame = this.frameOf(data);
      bytes += length;
      if (endsPacket(options)) packets++;
      if (inspecting) inspection.inspect(data, length, options);
      if (!this.backForGood(frame, ledger[frame] as number)) continue;
      if (keep) {
        ledger[frame] = processing;
        lane.held.hold(data, length, options);
      } else {
        ledger[frame] = AppState.FREE;
        this.free.push(frame * frameSize);
      }
    }
    rx.release(count);
    lane.pair.givenToFill -= count;
    this.end();
    counters[Counter.RX_PACKETS] = (counters[Counter.RX_PACKETS] as number) + packets;
    counters[Counter.RX_DESCRIPTORS] = (counters[Counter.RX_DESCRIPTORS] as number) + count;
    counters[Counter.RX_BYTES] = (counters[Counter.RX_BYTES] as number) + bytes;
    return count;
  }

  /** How many frames the lane's TX takes now, at most `wanted`. */
  txRoom(lane: Lane, wanted: number): number {
    return lane.tx ? Math.min(wanted, lane.tx.freeEntries(wanted)) : 0;
  }

  /**
   * Free or held frames → TX: the first `count` [address, length] pairs of
   * `frames`, which the caller has checked fit (txRoom), with `options`: one
   * value for every descriptor (XDP_TX_METADATA, or none: 0), or an entry each
   * (XDP_PKT_CONTD on all but a packet's last).
   */
  submitTx(lane: Lane, frames: readonly number[], count: number, options: number | readonly number[] = 0): number {
    const { tx } = lane;
    if (!tx || count <= 0) return 0;
    const { ledger } = this;
    tx.reserve(count);
    const first = tx.claimIndex;
    const given = ledgerByte(AppState.GIVEN_TO_TX, lane.slot);
    // One value for all, or one each: decided once, not per descriptor.
    const each = typeof options === 'number' ? null : options;
    const all = typeof options === 'number' ? options : 0;
    let bytes = 0;
    let packets = count;
    this.begin();
    for (let i = 0; i < count; i++) {
      const address = frames[2 * i] as number;
      const length = frames[2 * i + 1] as number;
      const option = each === null ? all : (each[i] as number);
      ledger[this.frameOf(address)] = given;
      tx.setDescriptor((first + i) >>> 0, address, length, option);
      bytes += length;
      if (!endsPacket(option)) packets--;
    }
    tx.submit(count);
    this.end();
    this.tallyTx(lane, count, packets, bytes);
    return count;
  }

  /**
   * Free frames → TX: the top `count` of the free pool (the caller has
   * checked the pool and txRoom), each handed to `writer` and then described
   * as `length` bytes from `offset` into its chunk, with `options` (no
   * XDP_PKT_CONTD: each is a packet). submitTx's hand-over without a list of
   * [address, length] pairs between the workload and the ring: a txonly
   * round's frames are all alike, and the list cost two writes and two
   * reads a frame.
   */
  submitFree(lane: Lane, count: number, offset: number, length: number, options: number, writer: FrameWriter): number {
    const { tx } = lane;
    if (!tx || count <= 0) return 0;
    const { ledger, free } = this;
    tx.reserve(count);
    const first = tx.claimIndex;
    const given = ledgerByte(AppState.GIVEN_TO_TX, lane.slot);
    this.begin();
    for (let i = 0; i < count; i++) {
      const chunk = free.pop() as number;
      const frame = this.frameOf(chunk);
      writer.write(chunk, frame);
      ledger[frame] = given;
      tx.setDescriptor((first + i) >>> 0, chunk + offset, length, options);
    }
    tx.submit(count);
    this.end();
    this.tallyTx(lane, count, count, count * length);
    return count;
  }

  /** What a submit put on TX: for kick (a sendto's worth each) and the lane's counters. */
  private tallyTx(lane: Lane, descriptors: number, packets: number, bytes: number): void {
    const { counters } = lane;
    lane.submitted += descriptors;
    counters[Counter.TX_PACKETS] = (counters[Counter.TX_PACKETS] as number) + packets;
    counters[Counter.TX_DESCRIPTORS] = (counters[Counter.TX_DESCRIPTORS] as number) + descriptors;
    counters[Counter.TX_BYTES] = (counters[Counter.TX_BYTES] as number) + bytes;
  }

  /** The lane's first `count` held frames → TX, each with its own options, as they came. */
  submitHeld(lane: Lane, count: number): number {
    const sent = this.submitTx(lane, lane.held.frames, count, lane.held.options);
    lane.held.release(sent);
    return sent;
  }

  /** free → FILL, up to the pair's share. */
  refillFill(pair: Pair): number {
    const { ledger } = this;
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
      const index = this.frameOf(address);
      ledger[index] = given;
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
   * the ring's flag. One sendto takes at most the kernel's budget (32 by
   * default, XDP_MAX_TX_SKB_BUDGET), so TX is kicked again in the same round
   * until the kernel has taken as many as the round put on it, or a kick
   * takes nothing: a batch of 64 then costs one round, not two, and the
   * round's fixed work (controls, seqlock windows, counters) is paid once a
   * batch: for txonly, nearly half of the JS sender's extra user time a
   * frame against C (README, Benchmarks).
   * RX needs a kick only when FILL's flag asks for one.
   */
  kick(lane: Lane): void {
    const { tx, rx, fd, needWakeup, counters } = lane;
    if (tx) {
      const start = tx.sharedConsumer();
      let consumer = start;
      while (consumer !== tx.sharedProducer() && (!needWakeup || tx.needsWakeup())) {
        this.doorbells.kickTx(fd);
        counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
        // Copy mode sends inside the call: what TX's consumer moved by is what one sendto took (its budget at most).
        const after = tx.sharedConsumer();
        const taken = (after - consumer) >>> 0;
        consumer = after;
        // The call first, then what it took: readTotals relies on this order (observe/socket-observer.ts).
        counters[Counter.TX_SENDTOS] = (counters[Counter.TX_SENDTOS] as number) + 1;
        counters[Counter.TX_SENDTO_CONSUMED] = (counters[Counter.TX_SENDTO_CONSUMED] as number) + taken;
        if (taken === 0 || (consumer - start) >>> 0 >= lane.submitted) break;
      }
      lane.submitted = 0;
    }
    if (lane.busyPoll && rx) {
      // With busy polling the application, not the softirq, runs the NAPI instance: an empty
      // recvfrom every round, whatever FILL's flag says (xsk_recvmsg busy-loops, as xdpsock -B relies on).
      this.doorbells.busyPollRx(fd);
      counters[Counter.BUSY_POLLS] = (counters[Counter.BUSY_POLLS] as number) + 1;
    } else if (rx && needWakeup && lane.pair.fill.needsWakeup()) {
      this.doorbells.wakeRx(fd);
      counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
    }
  }
}
