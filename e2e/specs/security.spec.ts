import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { failOnPageErrors } from './explorer.ts';

/** What a WebSocket attempt came to: opened, or refused with the HTTP status of the upgrade. */
type UpgradeOutcome = { opened: true } | { opened: false; status: number };

/** Every event the foreign page's WebSocket fired, in order. */
type PageEvents = ('open' | 'error' | 'close')[];

let agent: RunningAgent;
let foreignSite: Server;
let foreignOrigin: string;

/**
 * A page another site serves, run in the same browser as Ringside: it knows
 * the agent's port and even its control token, and the agent must still
 * refuse it because of where the page comes from.
 */
function foreignPage(agentUrl: string): string {
  return `<!doctype html>
<title>pending</title>
<script>
  window.socketEvents = [];
  const socket = new WebSocket(${JSON.stringify(agentUrl)});
  socket.onopen = () => { window.socketEvents.push('open'); document.title = 'opened'; };
  socket.onerror = () => { window.socketEvents.push('error'); };
  socket.onclose = () => {
    window.socketEvents.push('close');
    if (document.title === 'pending') document.title = 'refused';
  };
</script>`;
}

async function startForeignSite(page: string): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function agentSocketUrl(token: string | null): string {
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return `ws://127.0.0.1:${agent.port}/ws${query}`;
}

/** Tries one upgrade from Node, where the test, not a browser, chooses Host and Origin. */
function tryUpgrade(url: string, options: WebSocket.ClientOptions = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('open', () => {
      socket.close();
      resolve({ opened: true });
    });
    socket.once('unexpected-response', (request, response) => {
      resolve({ opened: false, status: response.statusCode ?? 0 });
      response.resume();
      request.destroy();
    });
    socket.once('error', reject);
  });
}

const controlToken = () => agent.controlUrl.searchParams.get('token') as string;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '1000']);
  foreignSite = await startForeignSite(foreignPage(agentSocketUrl(controlToken())));
  foreignOrigin = `http://127.0.0.1:${(foreignSite.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  if (foreignSite) {
    foreignSite.closeAllConnections();
    await new Promise((resolve) => foreignSite.close(resolve));
  }
  await agent?.stop();
});

test.describe('in the browser', () => {
  test('a page from another origin cannot open the agent WebSocket, even with the token and port', async ({ page }) => {
    // The refused socket is the point of this test; Chromium logs it as an error.
    failOnPageErrors(page, [/WebSocket connection to .* failed/]);
    await page.goto(`${foreignOrigin}/`);
    await expect(page).toHaveTitle('refused');
    const events = await page.evaluate(() => (window as unknown as { socketEvents: PageEvents }).socketEvents);
    expect(events).not.toContain('open');
    // The refusal must be the Origin check's, not some other failure of the connection.
    expect(agent.log()).toContain(`pages from ${foreignOrigin} may not connect to this agent`);
  });

  test("the agent's own page connects with the same token", async ({ page }) => {
    failOnPageErrors(page);
    await page.goto(agent.controlUrl.href);
    await expect(page.getByTestId('connection-status')).toHaveText('connected');
  });

  for (const [what, query, reason] of [
    ['a wrong token', `?token=wrong`, 'this link has no valid token: open the URL printed by `npm start`'],
    ['no token', '', 'this link has no token: open the URL printed by `npm start`'],
  ] as const) {
    test(`a page opened with ${what} says why, and stops retrying`, async ({ page }) => {
      // The refused upgrade and the 401 of the check are what this test provokes.
      failOnPageErrors(page, [/WebSocket connection to .* failed/, /status of 401/]);
      const attempts: string[] = [];
      page.on('websocket', (socket) => attempts.push(socket.url()));
      await page.clock.install();
      await page.goto(`http://127.0.0.1:${agent.port}/${query}`);
      await expect(page.getByTestId('connection-status')).toHaveText('refused');
      await expect(page.getByTestId('connection-refusal')).toHaveText(reason);
      // A minute of the page's timers: a retry, had one been scheduled, would have fired.
      await page.clock.runFor(60_000);
      await expect(page.getByTestId('connection-status')).toHaveText('refused');
      expect(attempts).toHaveLength(1);
    });
  }
});

/** One HTTP request as bytes, exactly as written; resolves with the status line's code once the agent closes. */
function rawStatus(request: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(agent.port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]) || null));
    socket.end(request);
  });
}

test.describe('at the HTTP server, without a browser', () => {
  test('requests that used to stop the root agent get a 4xx, and it goes on serving', async () => {
    const host = `127.0.0.1:${agent.port}`;
    const requests: [string, number][] = [
      [`GET /%E0 HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400],
      [`GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400],
      [`GET / HTTP/1.1\r\nHost: evil.example:${agent.port}\r\n\r\n`, 403],
      [`GET /metrics HTTP/1.1\r\nHost: 2130706433:${agent.port}\r\n\r\n`, 403],
      [`GET /${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 431],
    ];
    for (const [request, status] of requests) expect(await rawStatus(request)).toBe(status);
    expect(agent.child.exitCode).toBeNull();
    expect((await fetch(`http://${host}/`)).status).toBe(200);
    expect(await tryUpgrade(agentSocketUrl(controlToken()))).toEqual({ opened: true });
  });
});

test.describe('at the upgrade, without a browser', () => {
  test('the right token opens the socket', async () => {
    expect(await tryUpgrade(agentSocketUrl(controlToken()))).toEqual({ opened: true });
  });

  test('no token is 401', async () => {
    expect(await tryUpgrade(agentSocketUrl(null))).toEqual({ opened: false, status: 401 });
  });

  test('a wrong token is 401', async () => {
    expect(await tryUpgrade(agentSocketUrl(`${controlToken()}x`))).toEqual({ opened: false, status: 401 });
  });

  test("the right token from an https Origin of the agent's own host and port is 403", async () => {
    expect(await tryUpgrade(agentSocketUrl(controlToken()), { origin: `https://127.0.0.1:${agent.port}` })).toEqual({
      opened: false,
      status: 403,
    });
  });

  test('the right token from a foreign Origin is 403', async () => {
    expect(await tryUpgrade(agentSocketUrl(controlToken()), { origin: 'http://evil.example' })).toEqual({
      opened: false,
      status: 403,
    });
  });

  test('the right token under a rebound Host name is 403', async () => {
    const rebound = { headers: { host: `rebind.example:${agent.port}` } };
    expect(await tryUpgrade(agentSocketUrl(controlToken()), rebound)).toEqual({ opened: false, status: 403 });
  });
});
