import type { FactSource, KernelView, RingSizeFact } from '@ringside/shared';
import { rawSyscalls, readZeroCopy } from '../native/libc.ts';
import type { DumpedXsk } from '../native/sock-diag.ts';
import { type MmapOffsets, RING_ENTRY_BYTES, type RingName, ringMappingExtent } from '../native/xsk-mapping.ts';
import { ringSizeFromMapping } from '../xsk/ring-extent.ts';

/**
 * What can be known of an XSK from a duplicate of its fd, and from xsk_diag
 * where the kernel has it. Each fact says where it came from; what neither
 * tells stays unknown rather than guessed.
 */

export const RING_NAMES = ['fill', 'rx', 'tx', 'completion'] as const satisfies readonly RingName[];

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

/** What the diag dump says of a ring, or what the longest accepted mapping bounds it to. */
function ringFact(
  offsets: MmapOffsets,
  ring: RingName,
  bytes: number,
  diag: DumpedXsk | null,
  pageSize: number,
): RingSizeFact {
  const entries = diag?.rings[ring];
  if (diag && entries !== undefined) {
    return entries === null
      ? { candidates: [], exact: true, present: false, source: 'socket-diag' }
      : { candidates: [entries], exact: true, present: true, source: 'socket-diag' };
  }
  return ringSizeFromMapping(bytes, offsets[ring].desc, RING_ENTRY_BYTES[ring], pageSize);
}

const unknown = (note: string) => ({ value: null, source: 'unknown' as const, note });

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
  for (const ring of RING_NAMES) mappable[ring] = ringMappingExtent(fd, ring);
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
  const { offsets, mappable, pageSize } = readings;
  const rings = {} as KernelView['rings'];
  for (const ring of RING_NAMES) rings[ring] = ringFact(offsets, ring, mappable[ring], diag, pageSize);
  const noDiag = `${diagMissing}; a duplicate of the fd shows only rings, counters and options`;
  const bound = diag !== null && diag.ifindex !== null;
  const kernel: KernelView = {
    readAt: readings.readAt,
    rings,
    zeroCopy: { value: readings.zeroCopy, source: 'getsockopt' },
    xdpMode: unknown('the XDP program on the interface says it; the socket does not'),
    xdpProgramId: unknown('the XDP program on the interface says it; the socket does not'),
    ifname: bound
      ? { value: diag.ifname, source: 'socket-diag', ...(diag.ifname ? {} : { note: `ifindex ${diag.ifindex}` }) }
      : diag
        ? unknown('not bound to an interface')
        : unknown(noDiag),
    queueId: bound ? { value: diag.queueId, source: 'socket-diag' } : unknown(diag ? 'not bound' : noDiag),
    chunkSize: diag?.umem ? { value: diag.umem.chunkSize, source: 'socket-diag' } : unknown(noDiag),
    headroom: diag?.umem ? { value: diag.umem.headroom, source: 'socket-diag' } : unknown(noDiag),
    unaligned: unknown('neither xsk_diag nor getsockopt reports the UMEM flags'),
    fillNeedWakeup: unknown('read live from the FILL ring once attached'),
    txNeedWakeup: unknown('read live from the TX ring once attached'),
  };
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
