import koffi from 'koffi';
import { ERRNO, NativeError } from './errors.ts';
import { mapMemory, rawSyscalls, viewAt } from './libc.ts';
import type { MappedRing } from './ring-memory.ts';
import {
  MAP_SHARED,
  PROT_READ,
  SOL_XDP,
  XDP_MMAP_OFFSETS,
  XDP_PGOFF_RX_RING,
  XDP_PGOFF_TX_RING,
  XDP_UMEM_PGOFF_COMPLETION_RING,
  XDP_UMEM_PGOFF_FILL_RING,
} from './uapi.ts';

/**
 * An XSK's rings as any holder of its file descriptor can see them: the
 * offsets the kernel reports, the extent of each ring's allocation, and
 * read-only mappings of the very pages the socket's owner uses. Nothing here
 * writes to a ring or changes the socket: getsockopt and mmap(PROT_READ) only.
 */

export type RingName = 'rx' | 'tx' | 'fill' | 'completion';

/** struct xdp_ring_offset: byte offsets within a ring's mapping. */
export interface RingOffsets {
  producer: number;
  consumer: number;
  desc: number;
  flags: number;
}

export type MmapOffsets = Record<RingName, RingOffsets>;

// struct xdp_mmap_offsets { struct xdp_ring_offset rx, tx, fr, cr; }, each four __u64.
const OFFSET_ORDER = ['rx', 'tx', 'fill', 'completion'] as const satisfies readonly RingName[];
const RING_OFFSET_FIELDS = ['producer', 'consumer', 'desc', 'flags'] as const satisfies readonly (keyof RingOffsets)[];
const MMAP_OFFSETS_SIZE = OFFSET_ORDER.length * RING_OFFSET_FIELDS.length * 8;

export const RING_PAGE_OFFSET: Record<RingName, number> = {
  rx: XDP_PGOFF_RX_RING,
  tx: XDP_PGOFF_TX_RING,
  fill: XDP_UMEM_PGOFF_FILL_RING,
  completion: XDP_UMEM_PGOFF_COMPLETION_RING,
};

/** Bytes per entry: a descriptor (addr, len, options) on RX/TX, an address on FILL/COMPLETION. */
export const RING_ENTRY_BYTES: Record<RingName, number> = { rx: 16, tx: 16, fill: 8, completion: 8 };

/**
 * getsockopt(XDP_MMAP_OFFSETS). Only an XSK answers it, so null (ENOPROTOOPT
 * on another socket, ENOTSOCK on a file) is how an fd is told not to be one.
 */
export function readMmapOffsets(fd: number): MmapOffsets | null {
  const buffer = Buffer.alloc(MMAP_OFFSETS_SIZE);
  const length = [MMAP_OFFSETS_SIZE];
  if (rawSyscalls.getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, buffer, length) !== 0) {
    const errno = koffi.errno();
    // Not an XSK (or no longer open).
    if ([ERRNO.ENOTSOCK, ERRNO.ENOPROTOOPT, ERRNO.EOPNOTSUPP, ERRNO.EBADF].includes(errno)) return null;
    throw new NativeError('getsockopt(XDP_MMAP_OFFSETS)', errno);
  }
  const offsets = {} as MmapOffsets;
  OFFSET_ORDER.forEach((ring, ringIndex) => {
    const fields = {} as RingOffsets;
    RING_OFFSET_FIELDS.forEach((field, fieldIndex) => {
      fields[field] = Number(buffer.readBigUInt64LE((ringIndex * RING_OFFSET_FIELDS.length + fieldIndex) * 8));
    });
    offsets[ring] = fields;
  });
  return offsets;
}

function tryMap(fd: number, ring: RingName, length: number): { address: number } | { errno: number } {
  const address = mapMemory(length, PROT_READ, MAP_SHARED, fd, RING_PAGE_OFFSET[ring]);
  return address === null ? { errno: koffi.errno() } : { address };
}

/** Far beyond any ring: 2^24 descriptors of 16 bytes. */
const MAX_RING_PAGES = 2 ** 16;

/** Whether the kernel accepts a read-only mapping of `pages` pages of the ring; nothing stays mapped. */
function accepts(fd: number, ring: RingName, pages: number, page: number): boolean {
  const attempt = tryMap(fd, ring, pages * page);
  if ('address' in attempt) {
    unmapRing(attempt.address, pages * page);
    return true;
  }
  // No such ring, or longer than it.
  if (attempt.errno === ERRNO.EINVAL) return false;
  throw new NativeError(`mmap of the ${ring} ring (probe)`, attempt.errno);
}

/**
 * The longest read-only mapping the kernel accepts at a ring's offset, in
 * bytes (a whole number of pages), or 0 when the socket has no such ring
 * (made without it, or a shared UMEM's socket on another socket's queue,
 * which uses that socket's FILL and COMPLETION). Doubling, then bisecting:
 * about 2·log2(pages) map/unmap pairs.
 */
export function ringMappingExtent(fd: number, ring: RingName): number {
  const page = rawSyscalls.getpagesize();
  if (!accepts(fd, ring, 1, page)) return 0;
  let accepted = 1;
  let refused = 2;
  while (refused <= MAX_RING_PAGES && accepts(fd, ring, refused, page)) {
    accepted = refused;
    refused *= 2;
  }
  while (refused - accepted > 1) {
    const middle = Math.floor((accepted + refused) / 2);
    if (accepts(fd, ring, middle, page)) accepted = middle;
    else refused = middle;
  }
  return accepted * page;
}

/** A read-only, shared mapping of one ring: the owner's live words. Unmap it with `unmapRing`. */
export function mapRingReadOnly(fd: number, ring: RingName, length: number): number {
  const attempt = tryMap(fd, ring, length);
  if ('errno' in attempt) throw new NativeError(`mmap of the ${ring} ring (read-only)`, attempt.errno);
  return attempt.address;
}

export function unmapRing(address: number, length: number): void {
  if (rawSyscalls.munmap(address, length) !== 0) throw new NativeError('munmap of a ring', koffi.errno());
}

/** One ring mapped read-only, as ring memory over the owner's live pages; `unmapRing(address, length)` lets it go. */
export interface ReadOnlyRing {
  address: number;
  length: number;
  memory: MappedRing;
}

/**
 * Maps `length` bytes of a ring read-only and views them as a ring of `size`
 * entries. The cached indices are the owner's private memory: nothing of
 * ours stands for them, so they read as zero.
 */
export function mapRingView(
  fd: number,
  ring: RingName,
  offsets: RingOffsets,
  length: number,
  size: number,
): ReadOnlyRing {
  const address = mapRingReadOnly(fd, ring, length);
  const word = (offset: number) => new Uint32Array(viewAt(address + offset, 4));
  return {
    address,
    length,
    memory: {
      size,
      producer: word(offsets.producer),
      consumer: word(offsets.consumer),
      flags: word(offsets.flags),
      entries: new Uint32Array(viewAt(address + offsets.desc, size * RING_ENTRY_BYTES[ring])),
      cache: new Uint32Array(2),
    },
  };
}
