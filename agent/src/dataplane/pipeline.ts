import { pollReadable, wakeupTx } from '../native/libc.ts';
import { AppState } from '../xsk/ledger.ts';
import type { CompletionRing, FillRing, RxRing, TxRing } from '../xsk/ring.ts';
import { CAPTURE_BYTES, Control, Counter, captureSlot, Stage } from './control.ts';
import { checkTestFrame, type UdpFrameSpec, writeSequence, writeUdpFrame } from './frames.ts';

export type Workload = 'rxdrop' | 'txonly' | 'l2fwd';

export interface PipelineSetup {
  workload: Workload;
  fill: FillRing;
  completion: CompletionRing;
  rx: RxRing | null;
  tx: TxRing | null;
  fd: number;
  needWakeup: boolean;
  batchSize: number;
  frameSize: number;
  frameCount: number;
  umem: Uint8Array;
  /** The frame a txonly workload sends (its length comes from the control block). */
  frame: Omit<UdpFrameSpec, 'length'> | null;
  control: Int32Array;
  counters: Float64Array;
  ledger: Uint8Array;
  capture: SharedArrayBuffer;
}

/** At most this many batches may be sent in one burst after an idle spell, whatever the rate. */
const BURST_BATCHES = 4;
const IDLE_POLL_MS = 20;
const ETH_ADDRESS = 6;

/**
 * The frames of one UMEM moving through its four rings. Each stage is one
 * hand-over: COMPLETION → free pool, RX → free pool or backlog, free pool or
 * backlog → TX, free pool → FILL. The workloads differ only in where frames
 * go: rxdrop recycles RX to FILL, txonly sends from the free pool, l2fwd
 * sends what it received back out with the MAC addresses swapped.
 *
 * Every hand-over updates the ledger inside a seqlock window (GENERATION odd),
 * so the sampler never sees a ring and the ledger disagree.
 */
export class FramePipeline {
  private readonly free: number[] = [];
  /** l2fwd: received frames waiting for TX, as [address, length] pairs. */
  private readonly backlog: number[] = [];
  /** Bytes of the template written in each frame; 0 when RX may have overwritten it. */
  private readonly templateLength: Uint16Array;
  /** How many frames this workload keeps given to FILL at most. */
  private readonly fillTarget: number;
  private givenToFill = 0;
  private sequence = 0;
  private tokens = 0;
  private lastRefill = performance.now();
  private readonly view: DataView;
  private readonly captureCount: Int32Array;
  private readonly captureBytes: Uint8Array;
  private readonly captureView: DataView;

  constructor(private readonly s: PipelineSetup) {
    this.templateLength = new Uint16Array(s.frameCount);
    this.view = new DataView(s.umem.buffer, s.umem.byteOffset, s.umem.byteLength);
    this.captureCount = new Int32Array(s.capture, 0, 1);
    this.captureBytes = new Uint8Array(s.capture);
    this.captureView = new DataView(s.capture);
    for (let frame = s.frameCount - 1; frame >= 0; frame--) this.free.push(frame * s.frameSize);
    // The spec advises a tx-only socket to put nothing on FILL; one that also receives keeps half its frames there.
    this.fillTarget = !s.rx ? 0 : s.workload === 'txonly' ? Math.floor(s.frameCount / 2) : s.frameCount;
  }

  /** Runs until told to stop. Never yields: commands arrive through the control block. */
  run(): void {
    const { control } = this.s;
    while (Atomics.load(control, Control.STOP) === 0) {
      const requested = Atomics.load(control, Control.STEP_REQUESTS);
      const stepping = requested !== Atomics.load(control, Control.STEPS_DONE);
      const paused = stepping ? 0 : Atomics.load(control, Control.PAUSED_STAGES);
      let work = 0;
      if (!(paused & Stage.COMPLETION_REAP)) work += this.reapCompletion();
      if (!(paused & Stage.RX_DRAIN)) work += this.drainRx();
      if (!(paused & Stage.TX_SUBMIT)) work += this.submitTx();
      if (!(paused & Stage.FILL_REFILL)) work += this.refillFill();
      this.kick();
      if (stepping) Atomics.store(control, Control.STEPS_DONE, requested);
      if (work === 0) this.idle(paused);
    }
  }

  private begin(): void {
    Atomics.add(this.s.control, Control.GENERATION, 1);
  }

  private end(): void {
    Atomics.add(this.s.control, Control.GENERATION, 1);
  }

  reapCompletion(): number {
    const { completion, ledger, frameSize, batchSize, counters } = this.s;
    const count = completion.peek(batchSize * BURST_BATCHES);
    if (count === 0) return 0;
    this.begin();
    const first = completion.claimIndex;
    for (let i = 0; i < count; i++) {
      const address = completion.address((first + i) >>> 0);
      const frame = Math.floor(address / frameSize);
      if (frame >= this.s.frameCount) {
        // This kernel hands back the addresses of invalid TX descriptors too: they own no frame.
        counters[Counter.FOREIGN_COMPLETIONS] = (counters[Counter.FOREIGN_COMPLETIONS] as number) + 1;
        continue;
      }
      ledger[frame] = AppState.FREE;
      this.free.push(frame * frameSize);
    }
    completion.release(count);
    this.end();
    counters[Counter.COMPLETED] = (counters[Counter.COMPLETED] as number) + count;
    return count;
  }

  drainRx(): number {
    const { rx, ledger, frameSize, batchSize, counters, workload } = this.s;
    if (!rx) return 0;
    const count = rx.peek(batchSize);
    if (count === 0) return 0;
    const capturing = Atomics.load(this.s.control, Control.CAPTURE) === 1;
    const verifying = Atomics.load(this.s.control, Control.VERIFY) === 1;
    const forward = workload === 'l2fwd';
    let bytes = 0;
    this.begin();
    const first = rx.claimIndex;
    for (let i = 0; i < count; i++) {
      const index = (first + i) >>> 0;
      const length = rx.length(index);
      const data = rx.dataAddress(index);
      const frame = Math.floor(data / frameSize);
      bytes += length;
      if (capturing) this.capture(data, length);
      if (verifying) {
        const slot = checkTestFrame(this.s.umem, data, length).defect === null ? Counter.VERIFIED : Counter.DEFECTIVE;
        counters[slot] = (counters[slot] as number) + 1;
      }
      if (forward) {
        ledger[frame] = AppState.PROCESSING;
        this.backlog.push(data, length);
      } else {
        ledger[frame] = AppState.FREE;
        this.free.push(frame * frameSize);
      }
    }
    rx.release(count);
    this.givenToFill -= count;
    this.end();
    counters[Counter.RX_PACKETS] = (counters[Counter.RX_PACKETS] as number) + count;
    counters[Counter.RX_BYTES] = (counters[Counter.RX_BYTES] as number) + bytes;
    return count;
  }

  submitTx(): number {
    const { tx, workload } = this.s;
    if (!tx) return 0;
    if (Atomics.load(this.s.control, Control.INJECT_INVALID_TX) > 0) return this.injectInvalid(tx);
    return workload === 'l2fwd' ? this.forwardBacklog(tx) : workload === 'txonly' ? this.sendFromPool(tx) : 0;
  }

  private forwardBacklog(tx: TxRing): number {
    const { ledger, frameSize, batchSize, umem, counters } = this.s;
    const count = Math.min(batchSize, this.backlog.length / 2, tx.freeEntries(batchSize));
    if (count === 0) return 0;
    tx.reserve(count);
    const first = tx.claimIndex;
    let bytes = 0;
    this.begin();
    for (let i = 0; i < count; i++) {
      const address = this.backlog[2 * i] as number;
      const length = this.backlog[2 * i + 1] as number;
      // Swap destination and source MAC addresses in place.
      for (let b = 0; b < ETH_ADDRESS; b++) {
        const t = umem[address + b] as number;
        umem[address + b] = umem[address + ETH_ADDRESS + b] as number;
        umem[address + ETH_ADDRESS + b] = t;
      }
      ledger[Math.floor(address / frameSize)] = AppState.GIVEN_TO_TX;
      tx.setDescriptor((first + i) >>> 0, address, length);
      bytes += length;
    }
    tx.submit(count);
    this.backlog.splice(0, 2 * count);
    this.end();
    counters[Counter.TX_PACKETS] = (counters[Counter.TX_PACKETS] as number) + count;
    counters[Counter.TX_BYTES] = (counters[Counter.TX_BYTES] as number) + bytes;
    return count;
  }

  private sendFromPool(tx: TxRing): number {
    const { control, ledger, frameSize, batchSize, umem, counters, frame } = this.s;
    if (!frame) return 0;
    const now = performance.now();
    const rate = Atomics.load(control, Control.RATE_PPS);
    this.tokens = Math.min(this.tokens + ((now - this.lastRefill) * rate) / 1000, batchSize * BURST_BATCHES);
    this.lastRefill = now;
    const remaining = Atomics.load(control, Control.SEND_REMAINING);
    const count = Math.min(
      batchSize,
      Math.floor(this.tokens),
      this.free.length,
      remaining < 0 ? batchSize : remaining,
      tx.freeEntries(batchSize),
    );
    if (count <= 0) return 0;
    const length = Atomics.load(control, Control.FRAME_LENGTH);
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
      writeSequence(this.view, address, this.sequence++);
      ledger[index] = AppState.GIVEN_TO_TX;
      tx.setDescriptor((first + i) >>> 0, address, length);
    }
    tx.submit(count);
    this.end();
    this.tokens -= count;
    if (remaining > 0) Atomics.sub(control, Control.SEND_REMAINING, count);
    counters[Counter.TX_PACKETS] = (counters[Counter.TX_PACKETS] as number) + count;
    counters[Counter.TX_BYTES] = (counters[Counter.TX_BYTES] as number) + count * length;
    return count;
  }

  /** One descriptor past the end of the UMEM: the kernel must refuse it and count tx_invalid_descs. */
  private injectInvalid(tx: TxRing): number {
    if (tx.reserve(1) === 0) return 0;
    tx.setDescriptor(tx.claimIndex, this.s.umem.byteLength + this.s.frameSize, 64);
    tx.submit(1);
    Atomics.sub(this.s.control, Control.INJECT_INVALID_TX, 1);
    return 1;
  }

  refillFill(): number {
    const { fill, ledger, frameSize } = this.s;
    const { batchSize } = this.s;
    const count = Math.min(
      batchSize,
      this.free.length,
      this.fillTarget - this.givenToFill,
      fill.freeEntries(batchSize),
    );
    if (count <= 0) return 0;
    fill.reserve(count);
    const first = fill.claimIndex;
    this.begin();
    for (let i = 0; i < count; i++) {
      const address = this.free.pop() as number;
      const index = address / frameSize;
      ledger[index] = AppState.GIVEN_TO_FILL;
      // The kernel may receive into it: any txonly template in it is gone.
      this.templateLength[index] = 0;
      fill.setAddress((first + i) >>> 0, address);
    }
    fill.submit(count);
    this.givenToFill += count;
    this.end();
    return count;
  }

  /**
   * Copy-mode TX moves frames only inside a syscall, so the ring is kicked
   * while it holds anything; with need_wakeup on, only when the kernel sets
   * the ring's flag. RX needs a kick only when FILL's flag asks for one.
   */
  private kick(): void {
    const { tx, rx, fill, fd, needWakeup, counters } = this.s;
    if (tx && tx.sharedProducer() !== tx.sharedConsumer() && (!needWakeup || tx.needsWakeup())) {
      wakeupTx(fd);
      counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
    }
    if (rx && needWakeup && fill.needsWakeup()) {
      pollReadable(fd, 0);
      counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
    }
  }

  /** Nothing moved: sleep until the kernel has something for us, or briefly, so an idle loop costs no CPU. */
  private idle(paused: number): void {
    const { rx, tx, fd, control, counters, workload } = this.s;
    // The kernel still has frames to send: go round again and kick it.
    if (tx && tx.sharedProducer() !== tx.sharedConsumer()) return;
    counters[Counter.IDLE_WAITS] = (counters[Counter.IDLE_WAITS] as number) + 1;
    const sending =
      workload === 'txonly' && !(paused & Stage.TX_SUBMIT) && Atomics.load(control, Control.SEND_REMAINING) !== 0;
    const steps = Atomics.load(control, Control.STEP_REQUESTS);
    if (sending)
      Atomics.wait(control, Control.STEP_REQUESTS, steps, 1); // tokens accrue by the millisecond
    else if (rx && !(paused & Stage.RX_DRAIN)) pollReadable(fd, IDLE_POLL_MS);
    else Atomics.wait(control, Control.STEP_REQUESTS, steps, IDLE_POLL_MS);
  }

  private capture(address: number, length: number): void {
    const index = this.captureCount[0] as number;
    const { lengthOffset, bytesOffset } = captureSlot(index);
    this.captureView.setUint32(lengthOffset, length, true);
    this.captureBytes.set(this.s.umem.subarray(address, address + Math.min(length, CAPTURE_BYTES)), bytesOffset);
    Atomics.store(this.captureCount, 0, index + 1);
  }
}
