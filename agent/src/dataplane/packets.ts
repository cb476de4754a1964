import { XDP_PKT_CONTD } from '../native/uapi.ts';

/**
 * A multi-buffer packet is a run of descriptors, XDP_PKT_CONTD set on every
 * one but its last (the spec's "Multi-Buffer Support"). The kernel takes a
 * packet from TX whole or not at all, so what is sent on is cut only at a
 * packet's end.
 */

/** The descriptor with these options is its packet's last. */
export const endsPacket = (options: number): boolean => (options & XDP_PKT_CONTD) === 0;

/** How many descriptors, from the first of `options`, make the first packet; 0 when its last has not come yet. */
export function firstPacketLength(options: readonly number[], available: number): number {
  for (let i = 0; i < available; i++) if (endsPacket(options[i] as number)) return i + 1;
  return 0;
}

/** How many of the first `available` descriptors to take, at most `max`, ending at a packet's last descriptor. */
export function wholePackets(options: readonly number[], available: number, max: number): number {
  let whole = 0;
  for (let i = 0; i < Math.min(available, max); i++) if (endsPacket(options[i] as number)) whole = i + 1;
  return whole;
}
