import type { Handovers, Lane } from './handovers.ts';
import { endsPacket, firstPacketLength, wholePacketsWithin } from './packets.ts';
import type { LaneWorkload } from './workload.ts';

const ETH_ADDRESS = 6;

/**
 * l2fwd: every received packet goes back out of the same socket, its MAC
 * addresses swapped. A multi-buffer packet goes whole, its descriptors in
 * order with XDP_PKT_CONTD as they came; its Ethernet header is in the first.
 */
export class L2Fwd implements LaneWorkload {
  readonly wantsReceived = true;
  readonly keepsReceived = true;

  send(handovers: Handovers, lane: Lane): number {
    const { held, batchSize } = lane;
    const { frames, options } = held;
    // TX's room is asked between two scans rather than through a callback: a closure made each round is garbage on the hot path.
    const first = firstPacketLength(options, held.count);
    if (first === 0) return 0;
    // A packet longer than a batch still goes, alone.
    const room = handovers.txRoom(lane, Math.max(batchSize, first));
    const count = wholePacketsWithin(options, Math.min(held.count, room));
    if (count === 0) return 0;
    const umem = handovers.umem;
    let startsPacket = true;
    for (let i = 0; i < count; i++) {
      if (startsPacket) {
        const address = frames[2 * i] as number;
        for (let b = 0; b < ETH_ADDRESS; b++) {
          const t = umem[address + b] as number;
          umem[address + b] = umem[address + ETH_ADDRESS + b] as number;
          umem[address + ETH_ADDRESS + b] = t;
        }
      }
      startsPacket = endsPacket(options[i] as number);
    }
    return handovers.submitHeld(lane, count);
  }

  sendWaitMs(): number {
    return Number.POSITIVE_INFINITY;
  }
}
