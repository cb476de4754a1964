import type { RingState, XdpActionCounters } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { AgentMetrics, type ObservedSocket, type SocketLabels } from './metrics.ts';

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
      busyPolls: 11,
      txSendtos: 3,
      txSendtoConsumed: 96,
    },
    ...overrides,
  };
}

const ownLabels = (id: string): SocketLabels => ({
  pid: 4000,
  command: 'ringside',
  interface: 'rs-app',
  queue: Number(id.slice(-1)),
  umem: `${id}-umem`,
});

/** One of Ringside's own sockets, labelled as the agent labels them. */
function own(id: string, observed = observation()): ObservedSocket {
  return { id, labels: ownLabels(id), observation: observed };
}

/** The labels of `own(id)`'s series, as Prometheus text shows them. */
const labelsOf = (id: string) =>
  `socket="${id}",pid="4000",command="ringside",interface="rs-app",queue="${id.slice(-1)}",umem="${id}-umem"`;
const XSK0 = labelsOf('xsk0');

/** Metrics over sockets and a client count the test changes between scrapes. */
function metricsOver(initial: ObservedSocket[]) {
  const world = { sockets: initial, clients: 2, programs: [] as XdpActionCounters[] };
  const metrics = new AgentMetrics({
    sockets: async () => world.sockets,
    clients: () => world.clients,
    programs: () => world.programs,
    build: { version: '0.1.0', commit: 'abc123def456', node: 'v22.12.0' },
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
    const { scrape } = metricsOver([own('xsk0')]);
    const body = lines(await scrape());
    const expected: [string, number][] = [
      ['ringside_rx_packets_total', 2900],
      ['ringside_rx_bytes_total', 185_600],
      ['ringside_tx_packets_total', 0],
      ['ringside_tx_bytes_total', 0],
      ['ringside_wakeup_syscalls_total', 17],
      ['ringside_busy_poll_syscalls_total', 11],
      ['ringside_tx_sendto_calls_total', 3],
      ['ringside_tx_sendto_descriptors_total', 96],
      ['ringside_xdp_rx_dropped_total', 1],
      ['ringside_xdp_rx_invalid_descs_total', 2],
      ['ringside_xdp_tx_invalid_descs_total', 3],
      ['ringside_xdp_rx_ring_full_total', 4],
      ['ringside_xdp_rx_fill_ring_empty_descs_total', 5],
      ['ringside_xdp_tx_ring_empty_descs_total', 6],
    ];
    for (const [name, value] of expected) {
      expect(body).toContain(`# TYPE ${name} counter`);
      expect(body).toContain(`${name}{${XSK0}} ${value}`);
    }
  });

  it('expose occupancy and size of each ring the socket has, and the clients connected', async () => {
    const { scrape } = metricsOver([own('xsk0')]);
    const body = lines(await scrape());
    expect(body).toContain('# TYPE ringside_ring_entries gauge');
    expect(body).toContain(`ringside_ring_entries{${XSK0},ring="fill"} 2000`);
    expect(body).toContain(`ringside_ring_entries{${XSK0},ring="rx"} 90`);
    expect(body).toContain(`ringside_ring_entries{${XSK0},ring="completion"} 0`);
    expect(body).toContain(`ringside_ring_size_entries{${XSK0},ring="rx"} 2048`);
    expect(body.filter((line) => line.includes('ring="tx"'))).toEqual([]);
    expect(body).toContain('ringside_clients_connected 2');
  });

  it('count occupancy across the 2^32 wrap of the free-running indices', async () => {
    const wrapped = observation({
      rings: { fill: ring(2048, 5, 0xffff_fff0), rx: null, tx: null, completion: ring(2048, 0, 0) },
    });
    const { scrape } = metricsOver([own('xsk0', wrapped)]);
    expect(lines(await scrape())).toContain(`ringside_ring_entries{${XSK0},ring="fill"} 21`);
  });

  it('follow the source at each scrape rather than adding to what they showed before', async () => {
    const { world, scrape } = metricsOver([own('xsk0')]);
    await scrape();
    const later = observation();
    later.totals = { ...(later.totals as NonNullable<SocketObservation['totals']>), rxPackets: 5000 };
    world.sockets = [own('xsk0', later)];
    world.clients = 0;
    const body = lines(await scrape());
    expect(body).toContain(`ringside_rx_packets_total{${XSK0}} 5000`);
    expect(body).toContain('ringside_clients_connected 0');
  });

  it('leave no series behind for a socket destroyed between scrapes', async () => {
    const { world, scrape } = metricsOver([own('xsk0'), own('xsk1')]);
    expect(await scrape()).toContain('socket="xsk1"');
    world.sockets = world.sockets.filter((socket) => socket.id !== 'xsk1');
    const body = await scrape();
    expect(body).not.toContain('socket="xsk1"');
    expect(body).toContain(`ringside_rx_packets_total{${XSK0}} 2900`);
  });

  it('keep their series apart from those of another instance', async () => {
    const first = metricsOver([own('xsk0')]);
    const second = metricsOver([]);
    await first.scrape();
    expect(await second.scrape()).not.toContain('socket="xsk0"');
  });

  it("label an attached socket with its process and binding, leave out what is unknown, and count only the kernel's", async () => {
    const attachedRing = (size: number, producer: number, consumer: number): RingState => ({
      ...ring(size, producer, consumer),
      cachedProducer: null,
      cachedConsumer: null,
    });
    const attached: ObservedSocket = {
      id: 'pid4242.fd7',
      labels: { pid: 4242, command: 'xdpsock', interface: null, queue: null, umem: null },
      observation: {
        ...observation(),
        rings: {
          fill: attachedRing(2048, 70, 6),
          rx: attachedRing(2048, 4_000_000_000, 3_999_999_990),
          tx: null,
          completion: null,
        },
        totals: null,
      },
    };
    const { world, scrape } = metricsOver([own('xsk0'), attached]);
    const body = lines(await scrape());
    const labels = 'socket="pid4242.fd7",pid="4242",command="xdpsock"';
    expect(body).toContain(`ringside_xdp_rx_ring_full_total{${labels}} 4`);
    expect(body).toContain(`ringside_ring_producer{${labels},ring="rx"} 4000000000`);
    expect(body).toContain(`ringside_ring_consumer{${labels},ring="rx"} 3999999990`);
    expect(body).toContain(`ringside_ring_entries{${labels},ring="fill"} 64`);
    expect(body).toContain(`ringside_ring_producer{${XSK0},ring="fill"} 5000`);
    // Ringside's data plane counts nothing for another process's socket: no series rather than a zero.
    expect(body.filter((line) => line.startsWith('ringside_rx_packets_total{'))).toEqual([
      `ringside_rx_packets_total{${XSK0}} 2900`,
    ]);

    world.sockets = [own('xsk0')];
    expect(await scrape()).not.toContain('pid4242');
  });

  it("say which agent runs, on which Node, and expose the Node process's own metrics", async () => {
    const { scrape } = metricsOver([]);
    const body = lines(await scrape());
    expect(body).toContain('ringside_build_info{version="0.1.0",node="v22.12.0",commit="abc123def456"} 1');
    expect(body).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(body.some((line) => /^nodejs_eventloop_lag_seconds \d/.test(line))).toBe(true);
  });

  it('render as Prometheus text exposition', async () => {
    const { metrics } = metricsOver([]);
    expect((await metrics.render()).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
