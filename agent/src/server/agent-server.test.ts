import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  API_PATHS,
  COMMAND_TYPES,
  COMMANDS,
  type ControlCommand,
  decodeRecording,
  decodeSnapshot,
  type EventMessage,
  type FrameBytesMessage,
  type HelloMessage,
  PROTOCOL_VERSION,
  type Role,
  type SnapshotMessage,
  type SocketDetailMessage,
  type StateMessage,
} from '@ringside/shared';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { exampleMessages, requestIdOf, TestClient } from '../../test/ws-client.ts';
import { CommandError } from '../command-error.ts';
import type { PcapPacket } from '../export/pcap.ts';
import { Recorder } from '../record/recorder.ts';
import { type AgentFacade, AgentServer } from './agent-server.ts';

const STARTUP_FAULT: EventMessage = {
  type: 'event',
  at: 1,
  kind: 'fault',
  message: 'the token file cannot be written',
};

/**
 * The agent as the server sees it, in a few lines: the server, HTTP and the
 * WebSocket are the real ones, on 127.0.0.1, and need no root.
 */
class FakeAgent implements AgentFacade {
  readonly executed: ControlCommand[] = [];
  /** The sockets inspect() finds: a test may take one away or bring one in. */
  readonly sockets = new Set(['xsk0']);

  hello(role: Role): HelloMessage {
    const host = { kernel: 'test', hostname: 'test', interfaces: [] };
    return { type: 'hello', protocol: PROTOCOL_VERSION, role, host, mode: 'lab', capabilities: [] };
  }

  state(): StateMessage {
    return {
      type: 'state',
      umems: [],
      sockets: [],
      traffic: null,
      lab: null,
      interfaces: [],
      xdpPrograms: [],
      umemLimits: {
        pageSize: 4096,
        alignedChunkSizes: [4096],
        unalignedChunkRange: { min: 2048, max: 4096 },
        maxHeadroom: {},
      },
      socketFeatures: {
        kernel: '6.18.0',
        busyPoll: { available: true, refusal: null, maxBudget: 65535 },
        txBudget: { available: true, refusal: null, min: 32, max: null },
      },
      snapshotsPerSecond: 10,
      discovered: [],
      attached: [],
      lessons: { catalogue: [], problems: [], running: null, last: null },
      rxMetadata: { program: { available: true, reason: null }, kfuncs: [] },
    };
  }

  async execute(command: ControlCommand): Promise<void> {
    this.executed.push(command);
    if (command.type === 'destroySocket' && command.socketId === 'crash') throw new TypeError('a bug in the agent');
  }

  /** Read while the test looks on, as the agent's waiting reader does. */
  async inspect(socketId: string, requestId: string): Promise<SocketDetailMessage> {
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.sockets.has(socketId)) throw new CommandError('not-found', `there is no socket ${socketId}`);
    const entries = { addresses: [], lengths: [], options: [] };
    const ring = { size: 8, producer: 0, consumer: 0, cachedProducer: 0, cachedConsumer: 0, needWakeup: false };
    return {
      type: 'socketDetail',
      requestId,
      socketId,
      sampledAt: 1,
      entries: { fill: entries, rx: entries, tx: null, completion: entries },
      owners: '',
      rings: { fill: ring, rx: ring, tx: null, completion: ring },
      consistent: true,
    };
  }

  async readFrame(socketId: string, frame: number, requestId: string): Promise<FrameBytesMessage> {
    await new Promise((resolve) => setImmediate(resolve));
    if (socketId === 'crash') throw new RangeError('a bug in the agent');
    return {
      type: 'frameBytes',
      requestId,
      socketId,
      frame,
      address: 0,
      owner: 'free',
      length: null,
      offset: null,
      bytes: '',
    };
  }

  async refreshKernelView(socketId: string, requestId: string) {
    if (socketId !== 'xsk0') throw new CommandError('not-found', `there is no socket ${socketId}`);
    return { type: 'ack' as const, requestId };
  }

  startupEvents(): EventMessage[] {
    return [STARTUP_FAULT];
  }

  async observeSockets() {
    return [];
  }

  programCounters() {
    return [];
  }

  async capture(socketId: string, frames: number): Promise<PcapPacket[]> {
    if (socketId !== 'xsk0') throw new CommandError('not-found', `there is no socket ${socketId}`);
    return Array.from({ length: frames }, (_, i) => ({ timestampMs: 1000 + i, length: 60, bytes: new Uint8Array(60) }));
  }
}

const HEADERS_TIMEOUT_MS = 1500;
let webRoot: string;
let agent: FakeAgent;
let server: AgentServer;
let base: string;
let hostHeader: string;

const tokenOf = (role: Role) => (role === 'control' ? server.policy.controlToken : server.policy.viewToken);

interface RawAnswer {
  status: number | null;
  text: string;
  /** Milliseconds from the first byte sent to the server's close. */
  closedAfterMs: number;
}

/** Sends bytes exactly as given (what fetch would refuse or fix) and reads until the server closes. */
function raw(request: string | Buffer, { endWrite = false } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(server.port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    // The server may close while we still write (a refused 64 KiB URL): a reset is an answer too.
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : null, text, closedAfterMs: Date.now() - started });
    });
    socket.write(request);
    if (endWrite) socket.end();
  });
}

const get = (path: string, headers: Record<string, string> = {}) =>
  raw(
    `GET ${path} HTTP/1.1\r\n${Object.entries({ host: hostHeader, connection: 'close', ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`,
  );

/** The page is still served: what a refused request must never stop. */
async function expectServing(): Promise<void> {
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Ringside</title>');
}

function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const all = {
    host: hostHeader,
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
    ...headers,
  };
  return `GET ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
}

beforeAll(async () => {
  webRoot = mkdtempSync(join(tmpdir(), 'ringside-web-'));
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Ringside</title>');
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1);');
  agent = new FakeAgent();
  server = await AgentServer.listen({
    host: '127.0.0.1',
    port: 0,
    webRoot,
    agent,
    logger: pino({ level: 'silent' }),
    commandsPerSecond: 100_000,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
  });
  hostHeader = `127.0.0.1:${server.port}`;
  base = `http://${hostHeader}`;
});

afterAll(async () => {
  await server?.close();
  rmSync(webRoot, { recursive: true, force: true });
});

describe('the page and its assets', () => {
  it('are served with the headers Ringside sets', async () => {
    const page = await fetch(`${base}/`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${base}/assets/app.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answer HEAD as GET, without the body', async () => {
    const head = await raw(`HEAD / HTTP/1.1\r\nhost: ${hostHeader}\r\nconnection: close\r\n\r\n`);
    expect(head.status).toBe(200);
    const [headers, body] = head.text.split('\r\n\r\n');
    expect(headers).toMatch(/content-length: 38/i);
    expect(headers).toMatch(/x-content-type-options: nosniff/i);
    expect(body).toBe('');
  });

  it('refuse other methods', async () => {
    const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('no request takes the server down', () => {
  it.each([
    ['malformed percent-encoding', '/%E0', 400],
    ['a lone percent sign', '/%', 400],
    ['an encoded NUL', '/index.html%00.js', 400],
    ['an encoded ..', '/%2e%2e/%2e%2e/etc/passwd', 400],
    ['an encoded slash between ..', '/assets/..%2f..%2fetc/passwd', 400],
    ['an encoded backslash', '/..%5c..%5cetc%5cpasswd', 400],
    ['a doubly encoded ..', '/%252e%252e/%252e%252e/etc/passwd', 404],
    ['a literal backslash', '/..\\..\\etc\\passwd', 400],
    ['a literal ..', '/assets/../../etc/passwd', 400],
    ['an absolute target naming another host', 'http://evil.example/', 400],
    ['a missing file', '/nothing-here.js', 404],
  ])('%s gets a 4xx', async (_what, path, status) => {
    const answer = await get(path);
    expect(answer.status).toBe(status);
    expect(answer.text).not.toContain('root:');
    await expectServing();
  });

  it('a NUL byte in the request line is closed with a 400', async () => {
    expect((await raw(`GET /a\0b HTTP/1.1\r\nhost: ${hostHeader}\r\n\r\n`)).status).toBe(400);
    await expectServing();
  });

  it('a 64 KiB URL is refused with 431', async () => {
    expect((await get(`/${'a'.repeat(64 * 1024)}`)).status).toBe(431);
    await expectServing();
  });

  it('2000 headers are refused with 431, at a request and at an upgrade', async () => {
    const headers = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`x-h${i}`, 'v']));
    expect((await get('/', headers)).status).toBe(431);
    expect((await raw(upgradeRequest(`${API_PATHS.webSocket}?token=${tokenOf('control')}`, headers))).status).toBe(431);
    await expectServing();
  });

  it('a client trickling its headers (slowloris) is cut off, and others are served meanwhile', async () => {
    const started = Date.now();
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`GET / HTTP/1.1\r\nhost: ${hostHeader}\r\n`);
    const trickle = setInterval(() => socket.write('x-slow: y\r\n'), 200);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    await expectServing();
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(trickle);
    const lasted = Date.now() - started;
    expect(lasted).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS);
    expect(lasted).toBeLessThan(HEADERS_TIMEOUT_MS + 3000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    await expectServing();
  });

  it('a half-open upgrade (headers cut short, write side closed) is closed', async () => {
    const partial = `GET ${API_PATHS.webSocket}?token=${tokenOf('control')} HTTP/1.1\r\nhost: ${hostHeader}\r\nupgrade: websocket\r\n`;
    const answer = await raw(partial, { endWrite: true });
    expect(answer.status === null || answer.status >= 400).toBe(true);
    expect(answer.text).not.toContain(' 101 ');
    await expectServing();
  });

  it('an upgrade that stops before its headers end is closed at the headers timeout', async () => {
    const partial = `GET ${API_PATHS.webSocket}?token=${tokenOf('control')} HTTP/1.1\r\nhost: ${hostHeader}\r\nupgrade: websocket\r\n`;
    const answer = await raw(partial);
    expect(answer.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 3000);
    expect(answer.text).not.toContain(' 101 ');
    await expectServing();
  });

  it('an upgrade with a broken WebSocket key is refused with 400', async () => {
    const answer = await raw(
      upgradeRequest(`${API_PATHS.webSocket}?token=${tokenOf('control')}`, { 'sec-websocket-key': 'short' }),
    );
    expect(answer.status).toBe(400);
    await expectServing();
  });

  it('a refused upgrade whose client resets at once does not end the server', async () => {
    for (let i = 0; i < 20; i++) {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(upgradeRequest(`${API_PATHS.webSocket}?token=wrong`));
      socket.resetAndDestroy();
    }
    await expectServing();
  });
});

describe('one access policy for every request', () => {
  const foreignHosts = ['evil.example', 'localhost6', '10.0.2.555', '0177.0.0.1', '2130706433', '127.0.0.1.nip.io'];
  const paths = () => ['/', '/assets/app.js', API_PATHS.metrics, `${API_PATHS.session}?token=${tokenOf('control')}`];

  it.each(foreignHosts)(
    'refuses Host %s on the page, assets, /metrics and /api/session with a reason',
    async (name) => {
      for (const host of [name, `${name}:${server.port}`]) {
        for (const path of paths()) {
          const answer = await get(path, { host, authorization: `Bearer ${tokenOf('control')}` });
          expect(answer.status).toBe(403);
          expect(answer.text).toMatch(/content-type: text\/plain/i);
          expect(answer.text).toContain('is not this agent');
        }
      }
    },
  );

  it.each(foreignHosts)('refuses Host %s at the upgrade, before any 101', async (name) => {
    const answer = await raw(
      upgradeRequest(`${API_PATHS.webSocket}?token=${tokenOf('control')}`, { host: `${name}:${server.port}` }),
    );
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('is not this agent');
  });

  it('compares Origin as scheme, host and port, at the upgrade and on the page', async () => {
    const path = `${API_PATHS.webSocket}?token=${tokenOf('control')}`;
    for (const origin of [
      `https://${hostHeader}`,
      'http://evil.example',
      `http://127.0.0.1:${server.port + 1}`,
      'null',
    ]) {
      const answer = await raw(upgradeRequest(path, { origin }));
      expect(answer.status).toBe(403);
      expect(answer.text).not.toContain(' 101 ');
      expect((await get('/', { origin })).status).toBe(403);
    }
    const own = new WebSocket(`ws://${hostHeader}${path}`, { origin: base });
    await new Promise((resolve, reject) => {
      own.once('open', resolve);
      own.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    own.close();
  });

  it('tells a page whether its token is good, without the WebSocket', async () => {
    const session = (token?: string) =>
      fetch(`${base}${API_PATHS.session}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`);
    for (const role of ['control', 'view'] as const) {
      const answer = await session(tokenOf(role));
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ role });
    }
    const wrong = await session('nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: 'this link has no valid token: open the URL printed by `npm start`',
    });
    const none = await session();
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toContain('no token');
  });

  it('lets /metrics be scraped with either token, and refuses a wrong one', async () => {
    const scrape = (token: string) =>
      fetch(`${base}${API_PATHS.metrics}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await scrape(tokenOf('control'))).status).toBe(200);
    const withView = await scrape(tokenOf('view'));
    expect(withView.status).toBe(200);
    expect(await withView.text()).toContain('ringside_clients_connected');
    const wrong = await scrape(`${tokenOf('control')}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="ringside"');
    expect((await fetch(`${base}${API_PATHS.metrics}`)).status).toBe(401);
  });

  it('serves the state as JSON and its schema to either token, and neither without one', async () => {
    for (const path of [API_PATHS.state, API_PATHS.stateSchema]) {
      const answer = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tokenOf('view')}` } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/(schema\+)?json$/);
      expect((await fetch(`${base}${path}`)).status).toBe(401);
    }
    const state = await fetch(`${base}${API_PATHS.state}?token=${tokenOf('control')}`);
    expect(await state.json()).toEqual(agent.state());
    const schema = (await (await fetch(`${base}${API_PATHS.stateSchema}?token=${tokenOf('view')}`)).json()) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual(Object.keys(agent.state()));
  });

  it("serves a socket's captured frames as a pcap download, refusing what it cannot capture", async () => {
    const capture = (query: string) => fetch(`${base}${API_PATHS.capture}?${query}&token=${tokenOf('view')}`);
    const pcap = await capture('socket=xsk0&frames=3');
    expect(pcap.status).toBe(200);
    expect(pcap.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
    expect(pcap.headers.get('content-disposition')).toMatch(/^attachment; filename="ringside-xsk0-.*\.pcap"$/);
    expect((await pcap.arrayBuffer()).byteLength).toBe(24 + 3 * (16 + 60));
    expect((await capture('socket=nope&frames=3')).status).toBe(404);
    for (const query of ['frames=3', 'socket=xsk0&frames=0', 'socket=xsk0&frames=33', 'socket=xsk0&frames=1e1']) {
      expect((await capture(query)).status).toBe(400);
    }
    expect((await fetch(`${base}${API_PATHS.capture}?socket=xsk0`)).status).toBe(401);
  });
});

/** A snapshot of no socket: what is proven with it is which messages go out, not their content. */
const snapshotAt = (seq: number, sampledAt: number): SnapshotMessage => ({
  type: 'snapshot',
  seq,
  sampledAt,
  sockets: [],
  traffic: { sentFrames: seq, pps: 0 },
  programs: [],
});

describe('the command table at the WebSocket', () => {
  const controlUrl = () => new URL(`${base}/?token=${tokenOf('control')}`);
  const viewUrl = () => new URL(`${base}/?token=${tokenOf('view')}`);

  it('refuses every control command to a view client, and the agent is never asked', async () => {
    const client = await TestClient.connect(viewUrl());
    await client.next('state');
    const before = agent.executed.length;
    const messages = exampleMessages('rs-app');
    for (const type of COMMAND_TYPES.filter((type) => COMMANDS[type].role === 'control')) {
      client.send(messages[type]);
      const refusal = await client.next('error');
      expect(refusal).toMatchObject({ requestId: requestIdOf(messages[type]), code: 'forbidden' });
    }
    expect(agent.executed.length).toBe(before);
    client.close();
  });

  it('answers every view command to a view client as the table says', async () => {
    const client = await TestClient.connect(viewUrl());
    await client.next('state');
    const messages = exampleMessages('rs-app');
    for (const type of COMMAND_TYPES.filter((type) => COMMANDS[type].role === 'view' && type !== 'hello')) {
      const message = messages[type];
      client.send(message);
      const answer = await client.next(COMMANDS[type].answers);
      expect(answer).toMatchObject({ requestId: requestIdOf(message) });
    }
    expect(client.of('error')).toEqual([]);
    client.close();
  });

  it('tells every client, right after its hello and state, what the agent met while starting', async () => {
    for (const url of [controlUrl(), viewUrl()]) {
      const client = await TestClient.connect(url);
      expect(await client.next('event')).toEqual(STARTUP_FAULT);
      expect(client.received.slice(0, 3).map((message) => message.type)).toEqual(['hello', 'state', 'event']);
      client.close();
    }
  });

  it('hands every control command of a control client to the agent and acks it', async () => {
    const client = await TestClient.connect(controlUrl());
    await client.next('state');
    const messages = exampleMessages('rs-app');
    const control = COMMAND_TYPES.filter((type) => COMMANDS[type].role === 'control');
    for (const type of control) {
      client.send(messages[type]);
      expect(await client.next('ack')).toEqual({ type: 'ack', requestId: requestIdOf(messages[type]) });
    }
    expect(agent.executed.slice(-control.length).map((command) => command.type)).toEqual(control);
    client.close();
  });

  it('keeps a subscription while its socket is gone: one not-found, then the detail again once it is back', async () => {
    const client = await TestClient.connect(controlUrl());
    await client.next('state');
    client.send({ type: 'subscribe', requestId: 's', detailOf: 'rebuilt' });
    await client.next('ack');
    const errors = () => client.of('error').filter((error) => error.requestId === 'subscription').length;
    const details = () => client.of('socketDetail').length;
    // Snapshots a second apart each call for a detail reading (DETAIL_PER_SECOND); one still being read skips a turn.
    let seq = 0;
    const publishUntil = async (holds: () => boolean, what: string) => {
      for (let i = 0; i < 50 && !holds(); i++) {
        server.publishSnapshot(snapshotAt(seq, 1_000_000 + 1000 * seq++), new Map());
        await client.next('snapshot');
      }
      if (!holds()) throw new Error(`50 snapshots went out and still not ${what}`);
    };
    try {
      await publishUntil(() => errors() === 1, 'told the socket is gone');
      expect(client.of('error').at(-1)).toMatchObject({ requestId: 'subscription', code: 'not-found' });
      // Still gone: told once, however many readings fail.
      const after = seq;
      await publishUntil(() => seq >= after + 5, 'five more snapshots');
      agent.sockets.add('rebuilt');
      await publishUntil(() => details() > 0, 'the detail of the socket back');
      expect(client.of('socketDetail')[0]).toMatchObject({ requestId: 'subscription', socketId: 'rebuilt' });
      expect(errors()).toBe(1);
      // Gone again: told again, once.
      agent.sockets.delete('rebuilt');
      await publishUntil(() => errors() === 2, 'told the socket is gone again');
    } finally {
      agent.sockets.delete('rebuilt');
      client.close();
    }
  });

  it('answers a fault of the agent with a typed error and goes on serving', async () => {
    const client = await TestClient.connect(controlUrl());
    await client.next('state');
    client.send({ type: 'destroySocket', requestId: 'd', socketId: 'crash' });
    expect(await client.next('error')).toMatchObject({ requestId: 'd', code: 'agent-failed' });
    client.send({ type: 'readFrame', requestId: 'f', socketId: 'crash', frame: 0 });
    expect(await client.next('error')).toMatchObject({ requestId: 'f', code: 'agent-failed' });
    client.send({ type: 'inspectSocket', requestId: 'i', socketId: 'gone' });
    expect(await client.next('error')).toMatchObject({ requestId: 'i', code: 'not-found' });
    client.send({ type: 'resync', requestId: 'r' });
    expect(await client.next('ack')).toEqual({ type: 'ack', requestId: 'r' });
    client.close();
  });

  it('answers each hostile message with a typed error, and closes on one over 64 KiB with 1009', async () => {
    const client = await TestClient.connect(controlUrl());
    await client.next('state');
    const hostile: (string | Buffer)[] = [
      Buffer.from([0, 1, 2]),
      '{"type":',
      '[1,2,{"type":"hello"}]',
      JSON.stringify({ type: 'reboot', requestId: 'x' }),
      JSON.stringify({ type: 'createSocket', requestId: 'c', request: { umem: 7 } }),
      JSON.stringify({ type: 'setSnapshotRate', requestId: 'r', perSecond: 1e9 }),
      JSON.stringify({ type: '__proto__', requestId: 'p' }),
      'x'.repeat(60_000),
    ];
    for (const message of hostile) client.socket.send(message);
    await expect.poll(() => client.of('error').length).toBe(hostile.length);
    expect(client.of('error').every((error) => error.code === 'bad-request')).toBe(true);
    const closed = new Promise<number>((resolve) => client.socket.once('close', resolve));
    client.socket.send('x'.repeat(64 * 1024 + 1));
    expect(await closed).toBe(1009);
    await expectServing();
  });

  it('refuses a bad or missing token before any 101', async () => {
    for (const query of ['', '?token=nope']) {
      const answer = await raw(upgradeRequest(`${API_PATHS.webSocket}${query}`));
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('open the URL printed by `npm start`');
    }
    const refused = new WebSocket(`ws://${hostHeader}${API_PATHS.webSocket}?token=nope`);
    const status = await new Promise((resolve) =>
      refused.once('unexpected-response', (_r, res) => resolve(res.statusCode)),
    );
    expect(status).toBe(401);
  });
});

describe('a recording (--record)', () => {
  it('gets what a view client gets, in order, snapshots paced by its own rate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringside-recording-'));
    const file = join(dir, 'run.ringside');
    const recorder = Recorder.open(file, 2);
    const recorded = await AgentServer.listen({
      host: '127.0.0.1',
      port: 0,
      webRoot,
      agent,
      logger: pino({ level: 'silent' }),
      recorder,
    });
    try {
      const client = await TestClient.connect(
        new URL(`http://127.0.0.1:${recorded.port}/?token=${recorded.policy.viewToken}`),
      );
      await client.next('event');
      expect(recorded.fastestSnapshotRate).toBe(10);
      // The client takes 10 a second, the recording 2: of snapshots 100 ms apart, every fifth is recorded.
      for (let seq = 0; seq < 10; seq++) recorded.publishSnapshot(snapshotAt(seq, 1000 + seq * 100), new Map());
      await client.next('snapshot');
      recorded.broadcast({ type: 'lagging', fromSeq: 9 });
      client.send({ type: 'readFrame', requestId: 'f1', socketId: 'xsk0', frame: 3 });
      await client.next('frameBytes');
      await client.next('lagging');
      client.close();
    } finally {
      await recorded.close();
      recorder.close();
    }
    const recording = decodeRecording(readFileSync(file));
    rmSync(dir, { recursive: true, force: true });
    expect(recording.header.hello).toMatchObject({ type: 'hello', role: 'view' });
    const kinds = recording.entries.map((entry) =>
      entry.kind === 'snapshot'
        ? `snapshot ${decodeSnapshot(entry.bytes, null).snapshot.seq}`
        : JSON.parse(entry.text).type,
    );
    expect(kinds).toEqual(['state', 'event', 'snapshot 0', 'snapshot 5', 'lagging', 'frameBytes']);
  });
});

describe('stopping', () => {
  it('cuts off a client that never answers its close frame, rather than wait the 30 s ws would', async () => {
    const stopping = await AgentServer.listen({
      host: '127.0.0.1',
      port: 0,
      webRoot,
      agent: new FakeAgent(),
      logger: pino({ level: 'silent' }),
      closeGraceMs: 200,
    });
    // Upgraded, then silent: a page whose browser went offline, which never sends its close frame back.
    const silent = connect(stopping.port, '127.0.0.1');
    silent.on('error', () => {});
    let received = '';
    silent.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    const closed = new Promise<number>((resolve) => silent.once('close', () => resolve(Date.now())));
    await new Promise<void>((resolve) => {
      silent.once('data', () => resolve());
      silent.write(
        upgradeRequest(`${API_PATHS.webSocket}?token=${stopping.policy.controlToken}`, {
          host: `127.0.0.1:${stopping.port}`,
        }),
      );
    });
    expect(received).toMatch(/^HTTP\/1\.1 101/);
    const started = Date.now();
    await stopping.close();
    const cutAfter = (await closed) - started;
    // The close frame went out (status 1001, going away) before the connection was cut.
    expect(received).toContain('\x03\xe9');
    expect(cutAfter).toBeGreaterThanOrEqual(150);
    expect(cutAfter).toBeLessThan(10_000);
  });
});
