import { busyPollRx, pollAnyReadable, pollReadable, wakeupTx } from '../native/libc.ts';
import { UmemControl } from './control.ts';
import type { Doorbells } from './handovers.ts';
import type { IdleWaits } from './pipeline.ts';

/**
 * How long a quiet spell may last and still be spun through rather than slept
 * in. Under load the next frames are microseconds away: an empty round costs
 * a few loads, a poll() that returns at once a syscall, and the reference
 * receiver (xdpsock) never sleeps at all. Lab traffic at its default rate
 * (10 kpps) comes in 1 ms batches: at most one window is spun per batch.
 * Against xdpsock's rx_drop on the lab source, 50 µs took the JS worker from
 * about 160,000 poll()s a second (61-66 % of its time running) to about 200
 * (98 %), and JS ÷ reference from 0.92 to 0.95-0.98.
 */
const SPIN_WINDOW_MS = 0.05;

/** The real doorbells and sleeps of a data-plane worker: syscalls on the sockets, and a futex on the UMEM's WAKE word. */
export class KernelDoorbells implements Doorbells, IdleWaits {
  readonly spinWindowMs = SPIN_WINDOW_MS;
  constructor(private readonly umemControl: Int32Array) {}

  kickTx(fd: number): void {
    wakeupTx(fd);
  }

  wakeRx(fd: number): void {
    pollReadable(fd, 0);
  }

  busyPollRx(fd: number): void {
    busyPollRx(fd);
  }

  awaitCommand(timeoutMs: number): void {
    const wake = Atomics.load(this.umemControl, UmemControl.WAKE);
    Atomics.wait(this.umemControl, UmemControl.WAKE, wake, timeoutMs);
  }

  awaitReceive(fds: readonly number[], timeoutMs: number): void {
    if (fds.length === 1) pollReadable(fds[0] as number, timeoutMs);
    else pollAnyReadable(fds, timeoutMs);
  }
}
