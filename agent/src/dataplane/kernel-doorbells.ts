import { busyPollRx, pollAnyReadable, pollReadable, wakeupTx } from '../native/libc.ts';
import { UmemControl } from './control.ts';
import type { Doorbells } from './handovers.ts';
import type { IdleWaits } from './pipeline.ts';

/** The real doorbells and sleeps of a data-plane worker: syscalls on the sockets, and a futex on the UMEM's WAKE word. */
export class KernelDoorbells implements Doorbells, IdleWaits {
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
