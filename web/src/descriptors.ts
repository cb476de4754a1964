import {
  chunkOf,
  type FrameBytesMessage,
  RING_KINDS,
  type RingKind,
  type RingState,
  ringOccupancy,
  type SocketDetailMessage,
  XDP_PACKET_HEADROOM,
  XDP_PKT_CONTD,
} from '@ringside/shared';
import { guessFrameOffset } from './packet.ts';

/**
 * Where descriptors are: which entry a ring's slot holds, which descriptor
 * names a frame, where a frame starts in its chunk, and which frame an owner
 * holds next. Pure: the page's tooltips and inspector only show the answers.
 */

type Entries = SocketDetailMessage['entries'];

/** A ring slot's place among the entries in flight. */
export interface SlotEntry {
  /** Entries from the consumer up to this slot: entry `index` sits at slot (consumer + index) mod size. */
  index: number;
  /** Entries in the ring, clamped to one full ring (the two words are read at different moments). */
  used: number;
  occupied: boolean;
}

/** Entries in a ring, clamped to one full ring: the agent reads its two words at different moments. */
export function entriesInRing(ring: Pick<RingState, 'producer' | 'consumer' | 'size'>): number {
  return Math.min(ringOccupancy(ring), ring.size);
}

export function slotEntry(ring: Pick<RingState, 'producer' | 'consumer' | 'size'>, slot: number): SlotEntry {
  const index = (slot - (ring.consumer % ring.size) + ring.size) % ring.size;
  const used = entriesInRing(ring);
  return { index, used, occupied: index < used };
}

/** The frame (chunk) the descriptor in a ring's `slot` points to, as the detail listed it; null for an empty slot. */
export function frameInSlot(
  detail: Pick<SocketDetailMessage, 'rings' | 'entries'>,
  kind: RingKind,
  slot: number,
  frameSize: number,
): number | null {
  const read = detail.rings[kind];
  const listed = detail.entries[kind];
  if (!read || !listed) return null;
  const { index, occupied } = slotEntry(read, slot);
  const address = occupied ? listed.addresses[index] : undefined;
  return address === undefined ? null : chunkOf(address, frameSize);
}

/**
 * The slot the keyboard's cursor on a ring goes to from `slot` on `key`:
 * arrows one slot round the dial (right and down clockwise), Home the oldest
 * entry (the consumer's slot), End the newest; from no slot yet, the oldest.
 * Null for a key that does not move it.
 */
export function slotAfterKey(
  ring: Pick<RingState, 'producer' | 'consumer' | 'size'>,
  slot: number | null,
  key: string,
): number | null {
  const oldest = ring.consumer % ring.size;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return slot === null ? oldest : (slot + 1) % ring.size;
    case 'ArrowLeft':
    case 'ArrowUp':
      return slot === null ? oldest : (slot - 1 + ring.size) % ring.size;
    case 'Home':
      return oldest;
    case 'End':
      return (oldest + Math.max(1, entriesInRing(ring)) - 1) % ring.size;
    default:
      return null;
  }
}

/** A descriptor's place in its multi-buffer packet: the run of descriptors XDP_PKT_CONTD chains. */
export interface PacketPlace {
  /** 1-based, among the packet's descriptors still listed (those before the consumer are gone). */
  position: number;
  count: number;
  /** False while the packet's last descriptor is not in the ring yet. */
  complete: boolean;
}

/** A multi-buffer packet among a ring's listed entries: the descriptors XDP_PKT_CONTD chains, as far as listed. */
interface PacketRun {
  /** Its first listed entry, from the consumer: descriptors before the consumer are gone, so a run may start mid-packet. */
  start: number;
  count: number;
  /** False while its last listed descriptor still has XDP_PKT_CONTD: the packet's end is not in the ring yet. */
  complete: boolean;
}

/** The runs of the first `listed` entries' options that are more than one descriptor, or not complete yet. */
function packetRuns(options: readonly number[], listed: number): PacketRun[] {
  const runs: PacketRun[] = [];
  let start = 0;
  for (let i = 0; i < listed; i++) {
    const continues = ((options[i] ?? 0) & XDP_PKT_CONTD) !== 0;
    if (continues && i < listed - 1) continue;
    const count = i - start + 1;
    if (count > 1 || continues) runs.push({ start, count, complete: !continues });
    start = i + 1;
  }
  return runs;
}

/** Where entry `index` of a ring's listed `options` sits in its packet; null for a packet of one descriptor. */
export function packetPlace(options: readonly number[], index: number): PacketPlace | null {
  const run = packetRuns(options, options.length).find(({ start, count }) => index >= start && index < start + count);
  return run ? { position: index - run.start + 1, count: run.count, complete: run.complete } : null;
}

/** A packet of more than one descriptor (or not complete yet) on a ring, where the rings view draws it as one. */
export interface PacketGroup {
  /** Its first descriptor's entry, counted from the consumer of the reading it belongs to. */
  entry: number;
  /** The slot that descriptor sits in; the group runs clockwise from it, past the ring's end if it must. */
  slot: number;
  /** Descriptors shown, which a group cut by the consumer or producer counts short. */
  count: number;
  complete: boolean;
}

/** The multi-buffer packets among the entries listed from `ring`'s consumer (the same options the hover reads). */
export function packetGroups(
  ring: Pick<RingState, 'producer' | 'consumer' | 'size'>,
  options: readonly number[],
): PacketGroup[] {
  const listed = Math.min(options.length, entriesInRing(ring));
  return packetRuns(options, listed).map(({ start, count, complete }) => ({
    entry: start,
    slot: (ring.consumer + start) % ring.size,
    count,
    complete,
  }));
}

/**
 * The part of each group still between a later reading's consumer and
 * producer (`shown`, whose counters may be fractional while they sweep): the
 * groups were read with the descriptors, a few snapshots apart from the ring
 * drawn, and a slot the consumer passed no longer holds them. A group cut by
 * the producer shows open: its end is not drawn yet.
 */
export function packetGroupsShown(
  groups: readonly PacketGroup[],
  read: Pick<RingState, 'consumer' | 'size'>,
  shown: { consumer: number; producer: number },
): PacketGroup[] {
  const first = Math.floor(shown.consumer);
  // Slots from the consumer's, floored, up to the producer's: a consumer partway past a slot still shows it.
  const used = Math.min(read.size, Math.max(0, Math.floor(shown.producer + 1e-9) - first));
  const result: PacketGroup[] = [];
  for (const group of groups) {
    // Counters are free-running 32-bit values: the distance is taken modulo 2^32, signed.
    const from = (read.consumer + group.entry - first) | 0;
    const lo = Math.max(0, -from);
    const hi = Math.min(group.count, used - from);
    const count = hi - lo;
    const complete = group.complete && hi === group.count;
    if (count > 1 || (count === 1 && !complete)) {
      result.push({ entry: from + lo, slot: (group.slot + lo) % read.size, count, complete });
    }
  }
  return result;
}

/** The group that holds `slot`, if any. */
export function groupAtSlot(groups: readonly PacketGroup[], slot: number, size: number): PacketGroup | null {
  return groups.find((group) => (slot - group.slot + size) % size < group.count) ?? null;
}

/** A descriptor the detail stream listed. */
export interface FoundDescriptor {
  ring: RingKind;
  index: number;
  address: number;
  /** RX and TX descriptors carry a length; FILL and COMPLETION entries are addresses alone. */
  length: number | undefined;
}

/** The first descriptor on `rings`, searched in that order, whose address falls in chunk `frame`; null if none. */
export function descriptorNaming(
  entries: Entries,
  frame: number,
  frameSize: number,
  rings: readonly RingKind[] = RING_KINDS,
): FoundDescriptor | null {
  for (const ring of rings) {
    const listed = entries[ring];
    const index = listed?.addresses.findIndex((address) => chunkOf(address, frameSize) === frame) ?? -1;
    if (listed && index >= 0) {
      return { ring, index, address: listed.addresses[index] as number, length: listed.lengths[index] };
    }
  }
  return null;
}

/** The multi-buffer packet a frame's descriptor belongs to, and the frames of all its listed descriptors in order. */
export interface PacketFragments extends PacketPlace {
  ring: RingKind;
  frames: number[];
}

/** Follows a packet across its frames: null when no RX or TX descriptor names `frame`, or its packet is one descriptor. */
export function packetFragments(entries: Entries, frame: number, frameSize: number): PacketFragments | null {
  const found = descriptorNaming(entries, frame, frameSize, ['rx', 'tx']);
  const listed = found ? entries[found.ring] : null;
  const place = found && listed ? packetPlace(listed.options, found.index) : null;
  if (!found || !listed || !place) return null;
  const first = found.index - place.position + 1;
  const frames = listed.addresses.slice(first, first + place.count).map((address) => chunkOf(address, frameSize));
  return { ...place, ring: found.ring, frames };
}

/** Where a frame's bytes start in its chunk and how long it is, and how that was found. */
export interface LocatedFrame {
  offset: number | null;
  length: number | null;
  how: string;
}

/**
 * A descriptor that names the frame says exactly where it starts; otherwise a
 * reasoned guess from where the kernel and the application write frames.
 */
export function locateFrame(
  message: FrameBytesMessage,
  bytes: Uint8Array,
  headroom: number,
  entries: Entries | null,
): LocatedFrame {
  // The agent read the descriptor with the bytes: exact, and of the same instant.
  if (message.offset !== null) {
    const ring = message.owner === 'tx' ? 'TX' : 'RX';
    return {
      offset: message.offset,
      length: message.length,
      how: `from its descriptor on ${ring}, read with the bytes`,
    };
  }
  const found = entries ? descriptorNaming(entries, message.frame, bytes.length, ['rx', 'tx']) : null;
  if (found) {
    return {
      offset: found.address - message.frame * bytes.length,
      length: found.length ?? message.length,
      how: `from its descriptor on ${found.ring.toUpperCase()}`,
    };
  }
  const offset = guessFrameOffset(bytes, headroom);
  return {
    offset,
    length: message.length,
    how:
      offset === null
        ? 'no Ethernet frame found where one would be'
        : offset === headroom + XDP_PACKET_HEADROOM
          ? `guessed: a copy-mode receive writes after headroom + XDP_PACKET_HEADROOM (${XDP_PACKET_HEADROOM} B)`
          : 'guessed: where the application writes what it sends',
  };
}

/** Bytes shown around a frame whose length is unknown, before the user asks for the whole chunk. */
const DEFAULT_SPAN = 256;

/** The bytes of a chunk the hex dump shows, and where the frame in it ends. */
export interface ShownBytes {
  start: number;
  end: number;
  /** The frame's end by its descriptor (or DEFAULT_SPAN bytes on, with no length); 0 when it was not found. */
  frameEnd: number;
}

/** From the frame's start, at least DEFAULT_SPAN bytes and the whole frame; or the whole chunk when asked. */
export function shownBytes(located: LocatedFrame, chunkLength: number, whole: boolean): ShownBytes {
  const frameEnd = located.offset === null ? 0 : located.offset + (located.length ?? DEFAULT_SPAN);
  const start = whole || located.offset === null ? 0 : located.offset;
  const end = whole ? chunkLength : Math.max(frameEnd, start + DEFAULT_SPAN);
  return { start, end, frameEnd };
}

/** The next frame after `after` whose owner code is `owner`, wrapping round to the first; null if none. */
export function nextFrameHeldBy(owners: Uint8Array, owner: number, after: number | null): number | null {
  const next = after === null ? -1 : owners.indexOf(owner, after + 1);
  const found = next >= 0 ? next : owners.indexOf(owner);
  return found >= 0 ? found : null;
}
