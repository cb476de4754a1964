import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateMessage } from '@ringside/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkTestFrame } from '../src/dataplane/frames.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel, waitFor } from './kernel.ts';

const DOCS = new URL('../../docs/', import.meta.url);
const PROMETHEUS = '/usr/bin/prometheus';

const FRAME_LENGTH = 128;

/** The packets of a pcap file as tcpdump reads them: its summary line and every byte it printed. */
function readWithTcpdump(file: string): { summary: string; bytes: Uint8Array }[] {
  const text = execFileSync('tcpdump', ['-r', file, '-nn', '-tt', '-xx'], { encoding: 'utf8', stdio: 'pipe' });
  const packets: { summary: string; bytes: number[] }[] = [];
  for (const line of text.split('\n')) {
    const hex = /^\s+0x[0-9a-f]+:\s+(.*)$/.exec(line);
    if (hex?.[1]) {
      for (const word of hex[1].trim().split(/\s+/)) {
        for (let i = 0; i < word.length; i += 2) packets.at(-1)?.bytes.push(Number.parseInt(word.slice(i, i + 2), 16));
      }
    } else if (line.trim() !== '') packets.push({ summary: line, bytes: [] });
  }
  return packets.map(({ summary, bytes }) => ({ summary, bytes: Uint8Array.from(bytes) }));
}

/** A port no one listens on now, for Prometheus's own web server. */
async function freePort(): Promise<number> {
  const probe = createServer().listen({ host: '127.0.0.1', port: 0 });
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/** docs/prometheus.yml as a user adapts it: this agent's port, a token file of its own, scrapes every second. */
function scrapeConfig(agentPort: number, tokenFile: string): string {
  const example = readFileSync(new URL('prometheus.yml', DOCS), 'utf8');
  const adapted = example
    .replace('127.0.0.1:7420', `127.0.0.1:${agentPort}`)
    .replace('credentials_file: /etc/prometheus/ringside-view-token', `credentials_file: ${tokenFile}`)
    .replace('scrape_interval: 5s', 'scrape_interval: 1s');
  // Each edit must have found its line: a reworded example must not leave the test scraping nothing.
  for (const wanted of [`127.0.0.1:${agentPort}`, tokenFile, 'scrape_interval: 1s']) expect(adapted).toContain(wanted);
  return adapted;
}

/** The dashboard's queries, with its variables set to take every series. */
function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', DOCS), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  return dashboard.panels
    .flatMap((panel) => panel.targets.map((target) => target.expr))
    .map((expr) => expr.replaceAll('$__rate_interval', '5s').replace(/\$(job|instance|socket)\b/g, '.*'));
}

describeKernel("what Ringside exports for other tools, from a lab agent's real sockets", () => {
  let agent: RunningAgent;
  let dir = '';
  const api = (path: string) =>
    fetch(new URL(path, agent.viewUrl), {
      headers: { authorization: `Bearer ${agent.viewUrl.searchParams.get('token')}` },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringside-exports-'));
    agent = await startAgent(['--rate', '5000', '--frame-length', String(FRAME_LENGTH)]);
  });
  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves its state as JSON that validates against the JSON Schema it serves', async () => {
    const schema = (await (await api('/api/state.schema.json')).json()) as Record<string, unknown>;
    const state = (await (await api('/api/state')).json()) as StateMessage;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    expect(validate(state), JSON.stringify(validate.errors)).toBe(true);
    expect(state.sockets[0]?.workload).toBe('rxdrop');
    expect(state.lab?.queues).toBe(2);
    // The schema is not one that takes anything: a state with a socket of an unknown workload fails it.
    const broken = structuredClone(state);
    (broken.sockets[0] as { workload: string }).workload = 'drop';
    expect(validate(broken)).toBe(false);
  });

  it("writes the frames the lab's socket received as a pcap that tcpdump reads back, byte for byte as sent", async () => {
    const state = (await (await api('/api/state')).json()) as StateMessage;
    const socketId = state.sockets[0]?.id as string;
    const answer = await api(`/api/capture.pcap?socket=${socketId}&frames=16`);
    expect(answer.status).toBe(200);
    const file = join(dir, 'capture.pcap');
    writeFileSync(file, Buffer.from(await answer.arrayBuffer()));

    const packets = readWithTcpdump(file);
    expect(packets).toHaveLength(16);
    const sequences: number[] = [];
    for (const { summary, bytes } of packets) {
      // 128 bytes on the wire: 14 of Ethernet, 20 of IPv4, 8 of UDP and 86 of payload.
      expect(summary).toMatch(/ IP \S+ > \S+: UDP, length 86$/);
      expect(bytes).toHaveLength(FRAME_LENGTH);
      const check = checkTestFrame(bytes, 0, FRAME_LENGTH);
      expect(check.defect).toBeNull();
      sequences.push(check.sequence);
    }
    // The latest frames, in the order they arrived: the source numbers them one by one.
    for (let i = 1; i < sequences.length; i++) expect(sequences[i]).toBeGreaterThan(sequences[i - 1] as number);
  });

  it.skipIf(!existsSync(PROMETHEUS))(
    "is scraped by Prometheus with docs/prometheus.yml, which then gives the lab socket's receive rate and answers every dashboard query",
    async () => {
      const state = (await (await api('/api/state')).json()) as StateMessage;
      const socketId = state.sockets[0]?.id as string;
      const tokenFile = join(dir, 'view-token');
      writeFileSync(tokenFile, agent.viewUrl.searchParams.get('token') as string, { mode: 0o600 });
      writeFileSync(join(dir, 'prometheus.yml'), scrapeConfig(agent.port, tokenFile));
      const port = await freePort();
      const prometheus: ChildProcess = spawn(
        PROMETHEUS,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let log = '';
      prometheus.stderr?.on('data', (chunk) => {
        log += chunk;
      });
      const query = async (promql: string) => {
        const answer = await fetch(`http://127.0.0.1:${port}/api/v1/query?${new URLSearchParams({ query: promql })}`);
        return (await answer.json()) as {
          status: string;
          error?: string;
          data: { result: { value: [number, string] }[] };
        };
      };
      try {
        await waitFor(() => log.includes('Server is ready') || prometheus.exitCode !== null, 30_000, 'Prometheus');
        let rate = 0;
        const deadline = Date.now() + 30_000;
        // Asked until Prometheus has two scrapes in the window, a tenth of a second apart: two cores are shared.
        while (rate <= 0) {
          if (Date.now() > deadline || prometheus.exitCode !== null)
            throw new Error(`no rate from Prometheus:\n${log}`);
          const answer = await query(`rate(ringside_rx_packets_total{socket="${socketId}"}[5s])`);
          rate = Number(answer.data.result[0]?.value[1] ?? 0);
          if (rate <= 0) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // A rate above zero means two scrapes of a counter that rose; how high it is depends on a shared machine.
        const total = await query(`ringside_rx_packets_total{socket="${socketId}"}`);
        expect(Number(total.data.result[0]?.value[1] ?? 0)).toBeGreaterThan(0);
        for (const promql of dashboardQueries()) {
          const answer = await query(promql);
          expect(answer.error, promql).toBeUndefined();
          expect(answer.status, promql).toBe('success');
        }
      } finally {
        prometheus.kill('SIGTERM');
        if (prometheus.exitCode === null) await once(prometheus, 'exit');
      }
    },
  );
});
