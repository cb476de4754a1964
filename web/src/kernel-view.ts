import {
  chunkContradicts,
  type FactSource,
  type KernelView,
  type RingKind,
  type RingSizeFact,
  type SocketRequest,
} from '@ringside/shared';

/**
 * A socket's kernel view as rows the page draws: each fact the kernel
 * showed, in words, with where it was read, and beside it what was requested
 * when Ringside made the socket. One wording for Ringside's own sockets and
 * for attached ones (whose request Ringside never saw). Text only, so the
 * page and its tests compare the same words.
 */
export interface KernelFactRow {
  /** A KernelView key, `rings.<ring>`, or `batchSize` (which the kernel never sees). */
  key: string;
  label: string;
  /** What was asked for; null for a socket of another process. */
  requested: string | null;
  inEffect: string;
  /** False when several values fit what was read (a small ring's page-granular mapping). */
  exact: boolean;
  source: FactSource | 'ringside';
  note: string;
}

export const RING_LABELS: Record<RingKind, string> = { fill: 'FILL', rx: 'RX', tx: 'TX', completion: 'COMPLETION' };

/**
 * A ring's size as the kernel let it be read: its candidates when the mapping
 * fits several, as a range past two (a small ring's page fits every power of
 * two up to its size: listed, they made a table column wider than its panel).
 */
export function ringSizeText(fact: RingSizeFact): { text: string; exact: boolean } {
  if (!fact.present) return { text: 'none', exact: true };
  const { candidates } = fact;
  if (candidates.length === 0) return { text: 'unknown', exact: false };
  const text =
    candidates.length > 2 ? `${candidates[0]}–${candidates[candidates.length - 1]}` : candidates.join(' or ');
  return { text, exact: fact.exact };
}

/** Why a ring's size reads as more than one count, and which counts. */
export function ringSizeNote(fact: RingSizeFact): string {
  if (fact.candidates.length < 2) return '';
  return `the mapping is page-granular: ${fact.candidates.join(', ')} entries all fit it`;
}

type Scalar = Exclude<keyof KernelView, 'readAt' | 'rings'>;
type ValueOf<K extends Scalar> = NonNullable<KernelView[K]['value']>;

const onOff = (on: boolean) => (on ? 'on' : 'off');
const copyMode = (zeroCopy: boolean) => (zeroCopy ? 'zero-copy' : 'copy');

/** How each scalar fact reads, worded as its request is, so equal means equal. */
interface ScalarWording<K extends Scalar> {
  label: string;
  format: (value: ValueOf<K>) => string;
  requested: (request: SocketRequest) => string;
  /** How it reads beside a request, where equal words would not mean equal. */
  beside?: (value: ValueOf<K>, request: SocketRequest) => string;
}

/**
 * A ring's need_wakeup flag beside the request. With need_wakeup on, the
 * kernel sets the flag only while it wants a wakeup, so a clear flag is the
 * usual state, not "off". Without it, the flag reads as the plain on or off
 * it is, so a flag set where none was asked for reads as the contradiction
 * it is (copy mode's TX flag, set at bind either way: its note says so).
 * A bind that did not take XDP_USE_NEED_WAKEUP fails rather than go on
 * without it, and a socket sharing a UMEM must ask as its owner did.
 */
function wakeupFlag(set: boolean, asked: boolean): string {
  if (!asked) return onOff(set);
  return set ? 'on — the kernel asks for a wakeup now' : 'on — the kernel is not asking for a wakeup now';
}

/** In the order a reader asks: where it is bound, how, then the UMEM's layout and the rings' flags. */
const SCALARS: { [K in Scalar]: ScalarWording<K> } = {
  ifname: { label: 'interface', format: String, requested: (r) => r.socket.ifname },
  queueId: { label: 'queue', format: String, requested: (r) => String(r.socket.queueId) },
  xdpMode: { label: 'XDP mode', format: String, requested: (r) => r.socket.xdpMode },
  xdpProgramId: { label: 'XDP program', format: (id) => `id ${id}`, requested: () => 'Ringside’s' },
  zeroCopy: {
    label: 'zero-copy',
    format: copyMode,
    requested: (r) => (r.socket.zeroCopy ? 'zero-copy' : r.socket.copy ? 'copy' : 'driver’s choice'),
  },
  chunkSize: { label: 'chunk size', format: String, requested: (r) => String(r.umem.frameSize) },
  headroom: { label: 'headroom', format: String, requested: (r) => String(r.umem.headroom) },
  unaligned: { label: 'unaligned chunks', format: onOff, requested: (r) => onOff(r.umem.unaligned) },
  fillNeedWakeup: {
    label: 'need_wakeup (FILL flag)',
    format: onOff,
    requested: (r) => onOff(r.socket.needWakeup),
    beside: (set, r) => wakeupFlag(set, r.socket.needWakeup),
  },
  txNeedWakeup: {
    label: 'need_wakeup (TX flag)',
    format: onOff,
    requested: (r) => onOff(r.socket.needWakeup),
    beside: (set, r) => wakeupFlag(set, r.socket.needWakeup),
  },
};

const REQUESTED_RINGS: Record<RingKind, (request: SocketRequest) => number> = {
  fill: (r) => r.umem.fillSize,
  rx: (r) => r.socket.rxSize,
  tx: (r) => r.socket.txSize,
  completion: (r) => r.umem.completionSize,
};

function scalarRow<K extends Scalar>(kernel: KernelView, key: K, request: SocketRequest | null): KernelFactRow {
  const wording = SCALARS[key];
  const fact = kernel[key];
  const value = fact.value as ValueOf<K> | null;
  const words = (seen: ValueOf<K>) =>
    request && wording.beside ? wording.beside(seen, request) : wording.format(seen);
  return {
    key,
    label: wording.label,
    requested: request && wording.requested(request),
    inEffect: value === null ? 'unknown' : words(value),
    exact: true,
    source: fact.source,
    note: fact.note ?? '',
  };
}

/**
 * The chunk size. Ringside registered its own UMEMs (XDP_UMEM_REG), and the
 * kernel takes a chunk size as given or refuses it: the registered size is
 * known from the start, where frames received may take long to prove it (4 KiB
 * chunks lie at strides 2048-byte ones could too). What the kernel did show
 * stays first, so a contradiction still shows. Another process's UMEM is
 * known only from what the kernel shows, and the row says what that was.
 */
function chunkSizeRow(kernel: KernelView, request: SocketRequest | null): KernelFactRow {
  const row = scalarRow(kernel, 'chunkSize', request);
  const { chunkSize } = kernel;
  const registered = request?.umem.frameSize;
  if (registered === undefined || chunkSize.value !== null || chunkContradicts(chunkSize, registered)) {
    // What the kernel showed, said as read: a size, or a stride the chunk divides.
    const inferred = chunkSize.source === 'ring-contents' ? ', from where the kernel wrote received frames' : '';
    // An own socket's row has the request beside it, and its source column says where the size was read.
    if (chunkSize.value !== null) return request ? row : { ...row, inEffect: `${chunkSize.value}${inferred}` };
    if (chunkSize.divides === undefined) return row;
    return { ...row, inEffect: `divides ${chunkSize.divides}${inferred}`, exact: false };
  }
  return {
    ...row,
    inEffect: String(registered),
    source: 'ringside',
    note: `registered by Ringside (XDP_UMEM_REG), which the kernel takes as given or refuses${row.note ? `; the kernel's own readings: ${row.note}` : ''}`,
  };
}

/** The rows of a socket's kernel view; `request` is null for a socket Ringside did not make. */
export function kernelFactRows(kernel: KernelView, request: SocketRequest | null): KernelFactRow[] {
  const rings = (Object.keys(REQUESTED_RINGS) as RingKind[]).map((ring): KernelFactRow => {
    const seen = kernel.rings[ring];
    const size = ringSizeText(seen);
    const requested = request && REQUESTED_RINGS[ring](request);
    return {
      key: `rings.${ring}`,
      label: `${RING_LABELS[ring]} ring`,
      requested: requested === null ? null : requested === 0 ? 'none' : String(requested),
      inEffect: size.text,
      exact: size.exact,
      source: seen.source,
      note: ringSizeNote(seen),
    };
  });
  const scalars = (Object.keys(SCALARS) as Scalar[]).map((key) =>
    key === 'chunkSize' ? chunkSizeRow(kernel, request) : scalarRow(kernel, key, request),
  );
  if (!request) return [...rings, ...scalars];
  return [
    ...rings,
    ...scalars,
    {
      key: 'batchSize',
      label: 'batch size',
      requested: String(request.socket.batchSize),
      inEffect: 'not the kernel’s',
      exact: true,
      source: 'ringside',
      note: 'how many descriptors Ringside’s data plane moves at a time: nothing of it reaches the kernel',
    },
  ];
}
