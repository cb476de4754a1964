import { wakeupTx } from '../native/libc.ts';
import type { CompletionRing, TxRing } from '../xsk/ring.ts';
import { Control, Counter } from './control.ts';
import { type UdpFrameSpec, writeSequence, writeUdpFrame } from './frames.ts';

export interface TxSourceRings {
  tx: TxRing;
  completion: CompletionRing;
  fd: number;
  needWakeup: boolean;
  batchSize: number;
  frameSize: number;
  frameCount: number;
  umem: Uint8Array;
}

/** At most this many frames may be sent in one burst after an idle spell, whatever the rate. */
const BURST_BATCHES = 4;
const IDLE_SLEEP_MS = 1;

/**
 * txonly at a set rate: stamps each frame with a sequence number, sends it on
 * TX and reclaims it from COMPLETION. Copy-mode TX moves frames only inside a
 * syscall, so the ring is kicked while anything is outstanding; with
 * need_wakeup on, only when the kernel sets the TX ring's flag.
 */
export function runTxSource(
  rings: TxSourceRings,
  frame: Omit<UdpFrameSpec, 'length'>,
  control: Int32Array,
  counters: Float64Array,
): void {
  const { tx, completion, fd, needWakeup, batchSize, frameSize, umem } = rings;
  const view = new DataView(umem.buffer, umem.byteOffset, umem.byteLength);
  const free: number[] = [];
  for (let index = rings.frameCount - 1; index >= 0; index--) free.push(index * frameSize);
  let frameLength = 0;
  let sequence = 0;
  let outstanding = 0;
  let tokens = 0;
  let last = performance.now();

  while (Atomics.load(control, Control.STOP) === 0) {
    const completed = completion.peek(batchSize * BURST_BATCHES);
    if (completed > 0) {
      const first = completion.claimIndex;
      for (let i = 0; i < completed; i++) free.push(completion.address((first + i) >>> 0));
      completion.release(completed);
      outstanding -= completed;
      counters[Counter.COMPLETED] = (counters[Counter.COMPLETED] as number) + completed;
    }

    const wantedLength = Atomics.load(control, Control.FRAME_LENGTH);
    if (wantedLength !== frameLength) {
      frameLength = wantedLength;
      for (let index = 0; index < rings.frameCount; index++) {
        writeUdpFrame(umem, index * frameSize, { ...frame, length: frameLength });
      }
    }

    const now = performance.now();
    const rate = Atomics.load(control, Control.RATE_PPS);
    tokens = Math.min(tokens + ((now - last) * rate) / 1000, batchSize * BURST_BATCHES);
    last = now;

    let toSend = 0;
    if (Atomics.load(control, Control.PAUSED) === 0) {
      const remaining = Atomics.load(control, Control.SEND_REMAINING);
      toSend = Math.min(batchSize, Math.floor(tokens), free.length, remaining < 0 ? batchSize : remaining);
      toSend = Math.min(toSend, tx.freeEntries(toSend));
    }
    if (toSend > 0) {
      tx.reserve(toSend);
      const first = tx.claimIndex;
      for (let i = 0; i < toSend; i++) {
        const address = free.pop() as number;
        writeSequence(view, address, sequence++);
        tx.setDescriptor((first + i) >>> 0, address, frameLength);
      }
      tx.submit(toSend);
      tokens -= toSend;
      outstanding += toSend;
      if (Atomics.load(control, Control.SEND_REMAINING) > 0) Atomics.sub(control, Control.SEND_REMAINING, toSend);
      counters[Counter.TX_PACKETS] = (counters[Counter.TX_PACKETS] as number) + toSend;
      counters[Counter.TX_BYTES] = (counters[Counter.TX_BYTES] as number) + toSend * frameLength;
    }

    if (outstanding > 0 && (!needWakeup || tx.needsWakeup())) {
      wakeupTx(fd);
      counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
    }
    if (toSend === 0 && completed === 0) {
      // Nothing to do until tokens accrue, the source is resumed or the kernel completes: sleep briefly.
      Atomics.wait(control, Control.STOP, 0, IDLE_SLEEP_MS);
    }
  }
}
