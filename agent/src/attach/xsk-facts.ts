import { type FactSource, type KernelView, RING_KINDS } from '@ringside/shared';
import { rawSyscalls, readZeroCopy } from '../native/libc.ts';
import type { DumpedXsk } from '../native/sock-diag.ts';
import { type MmapOffsets, type RingName, ringMappingExtent } from '../native/xsk-mapping.ts';
import { kernelViewOf } from '../observe/kernel-view.ts';

/**
 * What can be known of an XSK from a duplicate of its fd, and from xsk_diag
 * where the kernel has it, built by the one builder of the kernel's view
 * (observe/kernel-view.ts) that Ringside's own sockets use. At discovery no
 * interface is known and no ring is mapped: those facts stay unknown, saying
 * why, rather than guessed.
 */

/** UMEM facts (xsk_diag alone reports them; a duplicate of the socket shows only its rings). */
export interface UmemFacts {
  id: number | null;
  size: number | null;
  chunkSize: number | null;
  headroom: number | null;
  refs: number | null;
  source: FactSource;
}

export interface XskFacts {
  kernel: KernelView;
  umem: UmemFacts;
  /** The bytes of each ring the kernel lets us map (0: no such ring), for read-only maps. */
  mappable: Record<RingName, number>;
}

/** What was read of a socket through a duplicate of its fd. */
export interface XskReadings {
  offsets: MmapOffsets;
  /** The longest read-only mapping the kernel accepts at each ring's offset, in bytes; 0 for no ring. */
  mappable: Record<RingName, number>;
  zeroCopy: boolean;
  pageSize: number;
  readAt: number;
}

/**
 * The kernel's view of the socket behind `fd` (a duplicate). `diag` is the
 * socket's entry in its namespace's xsk_diag dump, or null with `diagMissing`
 * saying why (no xsk_diag in this kernel, or the socket lives in a namespace
 * other than its process's, which was the one dumped).
 */
export function xskFacts(fd: number, offsets: MmapOffsets, diag: DumpedXsk | null, diagMissing: string): XskFacts {
  const mappable = {} as Record<RingName, number>;
  for (const ring of RING_KINDS) mappable[ring] = ringMappingExtent(fd, ring);
  const readings = {
    offsets,
    mappable,
    zeroCopy: readZeroCopy(fd),
    pageSize: rawSyscalls.getpagesize(),
    readAt: Date.now(),
  };
  return factsOf(readings, diag, diagMissing);
}

/** The facts, each with its source, from what was read and what xsk_diag said (null: it said nothing, for `diagMissing`). */
export function factsOf(readings: XskReadings, diag: DumpedXsk | null, diagMissing: string): XskFacts {
  const { offsets, mappable } = readings;
  const rings = {} as Record<RingName, { mappedBytes: number; descOffset: number }>;
  for (const ring of RING_KINDS) rings[ring] = { mappedBytes: mappable[ring], descOffset: offsets[ring].desc };
  const kernel = kernelViewOf({
    readAt: readings.readAt,
    pageSize: readings.pageSize,
    rings,
    zeroCopy: readings.zeroCopy,
    diag: diag ? { socket: diag } : { missing: diagMissing },
    device: null,
    flags: null,
    rxAddresses: null,
  });
  const umem: UmemFacts = diag?.umem
    ? {
        id: diag.umem.id,
        size: diag.umem.size,
        chunkSize: diag.umem.chunkSize,
        headroom: diag.umem.headroom,
        refs: diag.umem.refs,
        source: 'socket-diag',
      }
    : { id: null, size: null, chunkSize: null, headroom: null, refs: null, source: 'unknown' };
  return { kernel, umem, mappable };
}
