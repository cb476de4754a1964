import {
  XDP_ACTIONS,
  XDP_STATISTICS_FIELDS,
  type XdpActionCounters,
  type XdpActions,
  type XdpStatistics,
} from '@ringside/shared';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RingsObserved, SocketObservation } from '../observe/socket-observer.ts';

/** One socket as a scrape sees it: what a snapshot shows of it, from the same reader. */
export interface ObservedSocket {
  id: string;
  observation: Pick<SocketObservation, 'rings' | 'stats' | 'totals'>;
}

/** Where the numbers come from: asked at each scrape, never cached between scrapes. */
export interface MetricsSources {
  sockets: () => Promise<readonly ObservedSocket[]>;
  clients: () => number;
  /** The action counters of Ringside's XDP program on each interface that has one. */
  programs: () => readonly XdpActionCounters[];
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
  read: (observation: ObservedSocket['observation']) => number;
}

const SOCKET_COUNTERS: readonly SocketCounter[] = [
  {
    name: 'ringside_rx_packets_total',
    help: 'Frames the data plane took off the RX ring.',
    read: (o) => o.totals.rxPackets,
  },
  {
    name: 'ringside_rx_bytes_total',
    help: 'Bytes in the frames taken off the RX ring.',
    read: (o) => o.totals.rxBytes,
  },
  {
    name: 'ringside_tx_packets_total',
    help: 'Frames the data plane put on the TX ring.',
    read: (o) => o.totals.txPackets,
  },
  {
    name: 'ringside_tx_bytes_total',
    help: 'Bytes in the frames put on the TX ring.',
    read: (o) => o.totals.txBytes,
  },
  {
    name: 'ringside_wakeup_syscalls_total',
    help: 'Syscalls made to wake the kernel (a need_wakeup flag asked, or need_wakeup is off).',
    read: (o) => o.totals.wakeups,
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

const RING_NAMES = ['fill', 'rx', 'tx', 'completion'] as const satisfies readonly (keyof RingsObserved)[];

/**
 * The agent process's memory, by what holds it. A growth of `rss` alone is
 * native (malloc, mapped files, the data-plane workers' own heaps); with
 * `heap_used` it is JavaScript objects on the main thread.
 */
const MEMORY_LABELS: Record<keyof NodeJS.MemoryUsage, string> = {
  rss: 'rss',
  heapTotal: 'heap_total',
  heapUsed: 'heap_used',
  external: 'external',
  arrayBuffers: 'array_buffers',
};

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
 * (tests) must not share or clash over series.
 */
export class AgentMetrics {
  private readonly registry = new Registry();
  private readonly socketCounters: { counter: Counter<'socket'>; read: SocketCounter['read'] }[];
  private readonly ringEntries: Gauge<'socket' | 'ring'>;
  private readonly ringSize: Gauge<'socket' | 'ring'>;
  private readonly clientsConnected: Gauge;
  private readonly programActions: Counter<'ifname' | 'action'>;
  private readonly agentMemory: Gauge<'kind'>;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    this.socketCounters = SOCKET_COUNTERS.map(({ name, help, read }) => ({
      counter: new Counter({ name, help, labelNames: ['socket'] as const, registers }),
      read,
    }));
    this.ringEntries = new Gauge({
      name: 'ringside_ring_entries',
      help: 'Entries in the ring now: producer minus consumer, modulo 2^32.',
      labelNames: ['socket', 'ring'] as const,
      registers,
    });
    this.ringSize = new Gauge({
      name: 'ringside_ring_size_entries',
      help: 'Entries the ring can hold.',
      labelNames: ['socket', 'ring'] as const,
      registers,
    });
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
    this.agentMemory = new Gauge({
      name: 'ringside_agent_memory_bytes',
      help: "The agent process's memory: rss (resident, all threads), and its main thread's V8 heap (heap_total, heap_used) and the memory outside that heap its objects hold (external, array_buffers).",
      labelNames: ['kind'] as const,
      registers,
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    this.refresh(await this.sources.sockets());
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Observes each socket once, so every series in one scrape comes from the same reading. */
  private refresh(sockets: readonly ObservedSocket[]): void {
    for (const { counter, read } of this.socketCounters) {
      counter.reset();
      for (const { id, observation } of sockets) counter.inc({ socket: id }, read(observation));
    }
    this.ringEntries.reset();
    this.ringSize.reset();
    for (const { id, observation } of sockets) {
      for (const ring of RING_NAMES) {
        // A socket without an RX or TX ring has no such series, rather than a zero that looks like an idle ring.
        const state = observation.rings[ring];
        if (!state) continue;
        this.ringEntries.set({ socket: id, ring }, occupancy(state.producer, state.consumer));
        this.ringSize.set({ socket: id, ring }, state.size);
      }
    }
    this.clientsConnected.set(this.sources.clients());
    this.programActions.reset();
    for (const program of this.sources.programs()) {
      for (const action of XDP_ACTIONS) {
        this.programActions.inc({ ifname: program.ifname, action: ACTION_LABELS[action] }, program[action]);
      }
    }
    const memory = process.memoryUsage();
    for (const [kind, label] of Object.entries(MEMORY_LABELS) as [keyof NodeJS.MemoryUsage, string][]) {
      this.agentMemory.set({ kind: label }, memory[kind]);
    }
  }
}
