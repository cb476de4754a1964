import { XDP_PKT_CONTD } from '../native/uapi.ts';

/**
 * A multi-buffer packet is a run of descriptors, XDP_PKT_CONTD set on every
 * one but its last (the spec's "Multi-Buffer Support"). The kernel takes a
 * packet from TX whole or not at all, so what is sent on is cut only at a
 * packet's end.
 */

/** The descriptor with these options is its packet's last. */
export const endsPacket = (options: number): boolean => (options & XDP_PKT_CONTD) === 0;

/** How many descriptors the first packet of the first `available` spans; 0 while its last has not come. */
export function firstPacketLength(options: readonly number[], available: number): number {
  for (let i = 0; i < available; i++) if (endsPacket(options[i] as number)) return i + 1;
  return 0;
}

/**
 * How many of the first `limit` descriptors to send: up to the last packet
 * end among them, found from the back (a single-buffer frame ends at once).
 */
export function wholePacketsWithin(options: readonly number[], limit: number): number {
  for (let i = limit - 1; i >= 0; i--) if (endsPacket(options[i] as number)) return i + 1;
  return 0;
}
