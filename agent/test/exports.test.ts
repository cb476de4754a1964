import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PATHS, type StateMessage } from '@ringside/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkTestFrame } from '../src/dataplane/frames.ts';
import { freePort, type RunningAgent, startAgent } from './agent-process.ts';
import { grafanaDashboard } from './grafana-dashboard.ts';
import { describeKernel, gated } from './kernel.ts';

const DOCS = new URL('../../docs/', import.meta.url);
const PROMETHEUS = '/usr/bin/prometheus';
/** Debian's Prometheus, which the tests' setup installs. */
const withPrometheus = gated(
  existsSync(PROMETHEUS)
    ? null
    : `${PROMETHEUS} is missing: 'npm test' installs it (node agent/scripts/setup.mjs --for-tests, Debian's prometheus package)`,
);

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
    const schema = (await (await api(API_PATHS.stateSchema)).json()) as Record<string, unknown>;
    const state = (await (await api(API_PATHS.state)).json()) as StateMessage;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    expect(validate(state), JSON.stringify(validate.errors)).toBe(true);
    expect(state.sockets[0]?.workload).toBe('rxdrop');
    expect(state.lab?.queues).toBe(2);
    // The schema is not one that takes anything: a state with a socket of an unknown workload fails it.
    const broken = structuredClone(state);
    (broken.sockets[0] as { workload: string }).workload = 'drop';
    expect(validate(broken)).toBe(false);
  });

  /** A capture of the lab socket's next 16 frames, read back by tcpdump: each frame checked, their sequence numbers. */
  async function captureSequences(socketId: string, name: string): Promise<number[]> {
    const answer = await api(`${API_PATHS.capture}?socket=${socketId}&frames=16`);
    expect(answer.status).toBe(200);
    const file = join(dir, name);
    writeFileSync(file, Buffer.from(await answer.arrayBuffer()));
    const packets = readWithTcpdump(file);
    expect(packets).toHaveLength(16);
    return packets.map(({ summary, bytes }) => {
      // 128 bytes on the wire: 14 of Ethernet, 20 of IPv4, 8 of UDP and 86 of payload.
      expect(summary).toMatch(/ IP \S+ > \S+: UDP, length 86$/);
      expect(bytes).toHaveLength(FRAME_LENGTH);
      const check = checkTestFrame(bytes, 0, FRAME_LENGTH);
      expect(check.defect).toBeNull();
      return check.sequence;
    });
  }

  /** The source numbers its frames one by one: the latest frames, in the order they arrived, rise. */
  const rising = (sequences: number[]) =>
    sequences.every((sequence, i) => i === 0 || sequence > (sequences[i - 1] as number));

  it("writes the frames the lab's socket received as a pcap that tcpdump reads back, byte for byte as sent", async () => {
    const state = (await (await api(API_PATHS.state)).json()) as StateMessage;
    const sequences = await captureSequences(state.sockets[0]?.id as string, 'capture.pcap');
    expect(rising(sequences), String(sequences)).toBe(true);
  });

  // That they share one reader of the socket is export/capture.test.ts's to prove: here, only what each one gets.
  it("serves two captures asked at once, each with frames as sent, rising, and newer than an earlier capture's", async () => {
    const state = (await (await api(API_PATHS.state)).json()) as StateMessage;
    const socketId = state.sockets[0]?.id as string;
    const before = Math.max(...(await captureSequences(socketId, 'before.pcap')));
    const [first, second] = await Promise.all([
      captureSequences(socketId, 'first.pcap'),
      captureSequences(socketId, 'second.pcap'),
    ]);
    for (const sequences of [first, second]) {
      expect(rising(sequences), String(sequences)).toBe(true);
      expect(sequences[0]).toBeGreaterThan(before);
    }
  });

  withPrometheus.it(
    "is scraped by Prometheus with docs/prometheus.yml, which then gives the lab socket's receive rate, lists it in the dashboard's socket variable and answers every dashboard query",
    async () => {
      const state = (await (await api(API_PATHS.state)).json()) as StateMessage;
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
      const ready = new Promise<void>((resolve, reject) => {
        prometheus.stderr?.on('data', (chunk) => {
          log += chunk;
          if (log.includes('Server is ready')) resolve();
        });
        prometheus.once('exit', (code) =>
          reject(new Error(`Prometheus exited (${code}) before it was ready:\n${log}`)),
        );
      });
      const ask = async <T>(path: string, parameters: Record<string, string>) => {
        const answer = await fetch(`http://127.0.0.1:${port}/api/v1/${path}?${new URLSearchParams(parameters)}`);
        return (await answer.json()) as { status: string; error?: string; data: T };
      };
      const query = (promql: string) => ask<{ result: { value: [number, string] }[] }>('query', { query: promql });
      try {
        await ready;
        // Asked until Prometheus has two scrapes in the window: it scrapes every second, on two shared cores.
        await expect
          .poll(
            async () => {
              const answer = await query(`rate(ringside_rx_packets_total{socket="${socketId}"}[5s])`);
              return Number(answer.data.result[0]?.value[1] ?? 0);
            },
            { timeout: 30_000, interval: 100, message: `no receive rate from Prometheus:\n${log}` },
          )
          // A rate above zero means two scrapes of a counter that rose; how high it is depends on a shared machine.
          .toBeGreaterThan(0);
        const total = await query(`ringside_rx_packets_total{socket="${socketId}"}`);
        expect(Number(total.data.result[0]?.value[1] ?? 0)).toBeGreaterThan(0);
        const { panels, variables, withEveryValue } = grafanaDashboard();
        for (const promql of panels.flatMap((panel) => panel.queries).map(withEveryValue)) {
          const answer = await query(promql);
          expect(answer.error, promql).toBeUndefined();
          expect(answer.status, promql).toBe('success');
        }
        // Each variable as Grafana asks it: the values of its label on the series its selector matches.
        for (const { name, selector, label } of variables) {
          const answer = await ask<string[]>(`label/${label}/values`, { 'match[]': withEveryValue(selector) });
          expect(answer.status, name).toBe('success');
          expect(answer.data.length, name).toBeGreaterThan(0);
          if (name === 'socket') expect(answer.data).toContain(socketId);
        }
      } finally {
        prometheus.kill('SIGTERM');
        if (prometheus.exitCode === null) await once(prometheus, 'exit');
      }
    },
  );
});
