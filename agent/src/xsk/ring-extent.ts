import type { RingSizeFact } from '@ringside/shared';

/**
 * A ring's entry count from outside the process that made it. The kernel
 * accepts an mmap of a ring up to the ring's own allocation, which is the
 * page-aligned size of its header (producer, consumer, flags: up to `desc`
 * in XDP_MMAP_OFFSETS) plus its entries (net/xdp/xsk.c, xsk_mmap;
 * xsk_queue.c, xskq_create). So the longest accepted mapping bounds the
 * entry count to the powers of two whose allocation has that many pages:
 * one count once the entries fill more than a page, several for small rings.
 */
export interface RingExtent {
  /** Every power-of-two entry count that gives this allocation, smallest first. */
  candidates: number[];
  /** Whether the count is known: exactly one candidate. */
  exact: boolean;
}

/** Larger than any ring the kernel allocates (XSK rings are vmalloc'd and their count is a u32). */
const MAX_ENTRIES_LOG2 = 31;

export function ringExtent(mappedBytes: number, descOffset: number, entryBytes: number, pageSize: number): RingExtent {
  const candidates: number[] = [];
  for (let log2 = 0; log2 <= MAX_ENTRIES_LOG2; log2++) {
    const entries = 2 ** log2;
    const allocation = Math.ceil((descOffset + entries * entryBytes) / pageSize) * pageSize;
    if (allocation === mappedBytes) candidates.push(entries);
    if (allocation > mappedBytes) break;
  }
  return { candidates, exact: candidates.length === 1 };
}

/** A ring's size as the kernel's view states it, from the longest mapping accepted at its offset (0: no such ring). */
export function ringSizeFromMapping(
  mappedBytes: number,
  descOffset: number,
  entryBytes: number,
  pageSize: number,
): RingSizeFact {
  if (mappedBytes === 0) return { candidates: [], exact: true, present: false, source: 'mmap-probe' };
  return { ...ringExtent(mappedBytes, descOffset, entryBytes, pageSize), present: true, source: 'mmap-probe' };
}
