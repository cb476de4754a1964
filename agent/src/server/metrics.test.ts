import type { RingState, XdpActionCounters } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { AgentMetrics, type ObservedSocket } from './metrics.ts';

type SocketObservation = ObservedSocket['observation'];

function ring(size: number, producer: number, consumer: number): RingState {
  return { size, producer, consumer, cachedProducer: producer, cachedConsumer: consumer, needWakeup: false };
}

function observation(overrides: Partial<SocketObservation> = {}): SocketObservation {
  return {
    rings: {
      fill: ring(2048, 5000, 3000),
      rx: ring(2048, 2990, 2900),
      tx: null,
      completion: ring(2048, 0, 0),
    },
    stats: {
      rxDropped: 1,
      rxInvalidDescs: 2,
      txInvalidDescs: 3,
      rxRingFull: 4,
      rxFillRingEmptyDescs: 5,
      txRingEmptyDescs: 6,
    },
    totals: {
      rxPackets: 2900,
      rxBytes: 185_600,
      txPackets: 0,
      txBytes: 0,
      completed: 0,
      wakeups: 17,
      idleWaits: 40,
    },
    ...overrides,
  };
}

/** Metrics over sockets and a client count the test changes between scrapes. */
function metricsOver(initial: ObservedSocket[]) {
  const world = { sockets: initial, clients: 2, programs: [] as XdpActionCounters[] };
  const metrics = new AgentMetrics({
    sockets: async () => world.sockets,
    clients: () => world.clients,
    programs: () => world.programs,
  });
  const scrape = async () => (await metrics.render()).body;
  return { world, metrics, scrape };
}

const lines = (body: string) => body.split('\n');

describe('the agent metrics', () => {
  it("expose what each interface's XDP program did with its frames, by action", async () => {
    const { world, scrape } = metricsOver([]);
    world.programs = [{ ifname: 'rs-app', redirected: 90, passed: 7, dropped: 3, noSocket: 5, wrongQueue: 1 }];
    const body = lines(await scrape());
    expect(body).toContain('# TYPE ringside_xdp_program_frames_total counter');
    for (const [action, value] of [
      ['redirected', 90],
      ['passed', 7],
      ['dropped', 3],
      ['no_socket', 5],
      ['wrong_queue', 1],
    ] as const) {
      expect(body).toContain(`ringside_xdp_program_frames_total{ifname="rs-app",action="${action}"} ${value}`);
    }
    world.programs = [];
    expect((await scrape()).includes('ifname="rs-app"')).toBe(false);
  });

  it('expose every count of every socket as a counter with its value', async () => {
    const { scrape } = metricsOver([{ id: 'xsk0', observation: observation() }]);
    const body = lines(await scrape());
    const expected: [string, number][] = [
      ['ringside_rx_packets_total', 2900],
      ['ringside_rx_bytes_total', 185_600],
      ['ringside_tx_packets_total', 0],
      ['ringside_tx_bytes_total', 0],
      ['ringside_wakeup_syscalls_total', 17],
      ['ringside_xdp_rx_dropped_total', 1],
      ['ringside_xdp_rx_invalid_descs_total', 2],
      ['ringside_xdp_tx_invalid_descs_total', 3],
      ['ringside_xdp_rx_ring_full_total', 4],
      ['ringside_xdp_rx_fill_ring_empty_descs_total', 5],
      ['ringside_xdp_tx_ring_empty_descs_total', 6],
    ];
    for (const [name, value] of expected) {
      expect(body).toContain(`# TYPE ${name} counter`);
      expect(body).toContain(`${name}{socket="xsk0"} ${value}`);
    }
  });

  it('expose occupancy and size of each ring the socket has, and the clients connected', async () => {
    const { scrape } = metricsOver([{ id: 'xsk0', observation: observation() }]);
    const body = lines(await scrape());
    expect(body).toContain('# TYPE ringside_ring_entries gauge');
    expect(body).toContain('ringside_ring_entries{socket="xsk0",ring="fill"} 2000');
    expect(body).toContain('ringside_ring_entries{socket="xsk0",ring="rx"} 90');
    expect(body).toContain('ringside_ring_entries{socket="xsk0",ring="completion"} 0');
    expect(body).toContain('ringside_ring_size_entries{socket="xsk0",ring="rx"} 2048');
    expect(body.filter((line) => line.includes('ring="tx"'))).toEqual([]);
    expect(body).toContain('ringside_clients_connected 2');
  });

  it('count occupancy across the 2^32 wrap of the free-running indices', async () => {
    const wrapped = observation({
      rings: { fill: ring(2048, 5, 0xffff_fff0), rx: null, tx: null, completion: ring(2048, 0, 0) },
    });
    const { scrape } = metricsOver([{ id: 'xsk0', observation: wrapped }]);
    expect(lines(await scrape())).toContain('ringside_ring_entries{socket="xsk0",ring="fill"} 21');
  });

  it('follow the source at each scrape rather than adding to what they showed before', async () => {
    const { world, scrape } = metricsOver([{ id: 'xsk0', observation: observation() }]);
    await scrape();
    const later = observation();
    later.totals = { ...later.totals, rxPackets: 5000 };
    world.sockets = [{ id: 'xsk0', observation: later }];
    world.clients = 0;
    const body = lines(await scrape());
    expect(body).toContain('ringside_rx_packets_total{socket="xsk0"} 5000');
    expect(body).toContain('ringside_clients_connected 0');
  });

  it('leave no series behind for a socket destroyed between scrapes', async () => {
    const { world, scrape } = metricsOver([
      { id: 'xsk0', observation: observation() },
      { id: 'xsk1', observation: observation() },
    ]);
    expect(await scrape()).toContain('socket="xsk1"');
    world.sockets = world.sockets.filter((socket) => socket.id !== 'xsk1');
    const body = await scrape();
    expect(body).not.toContain('socket="xsk1"');
    expect(body).toContain('ringside_rx_packets_total{socket="xsk0"} 2900');
  });

  it('keep their series apart from those of another instance', async () => {
    const first = metricsOver([{ id: 'xsk0', observation: observation() }]);
    const second = metricsOver([]);
    await first.scrape();
    expect(await second.scrape()).not.toContain('socket="xsk0"');
  });

  it("expose the agent's own memory as it is at each scrape, the main thread's heap apart", async () => {
    const { scrape } = metricsOver([]);
    const memory = (body: string, kind: string) => {
      const match = new RegExp(`^ringside_agent_memory_bytes\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(body);
      return Number(match?.[1]);
    };
    const before = await scrape();
    for (const kind of ['rss', 'heap_total', 'heap_used', 'external', 'array_buffers']) {
      expect(memory(before, kind)).toBeGreaterThan(0);
    }
    expect(memory(before, 'heap_used')).toBeLessThanOrEqual(memory(before, 'heap_total'));
    const held = new ArrayBuffer(32 * 1024 * 1024);
    const after = await scrape();
    expect(memory(after, 'array_buffers') - memory(before, 'array_buffers')).toBeGreaterThanOrEqual(held.byteLength);
  });

  it('render as Prometheus text exposition', async () => {
    const { metrics } = metricsOver([]);
    expect((await metrics.render()).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
