import { type FactSource, type KernelView, type RingSizeFact, XDP_PACKET_HEADROOM } from '@ringside/shared';
import type { NetdevQueue } from '../native/netdev-features.ts';
import type { DumpedXsk } from '../native/sock-diag.ts';
import { XDP_RING_NEED_WAKEUP } from '../native/uapi.ts';
import { RING_ENTRY_BYTES, type RingName } from '../native/xsk-mapping.ts';
import { ringSizeFromMapping } from '../xsk/ring-extent.ts';

/**
 * The kernel's view of one socket, Ringside's own or another process's, made
 * from raw readings by one pure function: what the kernel answered (mappings,
 * getsockopt, xsk_diag, netlink) and what it wrote (ring flags, RX
 * descriptors), with no word of what was asked for. Each reading may be
 * missing (a foreign socket at discovery has no interface to ask, nor mapped
 * rings); a fact nothing told stays unknown, saying why. read-kernel-view.ts
 * and attach/xsk-facts.ts take the readings; kernel-mismatches.ts compares.
 */

/** An RX descriptor's address as the kernel wrote it: the low 48 bits, and the unaligned-mode offset above them. */
export interface RxAddress {
  base: number;
  offset: number;
}

/** The interface the socket was bound to, as netlink lists it now. */
export interface DeviceReadings {
  ifname: string;
  /** The interface's program (`ip -d link`'s xdp/xdpgeneric); null when there is none. */
  attachedXdp: { mode: 'skb' | 'drv' | 'hw'; programId: number } | null;
  /** The interface's queues from the netdev family; null when the kernel has no queue objects. */
  queues: NetdevQueue[] | null;
  /** The queue asked about: the one the socket should be bound to. */
  queueId: number;
}

export interface KernelReadings {
  readAt: number;
  pageSize: number;
  /** Per ring: the longest read-only mapping the kernel accepted (0: none) and where its descriptors start. */
  rings: Record<RingName, { mappedBytes: number; descOffset: number }>;
  /** XDP_OPTIONS' XDP_OPTIONS_ZEROCOPY. */
  zeroCopy: boolean;
  /** The socket's entry in its namespace's xsk_diag dump, or why there is none. */
  diag: { socket: DumpedXsk } | { missing: string };
  /** Null when no interface is known to ask about (a foreign socket: the socket does not name its program). */
  device: DeviceReadings | null;
  /** The flags words of FILL and TX (null where the socket has no such ring); null when the rings were not read. */
  flags: { fill: number | null; tx: number | null } | null;
  /** The descriptors the kernel wrote to RX, consumed or not; null when the RX ring was not read. */
  rxAddresses: RxAddress[] | null;
}

type Fact<T> = { value: T | null; source: FactSource; note?: string };
const unknown = <T>(note: string): Fact<T> => ({ value: null, source: 'unknown', note });
type Layout = Pick<KernelView, 'chunkSize' | 'headroom' | 'unaligned'>;

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** XDP_UMEM_MIN_CHUNK_SIZE (include/net/xdp_sock_drv.h): the kernel registers no smaller chunk. */
const MIN_CHUNK = 2048;

/**
 * The one chunk size whose chunks can lie `stride` apart, or a multiple of
 * it; null when several can. Aligned chunks are powers of two from
 * MIN_CHUNK to a page (xdp_umem_reg); unaligned ones any size from MIN_CHUNK,
 * so only a stride under twice that has a single divisor that is a chunk.
 */
function chunkOfStride(stride: number, unaligned: boolean, pageSize: number): number | null {
  if (unaligned) return stride >= MIN_CHUNK && stride < 2 * MIN_CHUNK ? stride : null;
  const sizes: number[] = [];
  for (let size = MIN_CHUNK; size <= pageSize; size *= 2) if (stride % size === 0) sizes.push(size);
  return sizes.length === 1 ? (sizes[0] as number) : null;
}

/**
 * Chunk size, headroom and alignment from where the kernel wrote received
 * data. In unaligned mode the kernel puts the data's offset from the chunk's
 * start in the address's top 16 bits (xp_get_handle); in aligned mode they
 * are 0. The distances between frames are multiples of the chunk size (the
 * stride Ringside posts FILL addresses at, in unaligned mode), and the data
 * starts XDP_PACKET_HEADROOM after the UMEM headroom within its chunk. The
 * stride found is a multiple of the chunk while frames of neighbouring chunks
 * are missing (two sockets taking turns on one FILL ring each see every other
 * chunk): the chunk is then known only to divide it, and the headroom not at all.
 */
export function rxLayoutOf(addresses: readonly RxAddress[], pageSize: number): Layout {
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
  const spacing = `the greatest common divisor of the distances between ${count}`;
  const chunk = chunkOfStride(stride, unaligned.value === true, pageSize);
  if (chunk === null) {
    return {
      // Measured: a UMEM registered with 2048-byte chunks whose application posts FILL addresses 4096 apart shows 4096.
      chunkSize: {
        value: null,
        source: 'ring-contents',
        divides: stride,
        note: `a multiple of the chunk: ${stride}, ${spacing}; several chunk sizes divide it until neighbouring chunks have been received into (only the socket diag has the registered one)`,
      },
      headroom: unknown(`where data starts in its chunk needs the chunk size, known only to divide ${stride}`),
      unaligned,
    };
  }
  const chunkSize: Fact<number> = {
    value: chunk,
    source: 'ring-contents',
    note: `${spacing} is ${stride}, which no other ${unaligned.value ? 'unaligned' : 'aligned'} chunk size divides`,
  };
  const inChunk = (data[0] as number) % chunk;
  const headroom: Fact<number> =
    inChunk >= XDP_PACKET_HEADROOM
      ? {
          value: inChunk - XDP_PACKET_HEADROOM,
          source: 'ring-contents',
          note: `data starts ${inChunk} B into its ${chunk}-byte chunk: the headroom, then XDP_PACKET_HEADROOM (${XDP_PACKET_HEADROOM} B)`,
        }
      : unknown(`data starts ${inChunk} B into its chunk, before XDP_PACKET_HEADROOM: not a layout this kernel writes`);
  return { chunkSize, headroom, unaligned };
}

/** xsk_diag's UMEM facts where it has them (exact); else what the RX descriptors show; else why neither does. */
function layoutOf(readings: KernelReadings): Layout {
  const { diag, rxAddresses } = readings;
  const umem = 'socket' in diag ? diag.socket.umem : null;
  const notRead = `${'missing' in diag ? `${diag.missing}; ` : ''}the RX ring was not read`;
  const fromRx: Layout =
    rxAddresses === null
      ? {
          chunkSize: unknown(notRead),
          headroom: unknown(notRead),
          unaligned: unknown(`neither xsk_diag nor getsockopt reports the UMEM flags; ${notRead}`),
        }
      : rxLayoutOf(rxAddresses, readings.pageSize);
  if (umem === null) return fromRx;
  return {
    chunkSize: { value: umem.chunkSize, source: 'socket-diag' },
    headroom: { value: umem.headroom, source: 'socket-diag' },
    unaligned: fromRx.unaligned,
  };
}

function ringSizeOf(readings: KernelReadings, ring: RingName): RingSizeFact {
  if ('socket' in readings.diag) {
    const entries = readings.diag.socket.rings[ring];
    return entries === null
      ? { candidates: [], exact: true, present: false, source: 'socket-diag' }
      : { candidates: [entries], exact: true, present: true, source: 'socket-diag' };
  }
  const { mappedBytes, descOffset } = readings.rings[ring];
  return ringSizeFromMapping(mappedBytes, descOffset, RING_ENTRY_BYTES[ring], readings.pageSize);
}

function needWakeupOf(readings: KernelReadings, ring: 'fill' | 'tx'): Fact<boolean> {
  const name = ring === 'fill' ? 'FILL' : 'TX';
  if (readings.flags === null) return unknown(`read live from the ${name} ring once attached`);
  const word = readings.rings[ring].mappedBytes > 0 ? readings.flags[ring] : null;
  if (word === null) return { value: null, source: 'ring-flags', note: `the socket has no ${name} ring` };
  // Measured on veth (agent/test/kernel-view.test.ts): the copy path never clears TX's flag and never sets FILL's.
  const copyMode =
    ring === 'tx'
      ? 'copy mode: the kernel sets it at bind whether or not need_wakeup was asked, and leaves it set'
      : 'copy mode: the kernel never sets it, with need_wakeup asked or not';
  return {
    value: (word & XDP_RING_NEED_WAKEUP) !== 0,
    source: 'ring-flags',
    note: readings.zeroCopy ? `the ${name} ring's flags word, as the driver last set it` : copyMode,
  };
}

/** Which queue the socket is bound to: xsk_diag says it of the socket itself; the netdev queue objects only which queues have one. */
function boundQueueOf(readings: KernelReadings): Pick<KernelView, 'ifname' | 'queueId'> {
  const { diag, device } = readings;
  if ('socket' in diag) {
    const { socket } = diag;
    if (socket.ifindex === null) return { ifname: unknown('not bound to an interface'), queueId: unknown('not bound') };
    return {
      ifname: {
        value: socket.ifname,
        source: 'socket-diag',
        ...(socket.ifname ? {} : { note: `ifindex ${socket.ifindex}` }),
      },
      queueId: { value: socket.queueId, source: 'socket-diag' },
    };
  }
  if (device === null || device.queues === null) {
    const note =
      device === null
        ? `${diag.missing}; a duplicate of the fd shows only rings, counters and options`
        : `${diag.missing}, and this kernel has no netdev queue objects`;
    return { ifname: unknown(note), queueId: unknown(note) };
  }
  const { queues, queueId, ifname } = device;
  const withXsk = [...new Set(queues.filter((queue) => queue.xsk).map((queue) => queue.id))].sort((a, b) => a - b);
  const listed =
    withXsk.length > 0 ? `queues of ${ifname} with an XSK: ${withXsk.join(', ')}` : `no queue of ${ifname} has an XSK`;
  const note = `${listed} (netdev queue objects; they do not say which socket)`;
  const bound = withXsk.includes(queueId) ? queueId : withXsk.length === 1 ? (withXsk[0] as number) : null;
  return bound === null
    ? { ifname: { value: null, source: 'netlink', note }, queueId: { value: null, source: 'netlink', note } }
    : { ifname: { value: ifname, source: 'netlink', note }, queueId: { value: bound, source: 'netlink', note } };
}

function programOf(device: DeviceReadings | null): Pick<KernelView, 'xdpMode' | 'xdpProgramId'> {
  if (device === null) {
    const note = 'the XDP program on the interface says it; the socket does not';
    return { xdpMode: unknown(note), xdpProgramId: unknown(note) };
  }
  const { attachedXdp, ifname } = device;
  if (attachedXdp === null) {
    const note = `no XDP program on ${ifname}`;
    return {
      xdpMode: { value: null, source: 'netlink', note },
      xdpProgramId: { value: null, source: 'netlink', note },
    };
  }
  return {
    xdpMode: { value: attachedXdp.mode, source: 'netlink', note: `${ifname}'s program, as ip -d link lists it` },
    xdpProgramId: { value: attachedXdp.programId, source: 'netlink' },
  };
}

export function kernelViewOf(readings: KernelReadings): KernelView {
  return {
    readAt: readings.readAt,
    rings: {
      fill: ringSizeOf(readings, 'fill'),
      rx: ringSizeOf(readings, 'rx'),
      tx: ringSizeOf(readings, 'tx'),
      completion: ringSizeOf(readings, 'completion'),
    },
    zeroCopy: { value: readings.zeroCopy, source: 'getsockopt', note: 'XDP_OPTIONS' },
    ...programOf(readings.device),
    ...boundQueueOf(readings),
    ...layoutOf(readings),
    fillNeedWakeup: needWakeupOf(readings, 'fill'),
    txNeedWakeup: needWakeupOf(readings, 'tx'),
  };
}

/** A view with nothing in it, saying why: the socket's view could not be read. */
export function unreadKernelView(readAt: number, why: string): KernelView {
  const ring: RingSizeFact = { candidates: [], exact: false, present: false, source: 'unknown' };
  const none = unknown<never>(why);
  return {
    readAt,
    rings: { fill: ring, rx: ring, tx: ring, completion: ring },
    zeroCopy: none,
    xdpMode: none,
    xdpProgramId: none,
    ifname: none,
    queueId: none,
    chunkSize: none,
    headroom: none,
    unaligned: none,
    fillNeedWakeup: none,
    txNeedWakeup: none,
  };
}
