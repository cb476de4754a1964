/**
 * A foreign UMEM's chunk size and extent, read from its rings' contents when
 * xsk_diag cannot say. Every slot of a ring keeps the last address written
 * to it, so one read of a whole ring shows up to its size in addresses the
 * owner used, not only those it holds now.
 *
 * In aligned mode a chunk is 2048 or 4096 bytes on 4 KiB pages (the kernel
 * wants a power of two between 2048 and PAGE_SIZE), and owners fill FILL with
 * chunk starts (libxdp's and every sample's way; the kernel would mask any
 * other address down to one). So a FILL address at an odd multiple of 2048
 * proves 2048-byte chunks; many, all on 4096, make 4096 the likely size;
 * one off every 2048 boundary means unaligned mode, where chunks have no
 * fixed size to find.
 */

/**
 * Distinct FILL addresses, all 4096-aligned, after which 4096-byte chunks are
 * the likely size: an owner of 2048-byte chunks that never once filled an odd
 * one among that many would be strange indeed.
 */
export const ALIGNED_EVIDENCE = 256;
const SMALL_CHUNK = 2048;
const PAGE_CHUNK = 4096;

export interface UmemInference {
  /** null: not known (too few addresses, or unaligned mode). */
  chunkSize: number | null;
  /** The UMEM holds at least this many chunks: the highest address seen in any ring says so. 0 when nothing was seen. */
  framesAtLeast: number;
  /** How it was learned, or why it could not be. */
  note: string;
}

/**
 * From the distinct addresses of FILL's slots (`fill`) and the highest
 * address in any ring (`highest`, -1 for none).
 */
export function inferUmem(fill: ReadonlySet<number>, highest: number): UmemInference {
  const chunkSize = chunkOf(fill);
  const framesAtLeast = chunkSize.value !== null && highest >= 0 ? Math.floor(highest / chunkSize.value) + 1 : 0;
  return { chunkSize: chunkSize.value, framesAtLeast, note: chunkSize.note };
}

function chunkOf(fill: ReadonlySet<number>): { value: number | null; note: string } {
  let onPage = 0;
  for (const address of fill) {
    if (address % SMALL_CHUNK !== 0) {
      return { value: null, note: `FILL holds ${address}, on no 2048-byte boundary: unaligned mode, chunks unknown` };
    }
    if (address % PAGE_CHUNK === 0) onPage++;
  }
  if (onPage < fill.size) {
    return { value: SMALL_CHUNK, note: 'inferred: FILL holds addresses at odd multiples of 2048' };
  }
  if (onPage >= ALIGNED_EVIDENCE) {
    return { value: PAGE_CHUNK, note: `inferred: all ${onPage} distinct FILL addresses fall on 4096-byte boundaries` };
  }
  return { value: null, note: `only ${onPage} distinct FILL addresses seen, all 4096-aligned: too few to tell` };
}
