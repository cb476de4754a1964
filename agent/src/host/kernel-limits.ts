import { pageSize, tryUmemRegistration, type UmemTrial } from '../native/umem-probe.ts';
import { largestAccepted, smallestAccepted } from './accepted-range.ts';

/**
 * The UMEM geometries this kernel accepts, found by asking it with real
 * XDP_UMEM_REG trials rather than by restating its source: the rules moved
 * between releases (chunks above PAGE_SIZE, the headroom reserved for
 * skb_shared_info), and Ringside validates requests against the kernel it runs on.
 *
 * Only registration is probed. A driver can refuse a geometry the kernel
 * accepted when a socket binds to it; that refusal arrives with the bind.
 */
export interface KernelLimits {
  pageSize: number;
  /** Powers of two from 512 to 65536 accepted as aligned chunk sizes, ascending. */
  alignedChunkSizes: number[];
  /** Smallest and largest accepted unaligned chunk size; { min: 0, max: 0 } when none is. */
  unalignedChunkRange: { min: number; max: number };
  /** For each accepted aligned chunk size, the largest headroom accepted with it. */
  maxHeadroom: Record<number, number>;
  /** What finding these cost: XDP_UMEM_REG trials and wall time. */
  probe: { trials: number; milliseconds: number };
}

const SMALLEST_CANDIDATE = 512;
const LARGEST_CANDIDATE = 65536;
/** Where the unaligned search for the largest chunk stops: far above any limit a kernel has had. */
const UNALIGNED_SEARCH_CEILING = 1 << 20;

function probe(): KernelLimits {
  const started = performance.now();
  const page = pageSize();
  let trials = 0;
  const accepts = (geometry: Omit<UmemTrial, 'frames'>): boolean => {
    trials++;
    // Two pages of frames at least, so a refusal is about the geometry under trial, never about a tiny area.
    const frames = Math.max(2, Math.ceil((2 * page) / geometry.chunkSize));
    return tryUmemRegistration({ ...geometry, frames }).ok;
  };

  const alignedChunkSizes: number[] = [];
  for (let size = SMALLEST_CANDIDATE; size <= LARGEST_CANDIDATE; size *= 2) {
    if (accepts({ chunkSize: size, headroom: 0, unaligned: false })) alignedChunkSizes.push(size);
  }

  const maxHeadroom: Record<number, number> = {};
  for (const size of alignedChunkSizes) {
    maxHeadroom[size] = largestAccepted(0, size, (headroom) =>
      accepts({ chunkSize: size, headroom, unaligned: false }),
    );
  }

  // The unaligned search needs one size known to pass; an aligned one almost always does.
  const unaligned = (chunkSize: number) => accepts({ chunkSize, headroom: 0, unaligned: true });
  const anchor = [...alignedChunkSizes, page].find(unaligned);
  const unalignedChunkRange =
    anchor === undefined
      ? { min: 0, max: 0 }
      : {
          min: smallestAccepted(1, anchor, unaligned),
          max: largestAccepted(anchor, UNALIGNED_SEARCH_CEILING, unaligned),
        };

  return {
    pageSize: page,
    alignedChunkSizes,
    unalignedChunkRange,
    maxHeadroom,
    probe: { trials, milliseconds: Math.round(performance.now() - started) },
  };
}

let cached: KernelLimits | null = null;

/** Probes once per process: the kernel's rules do not change while it runs. Frozen, as every caller shares it. */
export function probeKernelLimits(): KernelLimits {
  if (cached === null) {
    const limits = probe();
    Object.freeze(limits.alignedChunkSizes);
    Object.freeze(limits.unalignedChunkRange);
    Object.freeze(limits.maxHeadroom);
    Object.freeze(limits.probe);
    cached = Object.freeze(limits);
  }
  return cached;
}
