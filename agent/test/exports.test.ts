import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateMessage } from '@ringside/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkTestFrame } from '../src/dataplane/frames.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel } from './kernel.ts';

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
});
