import type { FactSource, KernelView, RingKind, SocketInfo } from '@ringside/shared';

/**
 * "Requested" beside "in effect" for one socket, as rows the socket's view
 * draws: each fact the kernel showed, with where it was read. Text only, so
 * the page and its tests compare the same words.
 */
export interface KernelFactRow {
  /** A KernelView key, `rings.<ring>`, or `batchSize` (which the kernel never sees). */
  key: string;
  label: string;
  requested: string;
  inEffect: string;
  source: FactSource | 'ringside';
  note: string;
}

const RING_LABELS: Record<RingKind, string> = {
  fill: 'FILL ring',
  rx: 'RX ring',
  tx: 'TX ring',
  completion: 'COMPLETION ring',
};

type Fact<T> = { value: T | null; source: FactSource; note?: string | undefined };

function shown<T>(fact: Fact<T>, format: (value: T) => string = String): string {
  return fact.value === null ? 'unknown' : format(fact.value);
}

const onOff = (on: boolean) => (on ? 'on' : 'off');

export function ringInEffect(ring: KernelView['rings'][RingKind]): string {
  return ring.present ? ring.candidates.join(' or ') : 'none';
}

export function kernelFactRows(info: Pick<SocketInfo, 'request' | 'kernel'>): KernelFactRow[] {
  const { request, kernel } = info;
  const { socket, umem } = request;
  const row = <T>(
    key: keyof KernelView,
    label: string,
    requested: string,
    fact: Fact<T>,
    format?: (value: T) => string,
  ) => ({
    key,
    label,
    requested,
    inEffect: shown(fact, format),
    source: fact.source,
    note: fact.note ?? '',
  });
  const requestedRings: Record<RingKind, number> = {
    fill: umem.fillSize,
    rx: socket.rxSize,
    tx: socket.txSize,
    completion: umem.completionSize,
  };
  const rings = (Object.keys(RING_LABELS) as RingKind[]).map((ring) => {
    const seen = kernel.rings[ring];
    return {
      key: `rings.${ring}`,
      label: RING_LABELS[ring],
      requested: requestedRings[ring] === 0 ? 'none' : String(requestedRings[ring]),
      inEffect: ringInEffect(seen),
      source: seen.source,
      note: seen.present && !seen.exact ? 'the mapping is page-granular: any of these counts fits it' : '',
    };
  });
  return [
    ...rings,
    row(
      'zeroCopy',
      'zero-copy',
      socket.zeroCopy ? 'zero-copy' : socket.copy ? 'copy' : 'driver’s choice',
      kernel.zeroCopy,
      (on) => (on ? 'zero-copy' : 'copy'),
    ),
    row('xdpMode', 'XDP mode', socket.xdpMode, kernel.xdpMode),
    row('xdpProgramId', 'XDP program', 'Ringside’s', kernel.xdpProgramId, (id) => `id ${id}`),
    row('ifname', 'interface', socket.ifname, kernel.ifname),
    row('queueId', 'queue', String(socket.queueId), kernel.queueId),
    row('chunkSize', 'chunk size', String(umem.frameSize), kernel.chunkSize),
    row('headroom', 'headroom', String(umem.headroom), kernel.headroom),
    row('unaligned', 'unaligned chunks', onOff(umem.unaligned), kernel.unaligned, onOff),
    row('fillNeedWakeup', 'need_wakeup (FILL flag)', onOff(socket.needWakeup), kernel.fillNeedWakeup, onOff),
    row('txNeedWakeup', 'need_wakeup (TX flag)', onOff(socket.needWakeup), kernel.txNeedWakeup, onOff),
    {
      key: 'batchSize',
      label: 'batch size',
      requested: String(socket.batchSize),
      inEffect: 'not the kernel’s',
      source: 'ringside',
      note: 'how many descriptors Ringside’s data plane moves at a time: nothing of it reaches the kernel',
    },
  ];
}
