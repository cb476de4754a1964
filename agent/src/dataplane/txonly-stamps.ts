import { completionStamped, TXONLY_CHECKSUM_REQUEST, XDP_TXMD_FLAGS, XSK_TX_METADATA_OFFSETS } from '@ringside/shared';
import { Control, Counter } from './control.ts';
import type { Lane } from './handovers.ts';

/**
 * The completion timestamps txonly asks for (XDP_TXMD_FLAGS_TIMESTAMP): when
 * a frame comes back on COMPLETION, whoever stamped it (the device, or in
 * copy mode the kernel as it frees the skb) has written completion.tx_timestamp
 * over the checksum request in its metadata. Read there, before the frame
 * can be written again, and counted on the lane that sent it.
 */
export class CompletionStamps {
  private readonly view: DataView;
  /** Each lane's TX_LAST_STAMP word, by lane slot, made on its first stamp. */
  private readonly lastStamps: (BigUint64Array | undefined)[] = [];

  constructor(
    umem: Uint8Array,
    private readonly txMetadataLength: number,
  ) {
    this.view = new DataView(umem.buffer, umem.byteOffset, umem.byteLength);
  }

  /** The frame at `address` is back from the kernel: if it asked for a stamp, what came back. */
  read(lane: Lane, address: number): void {
    // Read plainly, not with Atomics: the word is written once, before the socket's first round.
    if (!((lane.control[Control.TX_METADATA_FLAGS] as number) & XDP_TXMD_FLAGS.timestamp)) return;
    const { view, txMetadataLength } = this;
    const metadata = address - txMetadataLength;
    if (metadata < 0) return;
    // Only a packet's first descriptor carries the request: txonly leaves the flags of a chain's other chunks 0.
    if (!(view.getUint32(metadata + XSK_TX_METADATA_OFFSETS.flags, true) & XDP_TXMD_FLAGS.timestamp)) return;
    const { counters } = lane;
    counters[Counter.TX_STAMPS_ASKED] = (counters[Counter.TX_STAMPS_ASKED] as number) + 1;
    const stamp = view.getBigUint64(metadata + XSK_TX_METADATA_OFFSETS.txTimestamp, true);
    // The page's inspector judges the same bytes by the same rule: the request txonly wrote is what a stamp is told from.
    if (!completionStamped(stamp, TXONLY_CHECKSUM_REQUEST)) return;
    let last = this.lastStamps[lane.slot];
    if (!last) {
      last = lastStampWord(counters);
      this.lastStamps[lane.slot] = last;
    }
    // The stamp before its count: a reader that sees the count also sees a stamp (Atomics.store orders the two).
    Atomics.store(last, 0, stamp);
    counters[Counter.TX_STAMPED] = (counters[Counter.TX_STAMPED] as number) + 1;
  }
}

/** A lane's last stamp, the u64 in its counters' TX_LAST_STAMP slot: stored and loaded whole, never torn. */
function lastStampWord(counters: Float64Array): BigUint64Array {
  return new BigUint64Array(counters.buffer, counters.byteOffset + Counter.TX_LAST_STAMP * 8, 1);
}

/** What a lane's counters say of its completion stamps; null when it asked for none. */
export function completionStampsOf(
  control: Int32Array,
  counters: Float64Array,
): { asked: number; stamped: number; last: string | null } | null {
  if (!(Atomics.load(control, Control.TX_METADATA_FLAGS) & XDP_TXMD_FLAGS.timestamp)) return null;
  const stamped = counters[Counter.TX_STAMPED] as number;
  const last = Atomics.load(lastStampWord(counters), 0);
  return { asked: counters[Counter.TX_STAMPS_ASKED] as number, stamped, last: stamped > 0 ? String(last) : null };
}
