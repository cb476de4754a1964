import { z } from 'zod';
// Types only: protocol.ts and socket-options.ts import this module's schemas, and a value import back would be a cycle.
import type { InterfaceInfo } from './facts.ts';
import { releaseAtLeast } from './kernel-release.ts';
import type { SocketRequest, UmemConfig } from './protocol.ts';
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
 * The union means the completion's tx_timestamp overwrites the checksum
 * request when the frame comes back: a sender asking for both writes the
 * request again before each send.
 */
export const XSK_TX_METADATA_OFFSETS = {
  flags: 0,
  csumStart: 8,
  csumOffset: 10,
  launchTime: 16,
  txTimestamp: 8,
} as const;
/** Its flags (XDP_TXMD_FLAGS_TIMESTAMP, _CHECKSUM, _LAUNCH_TIME). */
export const XDP_TXMD_FLAGS = { timestamp: 1 << 0, checksum: 1 << 1, launchTime: 1 << 2 } as const;

/**
 * Bytes of struct xsk_tx_metadata each request reaches, rounded up to the
 * kernel's 8: the kernel reads the whole struct at the address minus
 * tx_metadata_len whatever the length, so a shorter one has it read the
 * frame's first bytes as launch_time, or stamp over them.
 */
export const TX_METADATA_BYTES = {
  /** flags, csum_start, csum_offset. */
  checksum: 16,
  /** flags, completion.tx_timestamp. */
  timestamp: 16,
  /** flags, the checksum request and its padding, launch_time. */
  launchTime: 24,
} as const;

export const TxMetadataConfig = z.object({
  /** tx_metadata_len: bytes in front of each TX frame's data, for struct xsk_tx_metadata. */
  length: z.number().int().min(0).max(0xffff),
  /** XDP_UMEM_TX_SW_CSUM: in copy mode the kernel fills in the requested checksum itself. */
  swChecksum: z.boolean(),
});
export type TxMetadataConfig = z.infer<typeof TxMetadataConfig>;

/**
 * The completion timestamps of a txonly socket that asks for them, as the
 * data plane read them off COMPLETION: what the page shows as stamped or not.
 */
export const TxCompletionStamps = z.object({
  /** Frames back on COMPLETION that had asked for a stamp. */
  asked: z.number().int().min(0),
  /** Of those, the ones whose completion.tx_timestamp holds something other than what txonly left there. */
  stamped: z.number().int().min(0),
  /** The last stamp read, in ns of CLOCK_TAI (decimal: a u64 outgrows a double), or null before any. */
  last: z
    .string()
    .regex(/^\d{1,20}$/)
    .nullable(),
});
export type TxCompletionStamps = z.infer<typeof TxCompletionStamps>;

/** A launch time further off than this is no demonstration: it also fits a data-plane control word. */
export const MAX_LAUNCH_TIME_OFFSET_NS = 1_000_000_000;

/**
 * What txonly asks of each frame beyond its checksum: flags of the frame's
 * own metadata, which the kernel ties to no UMEM (only their room,
 * tx_metadata_len, is the UMEM's), so they belong to the socket's request.
 */
export const TxMetadataRequests = z.object({
  /** XDP_TXMD_FLAGS_TIMESTAMP: completion.tx_timestamp is written before the frame comes back on COMPLETION. */
  timestamp: z.boolean(),
  /** XDP_TXMD_FLAGS_LAUNCH_TIME (6.15): each frame asks to leave this many ns after it is written (CLOCK_TAI); null: not asked. */
  launchTimeOffsetNs: z.number().int().min(0).max(MAX_LAUNCH_TIME_OFFSET_NS).nullable(),
});
export type TxMetadataRequests = z.infer<typeof TxMetadataRequests>;

/** The XDP_TXMD_FLAGS bits the requests add to each frame's metadata (the checksum aside). */
export function txMetadataRequestFlags(requests: TxMetadataRequests | undefined): number {
  if (!requests) return 0;
  return (
    (requests.timestamp ? XDP_TXMD_FLAGS.timestamp : 0) |
    (requests.launchTimeOffsetNs !== null ? XDP_TXMD_FLAGS.launchTime : 0)
  );
}

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
  }
  const noSoftwareChecksum = txMetadataUnavailable(support, kernel, 'swChecksum');
  if (metadata.swChecksum && noSoftwareChecksum) {
    problems.push({ field: 'swChecksum', message: `${noSoftwareChecksum}: turn swChecksum off` });
  }
  return problems;
}

/** The request each of TxMetadataRequests makes, as the kernel and netdev's xsk-features name it. */
const REQUEST_LABEL = {
  timestamp: { flag: 'the completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP)', feature: 'tx-timestamp' },
  launchTime: { flag: 'the launch time (XDP_TXMD_FLAGS_LAUNCH_TIME)', feature: 'tx-launch-time' },
} as const;
export type TxMetadataRequest = keyof typeof REQUEST_LABEL;
/** The draft's and the problems' field for each. */
const TX_METADATA_REQUEST_FIELD = {
  timestamp: 'txTimestamp',
  launchTime: 'launchTimeOffsetNs',
} as const satisfies Record<TxMetadataRequest, string>;
/** Drivers whose xsk_tx_metadata_ops carry each out (upstream, 6.15): what to look for instead of veth. */
const OFFERED_BY = { timestamp: 'mlx5, stmmac or igc', launchTime: 'stmmac or igc' } as const;

/**
 * Why txonly cannot ask for `request` on this interface and kernel, naming
 * what is missing where and who offers it; null when it can. The device's
 * xsk-features decide: copy mode's kernel stamps too, but a driver that
 * offers nothing is what a user must hear about first.
 */
export function txMetadataRequestUnavailable(
  request: TxMetadataRequest,
  device: Pick<InterfaceInfo, 'name' | 'driver' | 'xdpFeatures'> | null,
  kernel: string,
): string | null {
  const { flag, feature } = REQUEST_LABEL[request];
  // A release that does not read as one is not judged.
  if (request === 'launchTime' && releaseAtLeast(kernel, TX_METADATA_SINCE.launchTime) === false) {
    return `${flag} came in Linux ${TX_METADATA_SINCE.launchTime}; this kernel is ${kernel}`;
  }
  if (!device) return null;
  const xsk = device.xdpFeatures?.xsk;
  if (!xsk)
    return `${device.name} reports no xsk-features (a kernel before 6.8): ${flag} needs a driver that offers ${feature}`;
  const offered = request === 'timestamp' ? xsk.txTimestamp : xsk.txLaunchTime;
  if (offered) return null;
  return `${device.name} (${device.driver}) offers no ${feature} in its xsk-features: ${flag} needs a driver that does, such as ${OFFERED_BY[request]}`;
}

/** The TX metadata requests of a socket, checked against its UMEM's metadata, its workload, interface and kernel. */
export function validateTxMetadataRequests(
  request: Pick<SocketRequest, 'umem' | 'workload' | 'txMetadataRequests'>,
  device: Pick<InterfaceInfo, 'name' | 'driver' | 'xdpFeatures'> | null,
  kernel: string,
): Problem[] {
  const asked = request.txMetadataRequests;
  const wanted: TxMetadataRequest[] = [];
  if (asked?.timestamp) wanted.push('timestamp');
  if (asked?.launchTimeOffsetNs !== null && asked?.launchTimeOffsetNs !== undefined) wanted.push('launchTime');
  const length = request.umem.txMetadata?.length;
  return wanted.flatMap((wish): Problem[] => {
    const field = TX_METADATA_REQUEST_FIELD[wish];
    const { flag } = REQUEST_LABEL[wish];
    if (request.workload !== 'txonly') {
      return [{ field, message: `only txonly writes each frame's metadata: choose txonly, or leave ${flag} out` }];
    }
    // A length too short for the request is txMetadataLengthProblems': Ringside's limit, held whatever the checks.
    if (!length) {
      return [
        {
          field,
          message: `${flag} rides in TX metadata: give the UMEM txMetadata (tx_metadata_len ${TX_METADATA_BYTES[wish]} or more)`,
        },
      ];
    }
    const missing = txMetadataRequestUnavailable(wish, device, kernel);
    return missing ? [{ field, message: `${missing}: leave it out, or let the kernel answer (checks: kernel)` }] : [];
  });
}

/**
 * tx_metadata_len long enough, the one place that says so: txonly, the only
 * workload that marks its descriptors XDP_TX_METADATA, writes struct
 * xsk_tx_metadata in front of every frame up to each field it fills in (the
 * checksum request always, launch_time when asked). The kernel takes any
 * length XDP_UMEM_REG accepts and reads the whole struct at the address
 * minus tx_metadata_len whatever it is, so a shorter one puts those fields in
 * the frame itself: Ringside's own limit, held whatever the checks, by the
 * agent and the form alike. The completion stamp needs no line of its own:
 * it overlays the checksum request's bytes. One refusal per field, each
 * naming the length that fixes it.
 */
export function txMetadataLengthProblems(
  request: Pick<SocketRequest, 'umem' | 'workload' | 'txMetadataRequests'>,
): Problem[] {
  const length = request.umem.txMetadata?.length;
  // Without a length txonly writes no metadata and marks no descriptor: nothing lands anywhere.
  if (request.workload !== 'txonly' || !length) return [];
  const written = [
    { field: 'txMetadataLength', what: 'the checksum request', bytes: TX_METADATA_BYTES.checksum },
    ...((request.txMetadataRequests?.launchTimeOffsetNs ?? null) !== null
      ? [{ field: TX_METADATA_REQUEST_FIELD.launchTime, what: 'launch_time', bytes: TX_METADATA_BYTES.launchTime }]
      : []),
  ];
  return written
    .filter(({ bytes }) => length < bytes)
    .map(({ field, what, bytes }) => ({
      field,
      message: `txonly writes ${what} up to byte ${bytes} of struct xsk_tx_metadata, past tx_metadata_len ${length}: it would overwrite the frame itself, whatever the checks. Set tx_metadata_len to ${bytes}`,
    }));
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

/**
 * What came back of the completion timestamps a socket asks for, in words
 * for the page: how many frames were stamped, the last stamp, and whose
 * stamps they can be. Measured on veth (copy mode, Linux 6.18): every one is
 * stamped, by the kernel in software as it frees the frame's skb
 * (xsk_destruct_skb), though veth offers no tx-timestamp.
 */
export function describeCompletionStamps(
  stamps: TxCompletionStamps,
  device: { name: string; xsk: { txTimestamp: boolean } | null } | null,
  zeroCopy: boolean,
): string {
  const offered = device?.xsk?.txTimestamp === true;
  const who = device ? `${device.name} ${offered ? 'offers' : 'offers no'} tx-timestamp` : 'the device is unknown';
  if (stamps.stamped === 0) {
    return `no stamp yet on ${stamps.asked} frame(s) back on COMPLETION: ${who}`;
  }
  const whose = !zeroCopy
    ? `copy mode's kernel stamps them itself, in software, as it frees each frame's skb: ${who}`
    : offered
      ? 'the device stamps them'
      : `in zero-copy no skb is freed for the kernel to stamp, so the driver does, though ${who}`;
  return `${stamps.stamped} of ${stamps.asked} frame(s) back on COMPLETION stamped, the last at ${stamps.last} ns (${completionStampClock(zeroCopy)}); ${whose}`;
}

/**
 * The clock of completion.tx_timestamp: copy mode's kernel reads CLOCK_TAI
 * (xsk_destruct_skb); in zero-copy the device stamps from its own clock, its
 * PTP hardware clock, which nothing ties to the host's.
 */
export function completionStampClock(zeroCopy: boolean): string {
  return zeroCopy ? "the device's PTP hardware clock" : 'CLOCK_TAI';
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
  /**
   * completion.tx_timestamp, when a stamp is asked for: meaningful once the
   * frame is back on COMPLETION; before that these bytes are the request's.
   */
  txTimestamp: bigint | null;
  /**
   * Whether tx_timestamp holds a stamp (completionStamped): back on
   * COMPLETION, whether the frame was stamped; null when no stamp is asked.
   */
  stamped: boolean | null;
}

/**
 * A checksum request as struct xsk_tx_metadata carries it: csum_start from
 * the descriptor's address, csum_offset from there; and the u64 it leaves at
 * completion.tx_timestamp's place (csum_start, csum_offset, then 4 bytes of
 * padding, 0), built once: the data plane compares it with every completion.
 */
export interface TxChecksumRequest {
  readonly start: number;
  readonly offset: number;
  readonly word: bigint;
}

export function checksumRequest(start: number, offset: number): TxChecksumRequest {
  return { start, offset, word: BigInt(start + offset * 0x1_0000) };
}

/**
 * The request Ringside's txonly writes in front of every frame it sends: the
 * UDP checksum of its Ethernet and IPv4 frames (14 and 20 bytes of headers;
 * RFC 768 puts the checksum 6 bytes into the UDP header). Known here, the page
 * can tell a stamp from it as the data plane does.
 */
export const TXONLY_CHECKSUM_REQUEST = checksumRequest(14 + 20, 6);

/**
 * Whether the u64 at completion.tx_timestamp's place is a stamp, for a frame
 * whose sender wrote `request` there. Whoever stamps (the driver, or copy
 * mode's kernel as it frees the skb) writes the whole u64 over the request
 * (the two share a union) and nothing else, flags included: so the bytes
 * alone cannot tell a stamp from a request, and csum_start and csum_offset
 * read back after a stamp are its low 32 bits. Only the sender knows what it
 * wrote; any other word is a stamp, however small (a device clock reads
 * under 2^32 ns for its first 4.29 s). A stamp equal to the request is the
 * one that cannot be told, and counts as none.
 */
export function completionStamped(txTimestamp: bigint, request: TxChecksumRequest): boolean {
  return txTimestamp !== request.word;
}

/**
 * Reads the metadata in front of a frame at `frameOffset` of a chunk, whose
 * sender wrote `request` (what a stamp is told from); null when the frame
 * leaves no room for it.
 */
export function readTxMetadata(
  chunk: Uint8Array,
  frameOffset: number,
  length: number,
  request: TxChecksumRequest,
): TxMetadataReading | null {
  const at = frameOffset - length;
  if (length < TX_METADATA_BYTES.checksum || at < 0 || frameOffset > chunk.length) return null;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const word = view.getBigUint64(at + XSK_TX_METADATA_OFFSETS.flags, true);
  const named = Object.values(XDP_TXMD_FLAGS).reduce((all, bit) => all | bit, 0);
  const flags = (Object.keys(XDP_TXMD_FLAGS) as (keyof typeof XDP_TXMD_FLAGS)[]).filter(
    (flag) => (word & BigInt(XDP_TXMD_FLAGS[flag])) !== 0n,
  );
  const start = view.getUint16(at + XSK_TX_METADATA_OFFSETS.csumStart, true);
  const offset = view.getUint16(at + XSK_TX_METADATA_OFFSETS.csumOffset, true);
  const launchTimeEnd = XSK_TX_METADATA_OFFSETS.launchTime + 8;
  const txTimestampEnd = XSK_TX_METADATA_OFFSETS.txTimestamp + 8;
  const txTimestamp =
    flags.includes('timestamp') && length >= txTimestampEnd
      ? view.getBigUint64(at + XSK_TX_METADATA_OFFSETS.txTimestamp, true)
      : null;
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
    txTimestamp,
    stamped: txTimestamp === null ? null : completionStamped(txTimestamp, request),
  };
}
