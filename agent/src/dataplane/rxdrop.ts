import type { LaneWorkload } from './workload.ts';

/** rxdrop: every received frame goes straight back to the free pool, and from there to FILL. */
export class RxDrop implements LaneWorkload {
  readonly wantsReceived = true;
  readonly keepsReceived = false;

  send(): number {
    return 0;
  }

  sendWaitMs(): number {
    return Number.POSITIVE_INFINITY;
  }
}
