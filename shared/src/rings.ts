import { z } from 'zod';

/** The four rings of AF_XDP, in the order the spec introduces them. */
export const RING_KINDS = ['fill', 'rx', 'tx', 'completion'] as const;
export const RingKind = z.enum(RING_KINDS);
export type RingKind = z.infer<typeof RingKind>;

/**
 * One ring as the kernel and the application see it. `producer` and `consumer`
 * are the shared words (free-running 32-bit counters); `cachedProducer` and
 * `cachedConsumer` are the application's private copies, which lag or lead the
 * shared words between batches. Of a socket attached read-only (another
 * process's), the copies live in that process's private memory: null, unknown.
 */
export const RingState = z.object({
  size: z.number().int().positive(),
  producer: z.number().int().min(0).max(0xffff_ffff),
  consumer: z.number().int().min(0).max(0xffff_ffff),
  cachedProducer: z.number().int().min(0).max(0xffff_ffff).nullable(),
  cachedConsumer: z.number().int().min(0).max(0xffff_ffff).nullable(),
  needWakeup: z.boolean(),
});
export type RingState = z.infer<typeof RingState>;

/** Entries a ring holds: producer minus consumer, modulo 2^32. */
export function ringOccupancy(ring: Pick<RingState, 'producer' | 'consumer'>): number {
  return (ring.producer - ring.consumer) >>> 0;
}

/** How far a free-running 32-bit counter moved from `before` to `after`. */
export function counterDelta(before: number, after: number): number {
  return (after - before) >>> 0;
}
