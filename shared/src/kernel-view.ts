import { z } from 'zod';

/**
 * What the kernel says about a socket, each fact with where it was read.
 * Ringside's own sockets carry it beside what was requested (a difference
 * is a mismatch, shown and never smoothed over); for a socket of another
 * process, attached read-only, it is everything there is.
 */
export const FactSource = z.enum([
  /** The netlink dump of the xsk_diag module (CONFIG_XDP_SOCKETS_DIAG), where the kernel has it. */
  'socket-diag',
  /** The longest ring mapping the kernel accepts at a ring's offset (page-granular). */
  'mmap-probe',
  /** getsockopt on the socket: XDP_OPTIONS, XDP_STATISTICS, XDP_MMAP_OFFSETS. */
  'getsockopt',
  /** rtnetlink / the netdev family: what `ip -d link` and bpftool report. */
  'netlink',
  /** The flags word of a ring, as the kernel sets it. */
  'ring-flags',
  /** Where the kernel wrote received data: descriptors' addresses within their chunks. */
  'ring-contents',
  /** Read from /proc: a process's fds, command line, namespace. */
  'procfs',
  /** Nothing has told it yet. */
  'unknown',
]);
export type FactSource = z.infer<typeof FactSource>;

/** One fact: its value (null until known) and where it came from; `note` says what limits it. */
function fact<T extends z.ZodType>(value: T) {
  return z.object({ value: value.nullable(), source: FactSource, note: z.string().optional() });
}

const count = z.number().int().min(0);

/** A ring's entry count: the power-of-two counts consistent with what was read, one when it is exact. */
export const RingSizeFact = z.object({
  /** Empty when the socket has no such ring. */
  candidates: z.array(count),
  exact: z.boolean(),
  present: z.boolean(),
  source: FactSource,
});
export type RingSizeFact = z.infer<typeof RingSizeFact>;

export const KernelView = z.object({
  /** Agent clock (ms since the epoch) when it was read: at creation, reconfiguration and on request, never per snapshot. */
  readAt: z.number(),
  rings: z.object({ fill: RingSizeFact, rx: RingSizeFact, tx: RingSizeFact, completion: RingSizeFact }),
  zeroCopy: fact(z.boolean()),
  xdpMode: fact(z.enum(['skb', 'drv', 'hw'])),
  xdpProgramId: fact(count),
  ifname: fact(z.string()),
  queueId: fact(count),
  chunkSize: fact(count).extend({
    /**
     * What received frames prove when their stride fits several chunk sizes
     * (frames of neighbouring chunks went to another socket): the chunk
     * divides this many bytes, and `value` stays null.
     */
    divides: count.optional(),
  }),
  headroom: fact(count),
  unaligned: fact(z.boolean()),
  /** The need_wakeup flag of FILL and TX as the kernel last set it. */
  fillNeedWakeup: fact(z.boolean()),
  txNeedWakeup: fact(z.boolean()),
});
export type KernelView = z.infer<typeof KernelView>;

/**
 * Whether what the kernel showed of a chunk contradicts a registered size: a
 * known size that differs, or a stride (`divides`) the size does not divide.
 * A chunk known only to divide a stride agrees with any size that divides it.
 */
export function chunkContradicts(chunk: KernelView['chunkSize'], frameSize: number): boolean {
  return chunk.value === null
    ? chunk.divides !== undefined && chunk.divides % frameSize !== 0
    : chunk.value !== frameSize;
}

/**
 * include/net/xdp.h: the room the kernel leaves before a frame's data for an
 * XDP program. Both copy-mode and zero-copy receives start the data there,
 * after the UMEM's headroom (xsk_buff_pool.c, xp_init_xskb_addr).
 */
export const XDP_PACKET_HEADROOM = 256;

/**
 * include/uapi/linux/if_xdp.h (Linux 6.6): xdp_desc.options bit 0 on every
 * descriptor of a multi-buffer packet but its last, on RX and TX alike.
 */
export const XDP_PKT_CONTD = 1 << 0;

/** A requested setting the kernel's view contradicts. */
export const KernelMismatch = z.object({
  /** A KernelView key, or `rings.<ring>`. */
  fact: z.string(),
  requested: z.string(),
  inEffect: z.string(),
  /** Why it differs, where that is known (e.g. a driver without zero-copy). */
  explanation: z.string(),
});
export type KernelMismatch = z.infer<typeof KernelMismatch>;

/**
 * What a kernel-mismatch event tells (protocol 2.2): every mismatch the
 * kernel's view shows now, and those told before that it no longer shows.
 * The event comes only when this changes; `now` empty says all cleared.
 */
export const KernelMismatchChange = z.object({
  now: z.array(KernelMismatch),
  cleared: z.array(KernelMismatch),
});
export type KernelMismatchChange = z.infer<typeof KernelMismatchChange>;
