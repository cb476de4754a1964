import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { API_PATHS } from '@ringside/shared';
import { freePort, type RunningAgent, startAgent, testTokenFile } from '../../agent/test/agent-process.ts';
import { failOnPageErrors, numberIn, openExplorer } from './explorer.ts';

let agent: RunningAgent | null = null;

test.afterAll(async () => {
  await agent?.stop();
});

test('when the agent restarts, the open page reconnects and streams again without a reload', async ({ page }) => {
  const args = ['--port', String(await freePort()), '--token-file', testTokenFile(), '--rate', '2000'];
  agent = await startAgent(args);
  // While the agent is down the page's retries are refused: expected here, and only for this agent.
  const host = agent.controlUrl.host.replaceAll('.', '\\.');
  failOnPageErrors(page, [new RegExp(`WebSocket connection to 'ws://${host}/.* failed`)], agent.controlUrl.host);
  await page.goto(`${agent.controlUrl.href}&view=rings,umem`);
  await expect(page.getByTestId('connection-status')).toHaveText('connected');
  const marker = await page.evaluate(() => {
    (window as unknown as { ringsideMarker: number }).ringsideMarker = Math.random();
    return (window as unknown as { ringsideMarker: number }).ringsideMarker;
  });

  await agent.stop();
  // Not "disconnected": that shows for one retry delay before "connecting", and a poll can miss it. While no
  // agent listens the page cannot be connected, so this holds until the next one starts.
  await expect(page.getByTestId('connection-status')).not.toHaveText('connected');

  agent = await startAgent(args);
  await expect(page.getByTestId('connection-status')).toHaveText('connected', { timeout: 20_000 });
  const rxProducer = page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer');
  const first = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(first);
  // Resynced: the new agent's frames are all accounted for again, and the view is the one the URL kept.
  await expect(page.getByTestId('umem-count-total')).toHaveText('4096');
  expect(new URL(page.url()).searchParams.get('view')).toBe('rings,umem');
  // The same page, never reloaded.
  expect(await page.evaluate(() => (window as unknown as { ringsideMarker: number }).ringsideMarker)).toBe(marker);
});

test('a page that reconnects to the same agent shows its start-up events once', async ({ page }) => {
  // A token file on a read-only disk is one of the agent's start-up events: every client is told it after its hello.
  const readOnly = mkdtempSync(join(tmpdir(), 'ringside-ro-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', readOnly]);
  let own: RunningAgent | null = null;
  try {
    own = await startAgent(['--token-file', join(readOnly, 'tokens.json'), '--rate', '2000']);
    // The page's socket goes through a proxy the test can cut, as a network drop would; the agent stays up.
    const routes: WebSocketRoute[] = [];
    await page.routeWebSocket(new RegExp(`${API_PATHS.webSocket}\\?`), (route) => {
      routes.push(route);
      route.connectToServer();
    });
    await openExplorer(page, own.controlUrl, { view: 'rings' });
    const log = page.locator('.events li');
    await expect(log.filter({ hasText: 'cannot be written (EROFS)' })).toHaveCount(1);
    const before = await log.allTextContents();

    await routes[0]?.close();
    // The page's second socket, rather than "disconnected", which shows for only one retry delay and a poll can miss.
    await expect.poll(() => routes.length, { timeout: 20_000 }).toBe(2);
    await expect(page.getByTestId('connection-status')).toHaveText('connected');
    const seqBefore = Number(await page.getByTestId('connection-status').getAttribute('data-seq'));
    // A snapshot comes after the hello, state and start-up events on the new socket: once one is drawn, all were taken.
    await expect
      .poll(async () => Number(await page.getByTestId('connection-status').getAttribute('data-seq')))
      .toBeGreaterThan(seqBefore);
    expect(await log.allTextContents()).toEqual(before);
  } finally {
    await own?.stop();
    execFileSync('umount', [readOnly]);
    rmdirSync(readOnly);
  }
});
