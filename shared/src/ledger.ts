import { z } from 'zod';

/**
 * Who owns a UMEM frame, in the order a received frame travels (free, FILL,
 * kernel, RX, application) and then a sent one (TX, kernel, COMPLETION);
 * then, in one socket's view of a shared UMEM, frames another socket holds;
 * last, of a socket attached read-only, every frame in none of its rings.
 * The numeric code of an owner is its index here.
 */
export const FRAME_OWNERS = [
  'free',
  'fill',
  'kernel-rx',
  'rx',
  'app',
  'tx',
  'kernel-tx',
  'completion',
  'other-socket',
  'application-held',
] as const;
export const FrameOwner = z.enum(FRAME_OWNERS);
export type FrameOwner = z.infer<typeof FrameOwner>;

export const OWNER_EXPLANATIONS: Record<FrameOwner, string> = {
  free: 'held by the application, unused',
  fill: 'queued in the FILL ring: the kernel may receive into it',
  'kernel-rx': 'taken from FILL by the kernel, not yet handed back on RX',
  rx: 'in the RX ring: received, waiting for the application',
  app: 'taken from RX by the application, being processed',
  tx: 'queued in the TX ring: waiting for the kernel to send it',
  'kernel-tx': 'taken from TX by the kernel, not yet handed back on COMPLETION',
  completion: 'in the COMPLETION ring: sent, waiting for the application to reclaim it',
  'other-socket': 'held by another socket sharing this UMEM (XDP_SHARED_UMEM): in its rings or its kernel queue',
  'application-held':
    "attached socket: in none of its rings, so held by its application (free or being processed: Ringside cannot see the application's memory) or by the kernel between two rings",
};

export type OwnerCounts = Record<FrameOwner, number>;

export function emptyOwnerCounts(): OwnerCounts {
  return Object.fromEntries(FRAME_OWNERS.map((owner) => [owner, 0])) as OwnerCounts;
}
