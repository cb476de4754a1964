import type { RingState } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { grafanaDashboard } from '../../test/grafana-dashboard.ts';
import { AgentMetrics, type ObservedSocket } from './metrics.ts';

const ring: RingState = {
  size: 8,
  producer: 1,
  consumer: 0,
  cachedProducer: 1,
  cachedConsumer: 0,
  needWakeup: false,
};
const stats = {
  rxDropped: 1,
  rxInvalidDescs: 1,
  txInvalidDescs: 1,
  rxRingFull: 1,
  rxFillRingEmptyDescs: 1,
  txRingEmptyDescs: 1,
};

/** One of Ringside's own sockets, with every ring and the data plane's counts. */
const OWN: ObservedSocket = {
  id: 'xsk0',
  labels: { pid: 4000, command: 'ringside', interface: 'rs-app', queue: 0, umem: 'xsk0-umem' },
  observation: {
    rings: { fill: ring, rx: ring, tx: ring, completion: ring },
    stats,
    totals: {
      rxPackets: 1,
      rxBytes: 1,
      txPackets: 1,
      txBytes: 1,
      completed: 1,
      wakeups: 1,
      idleWaits: 1,
      busyPolls: 0,
      txSendtos: 0,
      txSendtoConsumed: 0,
    },
  },
};

/** Another process's socket, attached: no counts of the data plane's, and only the rings it bound (a sender's). */
const ATTACHED: ObservedSocket = {
  id: 'pid4242-fd7',
  labels: { pid: 4242, command: 'xdpsock', interface: null, queue: null, umem: null },
  observation: { rings: { fill: null, rx: null, tx: ring, completion: ring }, stats, totals: null },
};

/** What /metrics serves with these sockets observed. */
async function scrape(sockets: ObservedSocket[]): Promise<string> {
  const metrics = new AgentMetrics({
    sockets: async () => sockets,
    clients: () => 1,
    programs: () => [{ ifname: 'rs-app', redirected: 1, passed: 1, dropped: 1, noSocket: 1, wrongQueue: 1 }],
  });
  return (await metrics.render()).body;
}

/** The metrics a scrape declares, series or not. */
const declared = (body: string) => new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] as string));

/** The metrics a scrape has a series of for this socket. */
const seriesOf = (body: string, socketId: string) =>
  new Set([...body.matchAll(new RegExp(`^(\\w+)\\{[^}]*socket="${socketId}"`, 'gm'))].map((match) => match[1]));

/** The metric names a query reads. */
const metricsOf = (query: string) => query.match(/\bringside_\w+/g) ?? [];

describe('the Grafana dashboard in docs/', () => {
  it('queries only metrics that /metrics serves', async () => {
    const served = declared(await scrape([OWN]));
    const { panels, variables } = grafanaDashboard();
    const queried = new Set(
      [...panels.flatMap((panel) => panel.queries), ...variables.map((variable) => variable.selector)].flatMap(
        metricsOf,
      ),
    );
    expect(queried.size).toBeGreaterThan(5);
    for (const name of queried) expect(served, `${name} is queried but not served`).toContain(name);
  });

  it("lists every socket in its socket variable, another process's attached sender too", async () => {
    const socket = grafanaDashboard().variables.find((variable) => variable.name === 'socket');
    expect(socket?.label).toBe('socket');
    const [metric] = metricsOf(socket?.selector ?? '');
    const body = await scrape([OWN, ATTACHED]);
    expect(seriesOf(body, OWN.id)).toContain(metric);
    expect(seriesOf(body, ATTACHED.id), `${metric} has no series of an attached socket`).toContain(metric);
  });

  it('has a query in every panel', () => {
    for (const panel of grafanaDashboard().panels) expect(panel.queries.length, panel.title).toBeGreaterThan(0);
  });
});
