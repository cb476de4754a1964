import { XDP_TXMD_FLAGS, XSK_TX_METADATA_OFFSETS } from '@ringside/shared';
import { Control, Counter } from './control.ts';
import type { Lane } from './handovers.ts';
import { CHECKSUM_REQUEST_WORD } from './txonly-metadata.ts';

/**
 * The completion timestamps txonly asks for (XDP_TXMD_FLAGS_TIMESTAMP): when
 * a frame comes back on COMPLETION, whoever stamped it (the device, or in
 * copy mode the kernel as it frees the skb) has written completion.tx_timestamp
 * over the checksum request in its metadata. Read there, before the frame
 * can be written again, and counted on the lane that sent it.
 */
export class CompletionStamps {
  private readonly view: DataView;

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
    const low = view.getUint32(metadata + XSK_TX_METADATA_OFFSETS.txTimestamp, true);
    const high = view.getUint32(metadata + XSK_TX_METADATA_OFFSETS.txTimestamp + 4, true);
    if (low === CHECKSUM_REQUEST_WORD.low && high === CHECKSUM_REQUEST_WORD.high) return;
    counters[Counter.TX_STAMPED] = (counters[Counter.TX_STAMPED] as number) + 1;
    counters[Counter.TX_LAST_STAMP_HIGH] = high;
    counters[Counter.TX_LAST_STAMP_LOW] = low;
  }
}

/** What a lane's counters say of its completion stamps; null when it asked for none. */
export function completionStampsOf(
  control: Int32Array,
  counters: Float64Array,
): { asked: number; stamped: number; last: string | null } | null {
  if (!(Atomics.load(control, Control.TX_METADATA_FLAGS) & XDP_TXMD_FLAGS.timestamp)) return null;
  const stamped = counters[Counter.TX_STAMPED] as number;
  const last =
    (BigInt(counters[Counter.TX_LAST_STAMP_HIGH] as number) << 32n) |
    BigInt(counters[Counter.TX_LAST_STAMP_LOW] as number);
  return { asked: counters[Counter.TX_STAMPS_ASKED] as number, stamped, last: stamped > 0 ? String(last) : null };
}
