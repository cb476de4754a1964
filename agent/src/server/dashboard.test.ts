import { readFileSync } from 'node:fs';
import type { RingState } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { AgentMetrics } from './metrics.ts';

const DASHBOARD = new URL('../../../docs/grafana-dashboard.json', import.meta.url);

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { query?: string | { query: string } }[] };
}

/** Every PromQL query the dashboard runs: its panels' and its variables'. */
function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const variables = dashboard.templating.list.flatMap(({ query }) => (typeof query === 'object' ? [query.query] : []));
  return [...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)), ...variables];
}

/** What /metrics serves: the names of its series, read from a scrape with every kind of series present. */
async function servedNames(): Promise<Set<string>> {
  const ring: RingState = {
    size: 8,
    producer: 1,
    consumer: 0,
    cachedProducer: 1,
    cachedConsumer: 0,
    needWakeup: false,
  };
  const totals = { rxPackets: 1, rxBytes: 1, txPackets: 1, txBytes: 1, completed: 1, wakeups: 1, idleWaits: 1 };
  const stats = {
    rxDropped: 1,
    rxInvalidDescs: 1,
    txInvalidDescs: 1,
    rxRingFull: 1,
    rxFillRingEmptyDescs: 1,
    txRingEmptyDescs: 1,
  };
  const metrics = new AgentMetrics({
    sockets: async () => [
      {
        id: 'xsk0',
        labels: { pid: 4000, command: 'ringside', interface: 'rs-app', queue: 0, umem: 'xsk0-umem' },
        observation: { rings: { fill: ring, rx: ring, tx: ring, completion: ring }, stats, totals },
      },
    ],
    clients: () => 1,
    programs: () => [{ ifname: 'rs-app', redirected: 1, passed: 1, dropped: 1, noSocket: 1, wrongQueue: 1 }],
  });
  const { body } = await metrics.render();
  return new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] as string));
}

describe('the Grafana dashboard in docs/', () => {
  it('queries only metrics that /metrics serves', async () => {
    const served = await servedNames();
    const queried = new Set(dashboardQueries().flatMap((query) => query.match(/\bringside_\w+/g) ?? []));
    expect(queried.size).toBeGreaterThan(5);
    for (const name of queried) expect(served, `${name} is queried but not served`).toContain(name);
  });

  it('has a query in every panel', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });
});
