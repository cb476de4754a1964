import type { FactSource, KernelView, RingKind, RingSizeFact } from '@ringside/shared';

/** How a fact was learned, in words a reader of the page knows. */
export const SOURCE_LABELS: Record<FactSource, string> = {
  'socket-diag': 'socket diag',
  'mmap-probe': 'mapping probe',
  getsockopt: 'getsockopt',
  netlink: 'netlink',
  'ring-flags': 'ring flags',
  'ring-contents': 'ring contents',
  procfs: '/proc',
  unknown: 'unknown',
};

/**
 * A ring's size as the kernel let it be read: one number when exact; the
 * candidates with a question mark when the mapping's length fits several
 * (small rings: the probe is page-granular); a dash for a ring it lacks.
 */
export function ringSizeText(fact: RingSizeFact): { text: string; exact: boolean } {
  if (!fact.present) return { text: '–', exact: true };
  if (fact.candidates.length === 0) return { text: '?', exact: false };
  if (fact.exact) return { text: String(fact.candidates[0]), exact: true };
  return { text: `${fact.candidates.join('|')}?`, exact: false };
}

type Scalar = Exclude<keyof KernelView, 'readAt' | 'rings'>;

/** The facts shown, in the order a reader asks them: where it is bound, how, then the UMEM's layout. */
export const KERNEL_FACTS: readonly { key: Scalar; label: string }[] = [
  { key: 'ifname', label: 'interface' },
  { key: 'queueId', label: 'queue' },
  { key: 'xdpMode', label: 'XDP mode' },
  { key: 'xdpProgramId', label: 'XDP program' },
  { key: 'zeroCopy', label: 'zero-copy' },
  { key: 'chunkSize', label: 'chunk size' },
  { key: 'headroom', label: 'headroom' },
  { key: 'unaligned', label: 'unaligned' },
  { key: 'fillNeedWakeup', label: 'FILL need_wakeup' },
  { key: 'txNeedWakeup', label: 'TX need_wakeup' },
];

export function factText(view: KernelView, key: Scalar): { value: string; source: string; note: string | null } {
  const fact = view[key];
  const value =
    fact.value === null
      ? 'unknown'
      : typeof fact.value === 'boolean'
        ? fact.value
          ? 'yes'
          : 'no'
        : String(fact.value);
  return { value, source: SOURCE_LABELS[fact.source], note: fact.note ?? null };
}

export const RING_LABELS: Record<RingKind, string> = { fill: 'FILL', rx: 'RX', tx: 'TX', completion: 'COMP' };
