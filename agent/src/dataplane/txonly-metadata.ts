import { onesComplementSum, TXONLY_CHECKSUM_REQUEST, XDP_TXMD_FLAGS, XSK_TX_METADATA_OFFSETS } from '@ringside/shared';
import { ETHERNET_HEADER, IPV4_HEADER } from './frames.ts';

/**
 * The checksum request txonly puts in front of each frame when its UMEM has
 * TX metadata: struct xsk_tx_metadata asking for the UDP checksum, and in the
 * checksum field what the checksum-offload contract (CHECKSUM_PARTIAL)
 * expects there: the pseudo-header's sum. Whoever computes the checksum (the
 * kernel's skb_checksum_help under XDP_UMEM_TX_SW_CSUM, or a device) sums from
 * csum_start to the end, that field included, and stores the complement at
 * csum_start + csum_offset; the pseudo-header is then counted once.
 */

/**
 * Where the UDP header starts in the lab's frames (csum_start), and the
 * checksum's place in it (csum_offset): shared's, for the page to tell a
 * completion stamp from this request as CompletionStamps does.
 */
export const { start: UDP_HEADER_START, offset: UDP_CHECKSUM_OFFSET } = TXONLY_CHECKSUM_REQUEST;
const IPPROTO_UDP = 17;

/** RFC 768's pseudo-header (source and destination address, protocol, UDP length) summed, folded, not complemented. */
export function udpPseudoHeaderSum(bytes: Uint8Array, frameOffset: number): number {
  const ip = frameOffset + ETHERNET_HEADER;
  const udpLength = (((bytes[ip + 2] as number) << 8) | (bytes[ip + 3] as number)) - IPV4_HEADER;
  return onesComplementSum(bytes, ip + 12, 8, IPPROTO_UDP + udpLength);
}

/**
 * Writes struct xsk_tx_metadata at `metadataOffset` (the kernel reads it at
 * the descriptor's address minus tx_metadata_len, in host byte order): the
 * UDP checksum request, with `moreFlags` (XDP_TXMD_FLAGS_TIMESTAMP,
 * _LAUNCH_TIME) and the launch time when that is asked. Written again before
 * each send: the completion's tx_timestamp shares its bytes with csum_start
 * and csum_offset, and a chunk of a shared UMEM may come from another socket.
 */
export function writeTxMetadata(view: DataView, metadataOffset: number, moreFlags = 0, launchTime = 0n): void {
  // As 16- and 32-bit stores, not BigInts: this runs for every frame sent.
  view.setUint32(metadataOffset + XSK_TX_METADATA_OFFSETS.flags, XDP_TXMD_FLAGS.checksum | moreFlags, true);
  view.setUint32(metadataOffset + XSK_TX_METADATA_OFFSETS.flags + 4, 0, true);
  // The padding too: a completion stamp is told from the request by the whole word (completionStamped).
  view.setUint16(metadataOffset + XSK_TX_METADATA_OFFSETS.csumStart, UDP_HEADER_START, true);
  view.setUint16(metadataOffset + XSK_TX_METADATA_OFFSETS.csumOffset, UDP_CHECKSUM_OFFSET, true);
  view.setUint32(metadataOffset + XSK_TX_METADATA_OFFSETS.csumStart + 4, 0, true);
  if (moreFlags & XDP_TXMD_FLAGS.launchTime) {
    view.setBigUint64(metadataOffset + XSK_TX_METADATA_OFFSETS.launchTime, launchTime, true);
  }
}

/**
 * Writes the request for the UDP checksum of the frame at `dataOffset`: its
 * metadata at `metadataOffset` and the pseudo-header's sum in its checksum field.
 */
export function requestUdpChecksum(view: DataView, metadataOffset: number, dataOffset: number): void {
  writeTxMetadata(view, metadataOffset);
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  view.setUint16(dataOffset + UDP_HEADER_START + UDP_CHECKSUM_OFFSET, udpPseudoHeaderSum(bytes, dataOffset));
}
