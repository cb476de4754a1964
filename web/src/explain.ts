import { type RingKind, type Stage, XDP_STATISTICS_NAMES, type XdpStatistics } from '@ringside/shared';

/**
 * Short explanations of what the page shows, in Ringside's words, drawn from
 * the kernel's AF_XDP documentation (Documentation/networking/af_xdp.rst) and
 * from what Ringside's tests saw the kernel do.
 */
export interface Explanation {
  title: string;
  text: string;
}

export const RING_EXPLANATIONS: Record<RingKind, Explanation> = {
  fill: {
    title: 'FILL ring',
    text: 'The application hands empty UMEM chunks to the kernel here, by address. The kernel receives packets only into chunks it took from FILL: when FILL runs dry, incoming frames are dropped.',
  },
  rx: {
    title: 'RX ring',
    text: 'The kernel puts one descriptor (address, length, options) here for each frame it received into a chunk. The application consumes them; if it stops, RX fills up and the kernel drops what arrives next.',
  },
  tx: {
    title: 'TX ring',
    text: 'The application queues descriptors of frames to send. The kernel consumes them when woken by a syscall (sendto or poll) and sends each frame from its chunk.',
  },
  completion: {
    title: 'COMPLETION ring',
    text: 'The kernel returns the address of every chunk it has finished sending. Until the application reaps an address from here, it must not reuse that chunk.',
  },
};

export const RING_PARTS: Record<'producer' | 'consumer' | 'cached' | 'needWakeup', Explanation> = {
  producer: {
    title: 'Producer index',
    text: 'A free-running 32-bit counter in the shared ring: the next slot the producer writes. Only the producer moves it. The slot is the counter modulo the ring size.',
  },
  consumer: {
    title: 'Consumer index',
    text: 'A free-running 32-bit counter in the shared ring: the next slot the consumer reads. Entries between consumer and producer are in the ring.',
  },
  cached: {
    title: 'Cached indices',
    text: "The application's private copies of the producer and consumer. It reads the kernel's words only when its copies say the ring looks full or empty, which saves cache misses; short ticks inside the ring show them.",
  },
  needWakeup: {
    title: 'need_wakeup',
    text: 'With XDP_USE_NEED_WAKEUP, the kernel sets this flag on FILL or TX when it needs a syscall to make progress; when clear, the application can skip the syscall. In copy mode on veth the kernel sets it on TX at bind and never on FILL.',
  },
};

export const STAT_EXPLANATIONS: Record<keyof XdpStatistics, string> = {
  rxDropped:
    'frames dropped for a reason other than a bad descriptor: no FILL buffer to receive into (counted in rx_fill_ring_empty_descs too), or a frame longer than its chunk holds after the headroom',
  rxInvalidDescs:
    'invalid descriptors on the RX ring, which the kernel itself writes: on this kernel it never moves. An invalid FILL address is skipped and counted in no counter here ("Post invalid FILL address" shows it)',
  txInvalidDescs: 'TX descriptors the kernel refused: an address or length outside the UMEM',
  rxRingFull: 'frames dropped because the RX ring was full: the application is not consuming fast enough',
  rxFillRingEmptyDescs: 'the kernel had no FILL buffers when a frame arrived, so it dropped the frame',
  txRingEmptyDescs:
    'the kernel was woken to send and found the TX ring empty: in copy mode every sendto that empties TX counts one, and so does every poll of a socket with a TX ring',
};

export const STAGE_LABELS: Record<Stage, { label: string; text: string }> = {
  fillRefill: { label: 'Refill FILL', text: 'the application puts free chunks on FILL' },
  rxDrain: { label: 'Drain RX', text: 'the application takes received frames from RX' },
  txSubmit: { label: 'Submit TX', text: 'the application queues frames on TX' },
  completionReap: { label: 'Reap COMPLETION', text: 'the application takes sent chunks back from COMPLETION' },
};

const VIEW_EXPLANATIONS = {
  umem: {
    title: 'UMEM',
    text: 'One registered area of memory split into equal chunks (frames). Every frame belongs to exactly one party at a time; the rings only pass addresses, so ownership moves without copying the data.',
  },
  aligned: {
    title: 'Aligned addresses',
    text: 'In aligned mode the kernel masks the low log2(chunk size) bits of an address, so every address inside a chunk names that chunk. In unaligned mode it uses the address as given.',
  },
  topology: {
    title: 'Topology',
    text: 'A frame arrives on one queue of a netdev. The XDP program running for that queue picks an XSKMAP index and redirects the frame to the socket there, or passes it to the kernel stack, or drops it. The socket receives into a chunk of its UMEM that it took from the FILL ring serving its (netdev, queue); sent chunks come back on that pair’s COMPLETION ring.',
  },
  xskmap: {
    title: 'XSKMAP',
    text: 'A BPF map of sockets that an XDP program redirects frames to with bpf_redirect_map(). An entry only receives frames of the queue its socket is bound to: redirecting a frame of queue 0 to a socket of queue 1 makes the kernel drop it (FAQ). User space cannot read a socket back out of the map, so Ringside shows where it put each one.',
  },
  'shared-umem': {
    title: 'XDP_SHARED_UMEM',
    text: 'Several sockets may share one UMEM. On the same netdev and queue they share a single FILL and a single COMPLETION ring, and the XDP program decides which socket gets each frame; on another queue or netdev each (netdev, queue) needs its own FILL/COMPLETION pair. These rings are single producer, single consumer: one thread must drive each pair.',
  },
  inspector: {
    title: 'Packet inspector',
    text: 'The bytes of one UMEM chunk, read by the agent on request. A received frame starts where its RX descriptor says; in copy mode the kernel writes it after the headroom and XDP_PACKET_HEADROOM (256 bytes). Bytes that changed since the previous read are marked.',
  },
  'same-frame': {
    title: 'The same frame in FILL and TX',
    text: 'The FAQ’s "my packets are sometimes corrupted": a chunk fed to the FILL ring and the TX ring at once may be received into while it is being sent. The agent’s ledger sees the chunk in two places and reports it; the packet inspector shows the received bytes overwriting the sent ones.',
  },
  counters: {
    title: 'XDP_STATISTICS',
    text: 'The kernel’s per-socket drop counters, read with getsockopt. They only rise: a rising counter means frames are being lost right now.',
  },
} satisfies Record<string, Explanation>;

/** The explanation behind a topic key such as `ring:fill`, `part:producer`, `stat:rxDropped` or `view:umem`. */
export function explanationFor(topic: string): Explanation | null {
  const [kind, key = ''] = topic.split(':');
  switch (kind) {
    case 'ring':
      return RING_EXPLANATIONS[key as RingKind] ?? null;
    case 'part':
      return RING_PARTS[key as keyof typeof RING_PARTS] ?? null;
    case 'stat': {
      const text = STAT_EXPLANATIONS[key as keyof XdpStatistics];
      return text ? { title: XDP_STATISTICS_NAMES[key as keyof XdpStatistics], text: `${text}.` } : null;
    }
    case 'stage': {
      const stage = STAGE_LABELS[key as Stage];
      return stage
        ? { title: stage.label, text: `Pausing this stage stops ${stage.text}; Step runs one batch of every stage.` }
        : null;
    }
    case 'view':
      return VIEW_EXPLANATIONS[key as keyof typeof VIEW_EXPLANATIONS] ?? null;
    default:
      return null;
  }
}
