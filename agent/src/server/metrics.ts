import {
  RING_KINDS,
  type RingKind,
  type RingState,
  XDP_ACTIONS,
  XDP_STATISTICS_FIELDS,
  type XdpActionCounters,
  type XdpActions,
  type XdpStatistics,
} from '@ringside/shared';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { SocketTotals } from '../observe/socket-observer.ts';
import { readBuildInfo } from './build-info.mjs';

/**
 * Whose a socket is and where it is bound, on every series of it: Prometheus
 * then watches any AF_XDP application on a host, Ringside's own sockets and
 * attached ones alike. A label whose value is unknown is left out.
 */
export interface SocketLabels {
  pid: number;
  command: string;
  interface: string | null;
  queue: number | null;
  /** Ringside's own UMEM id; an attached socket's UMEM is named by the kernel only where socket diag says. */
  umem: string | null;
}

/** One socket as a scrape sees it: what a snapshot shows of it, from the same reader. */
export interface ObservedSocket {
  id: string;
  labels: SocketLabels;
  observation: {
    rings: Record<RingKind, RingState | null>;
    stats: XdpStatistics;
    /** What Ringside's data plane counted; null for an attached socket. */
    totals: SocketTotals | null;
  };
}

/** What `ringside_build_info` says of the running agent. */
export interface BuildFacts {
  version: string;
  /** The git commit the set-up step ran in; 'unknown' outside a checkout or before the set-up ran. */
  commit: string;
  node: string;
}

/** Where the numbers come from: asked at each scrape, never cached between scrapes. */
export interface MetricsSources {
  sockets: () => Promise<readonly ObservedSocket[]>;
  clients: () => number;
  /** The action counters of Ringside's XDP program on each interface that has one. */
  programs: () => readonly XdpActionCounters[];
  build?: BuildFacts;
}

const ACTION_LABELS: Record<keyof XdpActions, string> = {
  redirected: 'redirected',
  passed: 'passed',
  dropped: 'dropped',
  noSocket: 'no_socket',
  wrongQueue: 'wrong_queue',
};

/** What each XDP_STATISTICS counter counts: a Record, so a field added to the schema must be described here. */
const STATISTICS_HELP: Record<keyof XdpStatistics, string> = {
  rxDropped: 'frames the kernel dropped for reasons other than invalid descriptors.',
  rxInvalidDescs: 'frames dropped for an invalid descriptor.',
  txInvalidDescs: 'TX descriptors the kernel rejected as invalid.',
  rxRingFull: 'frames dropped because the RX ring was full.',
  rxFillRingEmptyDescs: 'times the kernel found the FILL ring empty.',
  txRingEmptyDescs: 'times the kernel found the TX ring empty.',
};

interface SocketCounter {
  name: string;
  help: string;
  /** null: the socket has no such count (an attached socket's application counts for itself). */
  read: (observation: ObservedSocket['observation']) => number | null;
}

const SOCKET_COUNTERS: readonly SocketCounter[] = [
  {
    name: 'ringside_rx_packets_total',
    help: 'Frames the data plane took off the RX ring.',
    read: (o) => o.totals?.rxPackets ?? null,
  },
  {
    name: 'ringside_rx_bytes_total',
    help: 'Bytes in the frames taken off the RX ring.',
    read: (o) => o.totals?.rxBytes ?? null,
  },
  {
    name: 'ringside_tx_packets_total',
    help: 'Frames the data plane put on the TX ring.',
    read: (o) => o.totals?.txPackets ?? null,
  },
  {
    name: 'ringside_tx_bytes_total',
    help: 'Bytes in the frames put on the TX ring.',
    read: (o) => o.totals?.txBytes ?? null,
  },
  {
    name: 'ringside_wakeup_syscalls_total',
    help: 'Syscalls made to wake the kernel (a need_wakeup flag asked, or need_wakeup is off).',
    read: (o) => o.totals?.wakeups ?? null,
  },
  {
    name: 'ringside_busy_poll_syscalls_total',
    help: 'Empty recvfrom calls a busy-polling socket made to run its NAPI instance.',
    read: (o) => o.totals?.busyPolls ?? null,
  },
  {
    name: 'ringside_tx_sendto_calls_total',
    help: 'sendto calls that kicked the TX ring.',
    read: (o) => o.totals?.txSendtos ?? null,
  },
  {
    name: 'ringside_tx_sendto_descriptors_total',
    help: 'TX descriptors the kernel consumed inside those sendto calls (copy mode: at most the TX budget each).',
    read: (o) => o.totals?.txSendtoConsumed ?? null,
  },
  // XDP_STATISTICS, one counter per field of the schema, named as the kernel's struct names it.
  ...XDP_STATISTICS_FIELDS.map((field): SocketCounter => {
    const kernelName = field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    return {
      name: `ringside_xdp_${kernelName}_total`,
      help: `XDP_STATISTICS ${kernelName}: ${STATISTICS_HELP[field]}`,
      read: (o) => o.stats[field],
    };
  }),
];

const SOCKET_LABELS = ['socket', 'pid', 'command', 'interface', 'queue', 'umem'] as const;
type SocketLabel = (typeof SOCKET_LABELS)[number];
const RING_LABELS = [...SOCKET_LABELS, 'ring'] as const;
type RingLabel = (typeof RING_LABELS)[number];

function labelsOf({ id, labels }: ObservedSocket): Partial<Record<SocketLabel, string | number>> {
  return {
    socket: id,
    pid: labels.pid,
    command: labels.command,
    ...(labels.interface !== null ? { interface: labels.interface } : {}),
    ...(labels.queue !== null ? { queue: labels.queue } : {}),
    ...(labels.umem !== null ? { umem: labels.umem } : {}),
  };
}

/** Entries between consumer and producer; the indices are free-running u32s that wrap. */
function occupancy(producer: number, consumer: number): number {
  return (producer - consumer) >>> 0;
}

/**
 * The agent's Prometheus metrics. Nothing is counted here: every value is read
 * from the sockets at scrape, so a scrape shows exactly what the kernel and
 * the data plane hold at that moment.
 *
 * The counts are owned elsewhere (the kernel's XDP_STATISTICS, the worker's
 * totals), so they cannot be `inc()`ed as events happen. A Gauge named
 * `_total` would lie about the type, and rate() on a gauge misreads a socket
 * recreated under the same id (its counts restart at zero) as a huge drop
 * rather than a counter reset. prom-client's Counter has no set(): the way to
 * mirror an external monotonic count is reset() then inc() by the absolute
 * value, at scrape. Resetting every series first also drops the series of a
 * socket destroyed since the last scrape.
 *
 * Its own Registry, not prom-client's global one: two agents in one process
 * (tests) must not share or clash over series. The Node process's own
 * metrics (prom-client's defaults) are collected into it at scrape.
 */
export class AgentMetrics {
  private readonly registry = new Registry();
  private readonly socketCounters: { counter: Counter<SocketLabel>; read: SocketCounter['read'] }[];
  private readonly ringGauges: { gauge: Gauge<RingLabel>; read: (ring: RingState) => number }[];
  private readonly clientsConnected: Gauge;
  private readonly programActions: Counter<'ifname' | 'action'>;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    this.socketCounters = SOCKET_COUNTERS.map(({ name, help, read }) => ({
      counter: new Counter({ name, help, labelNames: SOCKET_LABELS, registers }),
      read,
    }));
    const ringGauge = (name: string, help: string, read: (ring: RingState) => number) => ({
      gauge: new Gauge({ name, help, labelNames: RING_LABELS, registers }),
      read,
    });
    this.ringGauges = [
      ringGauge('ringside_ring_entries', 'Entries in the ring now: producer minus consumer, modulo 2^32.', (ring) =>
        occupancy(ring.producer, ring.consumer),
      ),
      ringGauge('ringside_ring_size_entries', 'Entries the ring can hold.', (ring) => ring.size),
      // Free-running u32 words: a gauge, since they wrap to 0 after 2^32 (rate() would read a reset).
      ringGauge(
        'ringside_ring_producer',
        "The ring's shared producer index (free-running, wraps at 2^32).",
        (ring) => ring.producer,
      ),
      ringGauge(
        'ringside_ring_consumer',
        "The ring's shared consumer index (free-running, wraps at 2^32).",
        (ring) => ring.consumer,
      ),
    ];
    const build = sources.build ?? { ...readBuildInfo(), node: process.version };
    const buildInfo = new Gauge({
      name: 'ringside_build_info',
      help: 'The running agent: its version, the commit its set-up ran in, and its Node version; always 1.',
      labelNames: ['version', 'commit', 'node'] as const,
      registers,
    });
    buildInfo.set({ version: build.version, node: build.node, commit: build.commit }, 1);
    collectDefaultMetrics({ register: this.registry });
    this.clientsConnected = new Gauge({
      name: 'ringside_clients_connected',
      help: 'WebSocket clients connected to the agent.',
      registers,
    });
    this.programActions = new Counter({
      name: 'ringside_xdp_program_frames_total',
      help: "Frames Ringside's XDP program handled, by what it did: redirected to a socket, passed to the stack, dropped; no_socket (the XSKMAP index was empty, also passed or dropped) and wrong_queue (sent to a socket of another queue: lost).",
      labelNames: ['ifname', 'action'] as const,
      registers,
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    this.refresh(await this.sources.sockets());
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Observes each socket once, so every series in one scrape comes from the same reading. */
  private refresh(sockets: readonly ObservedSocket[]): void {
    const labelled = sockets.map((socket) => ({ labels: labelsOf(socket), observation: socket.observation }));
    for (const { counter, read } of this.socketCounters) {
      counter.reset();
      for (const { labels, observation } of labelled) {
        const value = read(observation);
        if (value !== null) counter.inc(labels, value);
      }
    }
    for (const { gauge, read } of this.ringGauges) {
      gauge.reset();
      for (const { labels, observation } of labelled) {
        for (const ring of RING_KINDS) {
          // A socket without an RX or TX ring has no such series, rather than a zero that looks like an idle ring.
          const state = observation.rings[ring];
          if (state) gauge.set({ ...labels, ring }, read(state));
        }
      }
    }
    this.clientsConnected.set(this.sources.clients());
    this.programActions.reset();
    for (const program of this.sources.programs()) {
      for (const action of XDP_ACTIONS) {
        this.programActions.inc({ ifname: program.ifname, action: ACTION_LABELS[action] }, program[action]);
      }
    }
  }
}
