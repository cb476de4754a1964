import { z } from 'zod';

/** What the running kernel accepts for a UMEM, probed with XDP_UMEM_REG trials at agent start. */
export const UmemLimits = z.object({
  pageSize: z.number().int().positive(),
  alignedChunkSizes: z.array(z.number().int().positive()),
  unalignedChunkRange: z.object({ min: z.number().int().min(0), max: z.number().int().min(0) }),
  /** Largest accepted headroom for each accepted aligned chunk size (keys are decimal chunk sizes). */
  maxHeadroom: z.record(z.string(), z.number().int().min(0)),
});
export type UmemLimits = z.infer<typeof UmemLimits>;

/**
 * The netdev family's xsk-features of an interface: the AF_XDP TX metadata
 * requests its driver carries out (null on kernels before 6.8). Copy mode's
 * software checksum is the kernel's, whatever these say.
 */
export const XskFeatureFlags = z.object({
  txTimestamp: z.boolean(),
  txChecksum: z.boolean(),
  txLaunchTime: z.boolean(),
});
export type XskFeatureFlags = z.infer<typeof XskFeatureFlags>;

/** The netdev family's xdp-features of an interface (null on kernels before 6.3). */
export const XdpFeatureFlags = z.object({
  basic: z.boolean(),
  redirect: z.boolean(),
  ndoXmit: z.boolean(),
  xskZeroCopy: z.boolean(),
  hwOffload: z.boolean(),
  rxSg: z.boolean(),
  ndoXmitSg: z.boolean(),
  zeroCopyMaxSegments: z.number().int().min(0),
  /** Absent from agents before protocol 2.4. */
  xsk: XskFeatureFlags.nullable().optional(),
});
export type XdpFeatureFlags = z.infer<typeof XdpFeatureFlags>;

export const InterfaceInfo = z.object({
  name: z.string(),
  ifindex: z.number().int(),
  driver: z.string(),
  rxQueues: z.number().int().min(0),
  txQueues: z.number().int().min(0),
  mtu: z.number().int().min(0),
  xdpFeatures: XdpFeatureFlags.nullable(),
  attachedXdp: z.object({ mode: z.enum(['skb', 'drv', 'hw']), programId: z.number().int() }).nullable(),
});
export type InterfaceInfo = z.infer<typeof InterfaceInfo>;
