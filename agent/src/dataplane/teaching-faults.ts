import { AppState, ledgerByte } from '../xsk/ledger.ts';
import { Control, Counter } from './control.ts';
import { PAYLOAD_OFFSET, type UdpFrameTemplate, writeUdpFrame } from './frames.ts';
import type { ExtraCopies, Handovers, Lane, Pair } from './handovers.ts';

const SAME_FRAME_MARK = 0xee;

/**
 * Mistakes the spec warns about, made only when a user asks for them, so
 * that the kernel's answer and the ledger's can be watched: a TX descriptor
 * or a FILL address outside the UMEM, and one frame put in FILL and TX at once.
 */
export class TeachingFaults {
  /** `copies` learns of each frame put in FILL and TX at once: the first of its two returns must not free it. */
  constructor(private readonly copies: ExtraCopies) {}

  /** Whether the user asked for a fault on this lane's TX. */
  asked(lane: Lane): boolean {
    return (
      Atomics.load(lane.control, Control.INJECT_INVALID_TX) > 0 ||
      Atomics.load(lane.control, Control.FEED_SAME_FRAME) > 0
    );
  }

  /** Makes one fault asked for, the invalid descriptor first; returns the descriptors put on TX. */
  make(handovers: Handovers, lane: Lane, template: UdpFrameTemplate | null): number {
    if (Atomics.load(lane.control, Control.INJECT_INVALID_TX) > 0) return this.injectInvalid(handovers, lane);
    return this.feedSameFrame(handovers, lane, template);
  }

  /** One descriptor past the end of the UMEM: the kernel must refuse it and count tx_invalid_descs. */
  private injectInvalid(handovers: Handovers, lane: Lane): number {
    const { tx } = lane;
    if (!tx || tx.reserve(1) === 0) return 0;
    tx.setDescriptor(tx.claimIndex, handovers.umem.byteLength + handovers.frameSize, 64);
    tx.submit(1);
    Atomics.sub(lane.control, Control.INJECT_INVALID_TX, 1);
    return 1;
  }

  /**
   * One FILL address past the end of the UMEM for each request of the pair's
   * sockets, made in the FILL refill stage (so a pause holds it too) and
   * before the refill, which would otherwise take the one free entry of a
   * full FILL. When the kernel reaches the address it skips it and receives
   * into the next entry, or drops the frame as if FILL were empty when none
   * follows. It counts the skip on the FILL queue itself (fq->invalid_descs
   * in net/xdp/xsk_buff_pool.c), which XDP_STATISTICS does not report:
   * rx_invalid_descs is the RX ring's count, and RX is produced by the kernel.
   */
  postInvalidFill(handovers: Handovers, pair: Pair): number {
    let posted = 0;
    for (const lane of pair.lanes) {
      while (Atomics.load(lane.control, Control.INJECT_INVALID_FILL) > 0 && pair.fill.reserve(1) === 1) {
        // No frame changes hands, but the generation still moves: a reader reuses its last reading of
        // the rings while the generation and the kernel's words stay put, and FILL's producer is ours.
        handovers.begin();
        pair.fill.setAddress(pair.fill.claimIndex, handovers.umem.byteLength + handovers.frameSize);
        pair.fill.submit(1);
        handovers.end();
        Atomics.sub(lane.control, Control.INJECT_INVALID_FILL, 1);
        posted++;
      }
    }
    return posted;
  }

  /**
   * The FAQ's mistake, on purpose: one frame in FILL and in TX at once. The
   * frame is filled with a marked payload and sent; meanwhile the kernel may
   * receive into it. The ledger then shows the frame in two rings (a
   * violation the sampler reports), and the frame is freed only when both
   * rings have given it back.
   */
  private feedSameFrame(handovers: Handovers, lane: Lane, template: UdpFrameTemplate | null): number {
    const { tx, pair } = lane;
    const { fill } = pair;
    const { free, frameSize, umem, ledger } = handovers;
    if (!tx || free.length === 0 || tx.freeEntries(1) === 0 || fill.freeEntries(1) === 0) return 0;
    const address = free.pop() as number;
    const frame = handovers.frameOf(address);
    // Long enough to reach past XDP_PACKET_HEADROOM, where a copy-mode receive writes: the overwrite shows.
    const length = Math.min(frameSize, 1024);
    if (template) writeUdpFrame(umem, address, { ...template, length });
    umem.fill(SAME_FRAME_MARK, address + PAYLOAD_OFFSET, address + length);
    handovers.templateLength[frame] = 0;
    handovers.begin();
    ledger[frame] = ledgerByte(AppState.GIVEN_TO_TX, lane.slot);
    this.copies.add(frame);
    fill.reserve(1);
    fill.setAddress(fill.claimIndex, address);
    fill.submit(1);
    pair.givenToFill++;
    tx.reserve(1);
    tx.setDescriptor(tx.claimIndex, address, length);
    tx.submit(1);
    handovers.end();
    Atomics.sub(lane.control, Control.FEED_SAME_FRAME, 1);
    lane.counters[Counter.FED_TWICE] = (lane.counters[Counter.FED_TWICE] as number) + 1;
    return 1;
  }
}
