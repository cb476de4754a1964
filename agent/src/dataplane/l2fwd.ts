import type { Handovers, Lane } from './handovers.ts';
import type { LaneWorkload } from './workload.ts';

const ETH_ADDRESS = 6;

/** l2fwd: every received frame goes back out of the same socket, its MAC addresses swapped. */
export class L2Fwd implements LaneWorkload {
  readonly wantsReceived = true;
  readonly keepsReceived = true;

  send(handovers: Handovers, lane: Lane): number {
    const { held, batchSize } = lane;
    const count = Math.min(batchSize, held.length / 2, handovers.txRoom(lane, batchSize));
    if (count === 0) return 0;
    const umem = handovers.umem;
    for (let i = 0; i < count; i++) {
      const address = held[2 * i] as number;
      for (let b = 0; b < ETH_ADDRESS; b++) {
        const t = umem[address + b] as number;
        umem[address + b] = umem[address + ETH_ADDRESS + b] as number;
        umem[address + ETH_ADDRESS + b] = t;
      }
    }
    handovers.submitTx(lane, held, count);
    held.splice(0, 2 * count);
    return count;
  }

  sendWaitMs(): number {
    return Number.POSITIVE_INFINITY;
  }
}
