import type { KernelView, RingSizeFact } from '@ringside/shared';
import type { NetdevQueue } from '../native/netdev-features.ts';
import { RING_ENTRY_BYTES, type RingName } from '../native/xsk-mapping.ts';
import { ringSizeFromMapping } from '../xsk/ring-extent.ts';

/**
 * The kernel's view of one socket, made from raw readings by pure functions:
 * what the kernel answered (mappings, getsockopt, netlink) and what it wrote
 * (ring flags, RX descriptors), with no word of what Ringside asked for.
 * read-kernel-view.ts takes the readings; kernel-mismatches.ts compares.
 */

/**
 * include/net/xdp.h: the room the kernel leaves before a frame's data for an
 * XDP program. Both copy-mode and zero-copy receives start the data there,
 * after the UMEM's headroom (xsk_buff_pool.c, xp_init_xskb_addr).
 */
export const XDP_PACKET_HEADROOM = 256;

const NEED_WAKEUP = 1;

/** An RX descriptor's address as the kernel wrote it: the low 48 bits, and the unaligned-mode offset above them. */
export interface RxAddress {
  base: number;
  offset: number;
}

export interface KernelReadings {
  readAt: number;
  pageSize: number;
  /** Per ring: the longest read-only mapping the kernel accepted (0: none) and where its descriptors start. */
  rings: Record<RingName, { mappedBytes: number; descOffset: number }>;
  /** XDP_OPTIONS' XDP_OPTIONS_ZEROCOPY. */
  zeroCopy: boolean;
  ifname: string;
  /** The interface's program as netlink lists it (`ip -d link`'s xdp/xdpgeneric); null when there is none. */
  attachedXdp: { mode: 'skb' | 'drv' | 'hw'; programId: number } | null;
  /** The interface's queues from the netdev family; null when the kernel has no queue objects. */
  queues: NetdevQueue[] | null;
  /** The queue asked about: the one the socket should be bound to. */
  queueId: number;
  /** The flags words of FILL and TX; null where the socket has no such ring. */
  flags: { fill: number | null; tx: number | null };
  /** The last descriptors the kernel wrote to RX, whether or not the application has consumed them. */
  rxAddresses: RxAddress[];
}

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

type Fact<T> = { value: T | null; source: KernelView['zeroCopy']['source']; note?: string };
const unknown = <T>(note: string): Fact<T> => ({ value: null, source: 'unknown', note });

/**
 * Chunk size, headroom and alignment from where the kernel wrote received
 * data. In unaligned mode the kernel puts the data's offset from the chunk's
 * start in the address's top 16 bits (xp_get_handle); in aligned mode they
 * are 0. The distances between frames are multiples of the chunk size (the
 * stride Ringside posts FILL addresses at, in unaligned mode), and the data
 * starts XDP_PACKET_HEADROOM after the UMEM headroom within its chunk.
 */
export function rxLayoutOf(addresses: readonly RxAddress[]): Pick<KernelView, 'chunkSize' | 'headroom' | 'unaligned'> {
  const [first] = addresses;
  if (!first) {
    const note = 'no frame received yet: the kernel has written no RX descriptor';
    return { chunkSize: unknown(note), headroom: unknown(note), unaligned: unknown(note) };
  }
  const count = `${addresses.length} RX descriptor${addresses.length === 1 ? '' : 's'}`;
  const unaligned: Fact<boolean> = {
    value: addresses.some((address) => address.offset !== 0),
    source: 'ring-contents',
    note: `${count}: the kernel sets an address's top 16 bits (the data's offset) only in unaligned mode`,
  };
  const data = addresses.map((address) => address.base + address.offset);
  const stride = data.reduce((gcd, at) => greatestCommonDivisor(gcd, Math.abs(at - (data[0] as number))), 0);
  if (stride === 0) {
    const note = `${count}, all in one chunk: its size needs frames of two chunks`;
    return { chunkSize: unknown(note), headroom: unknown(note), unaligned };
  }
  const chunkSize: Fact<number> = {
    value: stride,
    source: 'ring-contents',
    // Measured: a UMEM registered with 2048-byte chunks whose application posts FILL addresses 4096 apart shows 4096.
    note: `the greatest common divisor of the distances between ${count}: the stride frames are posted at, a multiple of it until neighbouring chunks have been received into; a registered chunk smaller than that stride does not show here (only the socket diag has it)`,
  };
  const inChunk = (data[0] as number) % stride;
  const headroom: Fact<number> =
    inChunk >= XDP_PACKET_HEADROOM
      ? {
          value: inChunk - XDP_PACKET_HEADROOM,
          source: 'ring-contents',
          note: `data starts ${inChunk} B into its chunk: the headroom, then XDP_PACKET_HEADROOM (${XDP_PACKET_HEADROOM} B)`,
        }
      : unknown(`data starts ${inChunk} B into its chunk, before XDP_PACKET_HEADROOM: not a layout this kernel writes`);
  return { chunkSize, headroom, unaligned };
}

function ringSizeOf(readings: KernelReadings, ring: RingName): RingSizeFact {
  const { mappedBytes, descOffset } = readings.rings[ring];
  return ringSizeFromMapping(mappedBytes, descOffset, RING_ENTRY_BYTES[ring], readings.pageSize);
}

function needWakeupOf(word: number | null, ring: 'FILL' | 'TX', zeroCopy: boolean): Fact<boolean> {
  if (word === null) return { value: null, source: 'ring-flags', note: `the socket has no ${ring} ring` };
  // Measured on veth (agent/test/kernel-view.test.ts): the copy path never clears TX's flag and never sets FILL's.
  const copyMode =
    ring === 'TX'
      ? 'copy mode: the kernel sets it at bind whether or not need_wakeup was asked, and leaves it set'
      : 'copy mode: the kernel never sets it, with need_wakeup asked or not';
  return {
    value: (word & NEED_WAKEUP) !== 0,
    source: 'ring-flags',
    note: zeroCopy ? `the ${ring} ring's flags word, as the driver last set it` : copyMode,
  };
}

/** Which queue the socket is bound to, as far as the netdev family's queue objects say. */
function boundQueueOf(readings: KernelReadings): Pick<KernelView, 'ifname' | 'queueId'> {
  const { queues, queueId, ifname } = readings;
  if (queues === null) {
    const note = 'no socket diag here, and this kernel has no netdev queue objects';
    return { ifname: unknown(note), queueId: unknown(note) };
  }
  const withXsk = [...new Set(queues.filter((queue) => queue.xsk).map((queue) => queue.id))].sort((a, b) => a - b);
  const listed =
    withXsk.length > 0 ? `queues of ${ifname} with an XSK: ${withXsk.join(', ')}` : `no queue of ${ifname} has an XSK`;
  const note = `${listed} (netdev queue objects; they do not say which socket)`;
  const bound = withXsk.includes(queueId) ? queueId : withXsk.length === 1 ? (withXsk[0] as number) : null;
  return bound === null
    ? { ifname: { value: null, source: 'netlink', note }, queueId: { value: null, source: 'netlink', note } }
    : { ifname: { value: ifname, source: 'netlink', note }, queueId: { value: bound, source: 'netlink', note } };
}

export function kernelViewOf(readings: KernelReadings): KernelView {
  const { attachedXdp, zeroCopy } = readings;
  const noProgram = `no XDP program on ${readings.ifname}`;
  return {
    readAt: readings.readAt,
    rings: {
      fill: ringSizeOf(readings, 'fill'),
      rx: ringSizeOf(readings, 'rx'),
      tx: ringSizeOf(readings, 'tx'),
      completion: ringSizeOf(readings, 'completion'),
    },
    zeroCopy: { value: zeroCopy, source: 'getsockopt', note: 'XDP_OPTIONS' },
    xdpMode: attachedXdp
      ? { value: attachedXdp.mode, source: 'netlink', note: `${readings.ifname}'s program, as ip -d link lists it` }
      : { value: null, source: 'netlink', note: noProgram },
    xdpProgramId: attachedXdp
      ? { value: attachedXdp.programId, source: 'netlink' }
      : { value: null, source: 'netlink', note: noProgram },
    ...boundQueueOf(readings),
    ...rxLayoutOf(readings.rxAddresses),
    fillNeedWakeup: needWakeupOf(readings.rings.fill.mappedBytes > 0 ? readings.flags.fill : null, 'FILL', zeroCopy),
    txNeedWakeup: needWakeupOf(readings.rings.tx.mappedBytes > 0 ? readings.flags.tx : null, 'TX', zeroCopy),
  };
}
