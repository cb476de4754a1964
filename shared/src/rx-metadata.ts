import { z } from 'zod';

/**
 * The kernel's RX metadata (Documentation/networking/xdp-rx-metadata.rst) as
 * Ringside's rx-metadata program (bpf/rx_metadata.c) leaves it in front of
 * each frame: what the driver's kfuncs answered, decoded for the packet
 * inspector, and which kfuncs the running kernel and interfaces offer.
 */

export const RxMetadataField = z.enum(['timestamp', 'hash', 'vlanTag']);
export type RxMetadataField = z.infer<typeof RxMetadataField>;
export const RX_METADATA_FIELDS = RxMetadataField.options;

/** The three kfuncs, by the field each fills, with the Linux release that brought it. */
export const RX_METADATA_KFUNCS = {
  timestamp: { kfunc: 'bpf_xdp_metadata_rx_timestamp', since: '6.3' },
  hash: { kfunc: 'bpf_xdp_metadata_rx_hash', since: '6.3' },
  vlanTag: { kfunc: 'bpf_xdp_metadata_rx_vlan_tag', since: '6.8' },
} as const satisfies Record<RxMetadataField, { kfunc: string; since: string }>;

/**
 * struct ringside_rx_metadata of bpf/rx_metadata.c: 32 bytes (the most
 * bpf_xdp_adjust_meta allows) ending where the frame's data begins, little
 * endian (the host's order on every architecture Ringside runs on) except
 * vlan_proto, which the kfunc gives in network order.
 */
const RX_METADATA_LENGTH = 32;
const Layout = {
  magic: 0,
  version: 2,
  valid: 3,
  timestampResult: 4,
  hashResult: 6,
  vlanTagResult: 8,
  vlanProto: 10,
  vlanTci: 12,
  rxHash: 16,
  rxHashType: 20,
  rxTimestamp: 24,
} as const;
const MAGIC = 0x5258;
const VERSION = 1;
const VALID_BIT: Record<RxMetadataField, number> = { timestamp: 1, hash: 2, vlanTag: 4 };
const RESULT_AT: Record<RxMetadataField, number> = {
  timestamp: Layout.timestampResult,
  hash: Layout.hashResult,
  vlanTag: Layout.vlanTagResult,
};

/** enum xdp_rss_hash_type of include/net/xdp.h: which headers the hash covers, bit by bit. */
const HASH_TYPE_BITS = [
  'L3_IPV4',
  'L3_IPV6',
  'L3_DYNHDR',
  'L4',
  'L4_TCP',
  'L4_UDP',
  'L4_SCTP',
  'L4_IPSEC',
  'L4_ICMP',
] as const;
export type RxHashTypeBit = (typeof HASH_TYPE_BITS)[number];

/**
 * The errnos the kfuncs return (net/core/xdp.c): EOPNOTSUPP, the driver has
 * no such op; ENODATA, the driver has none for this frame. The numbers are
 * Linux's on x86 and arm64 alike.
 */
const KFUNC_ERRNOS: Record<number, string> = { 95: 'EOPNOTSUPP', 61: 'ENODATA', 22: 'EINVAL' };
const errnoName = (result: number) => KFUNC_ERRNOS[-result] ?? `errno ${-result}`;

/** One kfunc's answer: its value, or the errno it returned instead. */
export type RxMetadataAnswer<T> = { ok: true; value: T } | { ok: false; error: string };

export interface RxMetadata {
  /** Nanoseconds, as the driver stamps them (0 when it has a hook but no stamp, as veth without a hardware one). */
  timestamp: RxMetadataAnswer<bigint>;
  hash: RxMetadataAnswer<{ hash: number; type: number; typeBits: RxHashTypeBit[] }>;
  vlanTag: RxMetadataAnswer<{ proto: number; tci: number; id: number; priority: number; dropEligible: boolean }>;
}

/**
 * The metadata in front of a frame whose data starts at `dataOffset` of
 * `chunk`, or null when there is none: too little room before the data, or
 * not Ringside's layout (another program, or none: the bytes there are
 * whatever the chunk held before).
 */
export function decodeRxMetadata(chunk: Uint8Array, dataOffset: number): RxMetadata | null {
  const start = dataOffset - RX_METADATA_LENGTH;
  if (start < 0 || dataOffset > chunk.length) return null;
  const view = new DataView(chunk.buffer, chunk.byteOffset + start, RX_METADATA_LENGTH);
  if (view.getUint16(Layout.magic, true) !== MAGIC || view.getUint8(Layout.version) !== VERSION) return null;
  const valid = view.getUint8(Layout.valid);
  const answer = <T>(field: RxMetadataField, value: () => T): RxMetadataAnswer<T> => {
    if ((valid & VALID_BIT[field]) !== 0) return { ok: true, value: value() };
    const result = view.getInt16(RESULT_AT[field], true);
    return { ok: false, error: errnoName(result) };
  };
  return {
    timestamp: answer('timestamp', () => view.getBigUint64(Layout.rxTimestamp, true)),
    hash: answer('hash', () => {
      const type = view.getUint32(Layout.rxHashType, true);
      return {
        hash: view.getUint32(Layout.rxHash, true),
        type,
        typeBits: HASH_TYPE_BITS.filter((_, bit) => (type & (1 << bit)) !== 0),
      };
    }),
    vlanTag: answer('vlanTag', () => {
      const tci = view.getUint16(Layout.vlanTci, true);
      return {
        proto: view.getUint16(Layout.vlanProto, false),
        tci,
        id: tci & 0x0fff,
        priority: tci >> 13,
        dropEligible: (tci & 0x1000) !== 0,
      };
    }),
  };
}

/**
 * Whether one kfunc can be used: `kernel`, the running kernel has it (its
 * BTF names it); per interface, whether its driver implements it (the
 * netdev family's xdp-rx-metadata-features, Linux 6.7; null where the kernel
 * does not say). `reason` says why not, when not.
 */
export const RxMetadataKfunc = z.object({
  field: RxMetadataField,
  kfunc: z.string(),
  since: z.string(),
  kernel: z.boolean(),
  interfaces: z.array(z.object({ ifname: z.string(), offered: z.boolean().nullable() })),
  reason: z.string().nullable(),
});
export type RxMetadataKfunc = z.infer<typeof RxMetadataKfunc>;

/** What the rx-metadata program can do here, probed at start; `program.reason` says why it cannot be chosen. */
export const RxMetadataSupport = z.object({
  program: z.object({ available: z.boolean(), reason: z.string().nullable() }),
  kfuncs: z.array(RxMetadataKfunc),
});
export type RxMetadataSupport = z.infer<typeof RxMetadataSupport>;

/**
 * What the running kernel offers the rx-metadata program: which of the
 * kfuncs its BTF names, and whether its verifier lets an XDP program call
 * bpf_xdp_adjust_meta, the helper that makes room for their answers in front
 * of the frame (two builds of one kernel version were seen to differ here).
 */
export interface KernelRxMetadata {
  kfuncs: Record<RxMetadataField, boolean>;
  adjustMeta: boolean;
}

/**
 * Judges the probe's findings: `kernel`, what the running kernel offers;
 * `interfaces`, which fields each interface's driver offers (null: the
 * kernel does not say). The program calls all three kfuncs, so it needs all
 * three in the kernel, and bpf_xdp_adjust_meta; an interface that lacks one
 * kfunc still takes it (that kfunc answers EOPNOTSUPP in front of every frame).
 */
export function judgeRxMetadataSupport(
  kernel: KernelRxMetadata,
  interfaces: readonly { ifname: string; offered: Record<RxMetadataField, boolean> | null }[],
): RxMetadataSupport {
  const kfuncs = RX_METADATA_FIELDS.map((field): RxMetadataKfunc => {
    const { kfunc, since } = RX_METADATA_KFUNCS[field];
    const offered = interfaces.map(({ ifname, offered }) => ({ ifname, offered: offered ? offered[field] : null }));
    const lacking = offered.filter((entry) => entry.offered === false).map((entry) => entry.ifname);
    const reason = !kernel.kfuncs[field]
      ? `${kfunc} is not in this kernel (its BTF does not name it): it came in Linux ${since}`
      : lacking.length > 0
        ? `${lacking.join(', ')} ${lacking.length === 1 ? 'does' : 'do'} not implement ${kfunc} (the driver has no such xdp_metadata_ops): it answers EOPNOTSUPP there`
        : null;
    return { field, kfunc, since, kernel: kernel.kfuncs[field], interfaces: offered, reason };
  });
  const missing = kfuncs.filter((entry) => !entry.kernel);
  const lacks: string[] = [];
  if (missing.length > 0) {
    const named = missing.map((entry) => `${entry.kfunc} (Linux ${entry.since})`).join(' and ');
    lacks.push(`calls ${named}, which this kernel lacks`);
  }
  if (!kernel.adjustMeta) {
    lacks.push(
      "needs bpf_xdp_adjust_meta to put the kfuncs' answers in front of the frame, and this kernel's verifier refuses that helper to XDP programs",
    );
  }
  return {
    program: {
      available: lacks.length === 0,
      reason: lacks.length === 0 ? null : `rx-metadata ${lacks.join('; it also ')}: choose another program`,
    },
    kfuncs,
  };
}
