import { pollReadable } from '../native/libc.ts';
import type { FillRing, RxRing } from '../xsk/ring.ts';
import { Control, Counter } from './control.ts';

export interface RxdropRings {
  fill: FillRing;
  rx: RxRing;
  fd: number;
  needWakeup: boolean;
  batchSize: number;
  frameSize: number;
  frameCount: number;
}

/** How long an idle receiver sleeps in poll() before it looks at its control block again. */
const IDLE_POLL_MS = 50;

/**
 * rxdrop: every received frame goes straight back to FILL. Frames beyond what
 * FILL can hold wait on a free stack and go in as space appears.
 */
export function runRxdrop(rings: RxdropRings, control: Int32Array, counters: Float64Array): void {
  const { fill, rx, fd, needWakeup, batchSize } = rings;
  const free: number[] = [];
  for (let frame = rings.frameCount - 1; frame >= 0; frame--) free.push(frame * rings.frameSize);
  refill(fill, free);

  while (Atomics.load(control, Control.STOP) === 0) {
    const received = rx.peek(batchSize);
    if (received === 0) {
      if (free.length > 0) refill(fill, free);
      // With need_wakeup on, the kernel tells us through FILL when it needs a syscall to go on.
      if (!needWakeup || fill.needsWakeup()) counters[Counter.WAKEUPS] = (counters[Counter.WAKEUPS] as number) + 1;
      else counters[Counter.IDLE_WAITS] = (counters[Counter.IDLE_WAITS] as number) + 1;
      pollReadable(fd, IDLE_POLL_MS);
      continue;
    }
    const first = rx.claimIndex;
    let bytes = 0;
    const room = Math.min(received, fill.freeEntries(received));
    fill.reserve(room);
    const fillFirst = fill.claimIndex;
    for (let i = 0; i < received; i++) {
      const index = (first + i) >>> 0;
      bytes += rx.length(index);
      if (i < room) fill.setAddress((fillFirst + i) >>> 0, rx.baseAddress(index));
      else free.push(rx.baseAddress(index));
    }
    fill.submit(room);
    rx.release(received);
    counters[Counter.RX_PACKETS] = (counters[Counter.RX_PACKETS] as number) + received;
    counters[Counter.RX_BYTES] = (counters[Counter.RX_BYTES] as number) + bytes;
  }
}

function refill(fill: FillRing, free: number[]): void {
  const count = Math.min(free.length, fill.freeEntries(free.length));
  if (count === 0) return;
  fill.reserve(count);
  const first = fill.claimIndex;
  for (let i = 0; i < count; i++) fill.setAddress((first + i) >>> 0, free.pop() as number);
  fill.submit(count);
}
