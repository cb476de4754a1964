import { z } from 'zod';
// Types only: protocol.ts and socket-options.ts import this module's schemas, and a value import back would be a cycle.
import type { UmemConfig } from './protocol.ts';
import type { Problem } from './validation.ts';

/**
 * TX metadata: `tx_metadata_len` bytes registered with the UMEM
 * (XDP_UMEM_REG), reserved in front of every TX frame's data, where the
 * application writes a struct xsk_tx_metadata and marks the descriptor
 * XDP_TX_METADATA. Ringside's txonly asks there for the UDP checksum
 * (XDP_TXMD_FLAGS_CHECKSUM). In copy mode XDP_UMEM_TX_SW_CSUM has the kernel
 * compute it (skb_checksum_help); without it the request travels with the skb
 * for the device. Whether the running kernel takes either, and its rules for
 * the length, are probed at agent start (agent/src/host/socket-features.ts).
 */

/** Since when the kernel has them: tx_metadata_len and XDP_UMEM_TX_SW_CSUM came in 6.8, launch time in 6.15. */
export const TX_METADATA_SINCE = { txMetadata: '6.8', swChecksum: '6.8', launchTime: '6.15' } as const;

/**
 * include/uapi/linux/if_xdp.h: struct xsk_tx_metadata, in host byte order.
 *   struct xsk_tx_metadata { __u64 flags; union {
 *     struct { __u16 csum_start; __u16 csum_offset; __u64 launch_time; } request;
 *     struct { __u64 tx_timestamp; } completion; }; };
 * csum_start counts from the descriptor's address; csum_offset from csum_start.
 */
export const XSK_TX_METADATA_OFFSETS = { flags: 0, csumStart: 8, csumOffset: 10, launchTime: 16 } as const;
/** Its flags (XDP_TXMD_FLAGS_TIMESTAMP, _CHECKSUM, _LAUNCH_TIME). */
export const XDP_TXMD_FLAGS = { timestamp: 1 << 0, checksum: 1 << 1, launchTime: 1 << 2 } as const;

/** struct xsk_tx_metadata up to the checksum request (flags, csum_start, csum_offset), rounded up to the kernel's 8. */
export const TX_METADATA_CHECKSUM_BYTES = 16;

export const TxMetadataConfig = z.object({
  /** tx_metadata_len: bytes in front of each TX frame's data, for struct xsk_tx_metadata. */
  length: z.number().int().min(0).max(0xffff),
  /** XDP_UMEM_TX_SW_CSUM: in copy mode the kernel fills in the requested checksum itself. */
  swChecksum: z.boolean(),
});
export type TxMetadataConfig = z.infer<typeof TxMetadataConfig>;

/** What XDP_UMEM_REG trials on this kernel found (at agent start). */
export const TxMetadataSupport = z.object({
  available: z.boolean(),
  /** The refusal, with its errno name, when not available. */
  refusal: z.string().nullable(),
  /** The tx_metadata_len values accepted: from minLength to maxLength in steps of `step` (all 0 when unavailable). */
  minLength: z.number().int().min(0),
  step: z.number().int().min(0),
  maxLength: z.number().int().min(0),
  swChecksum: z.object({ available: z.boolean(), refusal: z.string().nullable() }),
});
export type TxMetadataSupport = z.infer<typeof TxMetadataSupport>;

/** Bytes a TX frame's data may use in a chunk: the metadata sits in front of it, in the same chunk. */
export function txDataRoom(umem: UmemConfig): number {
  return umem.frameSize - (umem.txMetadata?.length ?? 0);
}

const LABEL = {
  txMetadata: 'TX metadata (tx_metadata_len)',
  swChecksum: 'the software checksum (XDP_UMEM_TX_SW_CSUM)',
} as const;

/**
 * Why an option cannot be used on this kernel, naming it, the release that
 * brought it and the refusal; null when it can. `support` is absent from an
 * agent that probed none.
 */
export function txMetadataUnavailable(
  support: TxMetadataSupport | undefined,
  kernel: string,
  option: keyof typeof LABEL,
): string | null {
  if (!support) return `this agent did not say whether its kernel takes ${LABEL[option]}`;
  const { available, refusal } = option === 'txMetadata' ? support : support.swChecksum;
  if (available) return null;
  return `${LABEL[option]} came in Linux ${TX_METADATA_SINCE[option]}; this kernel (${kernel}) refused it: ${refusal ?? 'unknown'}`;
}

/** A UMEM's TX metadata checked against what the kernel took at start. */
export function validateTxMetadata(
  umem: UmemConfig,
  support: TxMetadataSupport | undefined,
  kernel: string,
): Problem[] {
  const metadata = umem.txMetadata;
  // Without a probe (a setup that made none) the kernel's answer is the check.
  if (!metadata || !support) return [];
  const missing = txMetadataUnavailable(support, kernel, 'txMetadata');
  if (missing) return [{ field: 'txMetadataLength', message: `${missing}: leave txMetadata out` }];
  const problems: Problem[] = [];
  const { length } = metadata;
  const { minLength, step, maxLength } = support;
  if (length < minLength || length > maxLength || (length - minLength) % step !== 0) {
    problems.push({
      field: 'txMetadataLength',
      message: `tx_metadata_len ${length} is not one this kernel accepts (probed at start): from ${minLength} to ${maxLength} in steps of ${step}`,
    });
  } else if (length < TX_METADATA_CHECKSUM_BYTES) {
    problems.push({
      field: 'txMetadataLength',
      message: `the checksum request needs ${TX_METADATA_CHECKSUM_BYTES} bytes of metadata (flags, csum_start, csum_offset): set tx_metadata_len to ${TX_METADATA_CHECKSUM_BYTES}`,
    });
  }
  const noSoftwareChecksum = txMetadataUnavailable(support, kernel, 'swChecksum');
  if (metadata.swChecksum && noSoftwareChecksum) {
    problems.push({ field: 'swChecksum', message: `${noSoftwareChecksum}: turn swChecksum off` });
  }
  return problems;
}

/**
 * Who fills in a requested checksum, in words for the form: copy mode's
 * software checksum is the kernel's, the rest is the device's (its
 * xsk-features; null from a kernel before 6.8, which reports none).
 */
export function whoComputesTheChecksum(
  swChecksum: boolean,
  device: { name: string; xsk: { txChecksum: boolean; txTimestamp: boolean; txLaunchTime: boolean } | null } | null,
): string {
  if (swChecksum) return 'the kernel computes each requested checksum itself in copy mode (skb_checksum_help)';
  if (!device) return 'the request is left to the device';
  if (!device.xsk) return `the request is left to ${device.name}, whose kernel reports no xsk-features (before 6.8)`;
  const { txChecksum, txTimestamp, txLaunchTime } = device.xsk;
  const offloads = [txChecksum && 'checksum', txTimestamp && 'TX timestamp', txLaunchTime && 'launch time'].filter(
    (offload): offload is string => offload !== false,
  );
  return `the request is left to ${device.name}, whose xsk-features offer ${offloads.length > 0 ? offloads.join(', ') : 'none'}${txChecksum ? '' : ': the checksum leaves as the pseudo-header sum'}`;
}

/** struct xsk_tx_metadata as found in a chunk: what a frame's sender asked of the kernel or the device. */
export interface TxMetadataReading {
  /** Where the metadata starts in the chunk, and its length (tx_metadata_len). */
  at: number;
  length: number;
  flags: (keyof typeof XDP_TXMD_FLAGS)[];
  /** Bits no XDP_TXMD_FLAGS_* names: the kernel refuses such metadata (xsk_buff_valid_tx_metadata). */
  unknownFlags: number;
  /** csum_start and csum_offset, when the checksum is asked for; `field` is the checksum's place in the chunk. */
  checksum: { start: number; offset: number; field: number } | null;
  /** launch_time, when asked for and within the metadata. */
  launchTime: bigint | null;
}

/** Reads the metadata in front of a frame at `frameOffset` of a chunk; null when the frame leaves no room for it. */
export function readTxMetadata(chunk: Uint8Array, frameOffset: number, length: number): TxMetadataReading | null {
  const at = frameOffset - length;
  if (length < TX_METADATA_CHECKSUM_BYTES || at < 0 || frameOffset > chunk.length) return null;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const word = view.getBigUint64(at + XSK_TX_METADATA_OFFSETS.flags, true);
  const named = Object.values(XDP_TXMD_FLAGS).reduce((all, bit) => all | bit, 0);
  const flags = (Object.keys(XDP_TXMD_FLAGS) as (keyof typeof XDP_TXMD_FLAGS)[]).filter(
    (flag) => (word & BigInt(XDP_TXMD_FLAGS[flag])) !== 0n,
  );
  const start = view.getUint16(at + XSK_TX_METADATA_OFFSETS.csumStart, true);
  const offset = view.getUint16(at + XSK_TX_METADATA_OFFSETS.csumOffset, true);
  const launchTimeEnd = XSK_TX_METADATA_OFFSETS.launchTime + 8;
  return {
    at,
    length,
    flags,
    unknownFlags: Number(word & ~BigInt(named) & 0xffff_ffffn),
    checksum: flags.includes('checksum') ? { start, offset, field: frameOffset + start + offset } : null,
    launchTime:
      flags.includes('launchTime') && length >= launchTimeEnd
        ? view.getBigUint64(at + XSK_TX_METADATA_OFFSETS.launchTime, true)
        : null,
  };
}
