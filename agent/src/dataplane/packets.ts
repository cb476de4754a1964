import { XDP_PKT_CONTD } from '../native/uapi.ts';

/**
 * A multi-buffer packet is a run of descriptors, XDP_PKT_CONTD set on every
 * one but its last (the spec's "Multi-Buffer Support"). The kernel takes a
 * packet from TX whole or not at all, so what is sent on is cut only at a
 * packet's end.
 */

/** The descriptor with these options is its packet's last. */
export const endsPacket = (options: number): boolean => (options & XDP_PKT_CONTD) === 0;

/**
 * How many of the first `available` descriptors to send, ending at a
 * packet's last: as many as `room` takes, `room` being asked once the first
 * packet is whole, with its length (so a packet longer than a batch can
 * still go alone). 0 while the first packet is not whole. One scan.
 */
export function wholePackets(
  options: readonly number[],
  available: number,
  room: (firstPacket: number) => number,
): number {
  let limit = available;
  let whole = 0;
  for (let i = 0; i < limit; i++) {
    if (!endsPacket(options[i] as number)) continue;
    if (whole === 0) {
      limit = Math.min(available, room(i + 1));
      // The first packet does not fit: nothing goes.
      if (i >= limit) break;
    }
    whole = i + 1;
  }
  return whole;
}
