import { readFileSync } from 'node:fs';
import { API_PATHS, COMMAND_TYPES, COMMANDS, PROTOCOL_VERSION, parseServerMessage } from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { getWithHeaders, type RunningAgent, startAgent, testTokenFile } from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { exampleMessages, requestIdOf, TestClient } from './ws-client.ts';

function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1]) / 1024;
}

function wsUrl(agentUrl: URL): URL {
  const url = new URL(agentUrl);
  url.protocol = 'ws:';
  url.pathname = API_PATHS.webSocket;
  return url;
}

/** Random bytes of every kind a hostile or broken client might send. */
function hostileMessage(index: number, random: () => number): string | Buffer {
  const pick = index % 8;
  if (pick === 0)
    return Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
  if (pick === 1) return '{"type":'.repeat(1 + Math.floor(random() * 50));
  if (pick === 2) return JSON.stringify({ type: 'createSocket', requestId: 'x'.repeat(100), request: { umem: 7 } });
  if (pick === 3) return JSON.stringify({ type: `nope-${index}`, requestId: String(index) });
  if (pick === 4) return JSON.stringify({ type: 'setSnapshotRate', requestId: 'r', perSecond: random() * 1e9 });
  if (pick === 5)
    return JSON.stringify({ type: 'reconfigureSocket', requestId: 'c', socketId: 'xsk0', request: { socket: null } });
  if (pick === 6) return JSON.stringify([1, 2, { type: 'hello' }]);
  return 'x'.repeat(Math.floor(random() * 60_000));
}

function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describeKernel('the server as a security and resource boundary', () => {
  let agent: RunningAgent;
  const tokenFile = testTokenFile();

  beforeAll(async () => {
    // A high command rate so every hostile message reaches the parser instead of the rate limiter.
    agent = await startAgent(['--token-file', tokenFile, '--max-commands-per-second', '100000']);
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it('refuses a client speaking another major protocol version, saying what to do', async () => {
    const socket = new WebSocket(wsUrl(agent.controlUrl));
    await new Promise((resolve) => socket.once('open', resolve));
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(data.toString()));
    socket.send(JSON.stringify({ type: 'hello', protocol: { major: PROTOCOL_VERSION.major + 1, minor: 0 } }));
    const code = await new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(1008);
    expect(JSON.parse(messages[0] ?? '{}')).toMatchObject({ type: 'error', code: 'unsupported-version' });
    expect(messages[0]).toContain('reload the page served by this agent');
  });

  it('answers each of 10,000 hostile messages with a typed error and closes on an oversized one with 1009, without a gap for a well-behaved client', async () => {
    const watcher = await TestClient.connect(agent.controlUrl);
    await watcher.next('state');
    const firstSeq = (await watcher.fresh('snapshot')).seq;
    const random = seeded(7);
    const batch = 1000;
    let sent = 0;
    let answered = 0;
    const closeCodes: number[] = [];
    for (let round = 0; sent < 10_000; round++) {
      const hostile = new WebSocket(wsUrl(agent.controlUrl));
      const errors: string[] = [];
      const greeted = new Promise<void>((resolve) => {
        hostile.on('message', (data, isBinary) => {
          if (isBinary) return;
          const reply = parseServerMessage(data.toString());
          if (!reply.ok) errors.push(`invalid: ${reply.error}`);
          else if (reply.value.type === 'error') errors.push(reply.value.code);
          else if (reply.value.type === 'state') resolve();
        });
      });
      await new Promise((resolve, reject) => {
        hostile.once('open', resolve);
        hostile.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => hostile.once('close', resolve));
      // Every other connection says hello first, so its messages reach the dispatch rather than the greeting check.
      if (round % 2 === 0) {
        hostile.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
        await greeted;
      }
      for (let i = 0; i < batch; i++) hostile.send(hostileMessage(sent + i, random));
      sent += batch;
      await expect.poll(() => errors.length, { timeout: 30_000 }).toBe(batch);
      expect(new Set(errors)).toEqual(new Set(['bad-request']));
      answered += errors.length;
      hostile.send('x'.repeat(64 * 1024 + 1));
      closeCodes.push(await closed);
    }
    expect(answered).toBe(10_000);
    expect(closeCodes).toEqual(Array.from({ length: 10 }, () => 1009));

    const lastSeq = (await watcher.fresh('snapshot')).seq;
    const seen = watcher
      .of('snapshot')
      .map((snapshot) => snapshot.seq)
      .filter((seq) => seq >= firstSeq && seq <= lastSeq);
    expect(seen).toEqual(Array.from({ length: lastSeq - firstSeq + 1 }, (_, i) => firstSeq + i));
    expect(watcher.invalid).toEqual([]);
    watcher.close();
    // Still up and serving.
    const after = await TestClient.connect(agent.controlUrl);
    await after.next('snapshot');
    after.close();
  });

  it('refuses every control command of the command table to a view client, and the sockets stay as they were', async () => {
    const viewer = await TestClient.connect(agent.viewUrl);
    const before = await viewer.next('state');
    const ifname = before.lab?.appIfname ?? '';
    const messages = exampleMessages(ifname);
    const control = COMMAND_TYPES.filter((type) => COMMANDS[type].role === 'control');
    for (const type of control) {
      viewer.send(messages[type]);
      expect(await viewer.next('error')).toMatchObject({ requestId: requestIdOf(messages[type]), code: 'forbidden' });
    }
    viewer.send({ type: 'resync', requestId: 'after' });
    await viewer.next('ack');
    const after = viewer.of('state').at(-1);
    expect(after?.sockets).toEqual(before.sockets);
    expect(after?.umems).toEqual(before.umems);
    expect(after?.traffic).toEqual(before.traffic);
    expect(after?.xdpPrograms).toEqual(before.xdpPrograms);
    expect(viewer.of('event')).toEqual([]);
    viewer.close();
  });

  it('closes a connection that sends a message over 64 KiB, and refuses a 65th client', async () => {
    const open = async () => {
      const socket = new WebSocket(wsUrl(agent.controlUrl));
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      });
      return socket;
    };
    const big = await open();
    big.send('x'.repeat(70 * 1024));
    expect(await new Promise<number>((resolve) => big.once('close', (code) => resolve(code)))).toBe(1009);

    const clients = [];
    try {
      for (let i = 0; i < 64; i++) clients.push(await open());
      await expect(open()).rejects.toThrow('HTTP 403');
    } finally {
      for (const client of clients) client.terminate();
    }
    // The agent counts a client out when it sees its connection close: try until it has seen them all.
    await expect
      .poll(
        async () => {
          const probe = await open().catch(() => null);
          probe?.terminate();
          return probe !== null;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const after = await TestClient.connect(agent.controlUrl);
    await after.next('snapshot');
    after.close();
  });

  it('keeps its memory bounded while a client stops reading, and never makes the others lag', async () => {
    const watcher = await TestClient.connect(agent.controlUrl);
    await watcher.next('state');
    watcher.send({ type: 'setSnapshotRate', requestId: 'w', perSecond: 20 });
    await watcher.next('ack');

    const slow = await TestClient.connect(agent.controlUrl);
    await slow.next('state');
    slow.send({ type: 'setSnapshotRate', requestId: 's', perSecond: 60 });
    await slow.next('ack');
    // Stop reading: the agent's side of the connection fills up.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const rssBefore = rssMegabytes(agent.pid);
    const seqBefore = (await watcher.fresh('snapshot')).seq;
    // Large replies the slow client never reads: without a bound, this would grow the agent by gigabytes.
    for (let i = 0; i < 8000; i++) slow.send({ type: 'inspectSocket', requestId: `i${i}`, socketId: 'xsk0' });
    await expect
      .poll(() => agent.log().includes('client does not read; disconnecting it'), { timeout: 60_000 })
      .toBe(true);
    expect(rssMegabytes(agent.pid) - rssBefore).toBeLessThan(100);
    // The client that reads was served all along: never told it lags, and snapshots still come.
    // (How fast they come on a loaded machine is the benchmark's to measure, not this test's.)
    expect(watcher.of('lagging')).toEqual([]);
    expect((await watcher.fresh('snapshot')).seq).toBeGreaterThan(seqBefore);
    watcher.close();
    slow.socket.terminate();
  });

  it('serves Prometheus metrics to either token, and refuses a wrong token and a foreign Host', async () => {
    const scrape = (token: string | null, host = `127.0.0.1:${agent.port}`) =>
      getWithHeaders(agent.port, API_PATHS.metrics, {
        host,
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      });
    const view = agent.viewUrl.searchParams.get('token');
    const control = agent.controlUrl.searchParams.get('token');
    const scraped = await scrape(view);
    expect(scraped.status).toBe(200);
    const xsk0 = `socket="xsk0",pid="${agent.pid}",command="ringside",interface="rs-app",queue="0",umem="[^"]+"`;
    expect(scraped.body).toMatch(new RegExp(`^ringside_rx_packets_total\\{${xsk0}\\} [1-9]\\d*$`, 'm'));
    expect(scraped.body).toMatch(new RegExp(`^ringside_xdp_rx_fill_ring_empty_descs_total\\{${xsk0}\\} \\d+$`, 'm'));
    expect((await scrape(control)).status).toBe(200);
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape(`${control}x`)).status).toBe(401);
    const foreign = await scrape(control, `evil.example:${agent.port}`);
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('is not this agent');
  });

  it('keeps its tokens across a restart, so an open page reconnects with the URL it has', async () => {
    const before = agent.controlUrl.searchParams.get('token');
    await agent.stop();
    agent = await startAgent(['--token-file', tokenFile, '--max-commands-per-second', '100000']);
    expect(agent.controlUrl.searchParams.get('token')).toBe(before);
    const rotated = await startAgent(['--token-file', testTokenFile(), '--new-tokens']);
    try {
      expect(rotated.controlUrl.searchParams.get('token')).not.toBe(before);
    } finally {
      await rotated.stop();
    }
  });
});
