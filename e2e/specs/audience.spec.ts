import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent, testTokenFile } from '../../agent/test/agent-process.ts';
import { qrGeometry } from '../../web/src/viz/qr-code.ts';
import config from '../playwright.config.ts';
import { failOnPageErrors, openExplorer } from './explorer.ts';

const NAME = 'workshop-box.local';
const OTHER = 'other-box.local';

// Both names lead to loopback, in this browser only: nothing leaves the machine.
test.use({
  launchOptions: {
    ...config.use?.launchOptions,
    args: [
      ...(config.use?.launchOptions?.args ?? []),
      `--host-resolver-rules=MAP ${NAME} 127.0.0.1, MAP ${OTHER} 127.0.0.1`,
    ],
  },
});

let agent: RunningAgent;
/** The view URL the agent gives a room: the allowed name's. */
let audienceUrl: string;

test.beforeAll(async () => {
  agent = await startAgent(['--allowed-host', NAME, '--rate', '1000']);
  audienceUrl = `http://${NAME}:${agent.port}/${agent.viewUrl.search}`;
});

test.afterAll(async () => {
  await agent?.stop();
});

test('presenter mode shows the view URL a room can open, and a QR code of it', async ({ page }) => {
  await openExplorer(page, agent.controlUrl);
  await expect(page.getByTestId('audience')).toHaveCount(0);
  await page.getByTestId('presenter').click();
  await expect(page.getByTestId('audience-url')).toHaveText([audienceUrl]);
  await expect(page.getByTestId('audience-url')).toHaveAttribute('href', audienceUrl);
  // The code drawn is the code of that URL, module for module.
  await expect(page.getByTestId('audience-qr').locator('path')).toHaveAttribute('d', qrGeometry(audienceUrl).path);
  const box = await page.getByTestId('audience-qr').boundingBox();
  expect(box?.width).toBeGreaterThanOrEqual(150);
  // A room is given only view: the control token is nowhere on what it is shown.
  const control = agent.controlUrl.searchParams.get('token') ?? '';
  expect(await page.getByTestId('audience').innerHTML()).not.toContain(control);
});

test('the audience URL opens a view-only page that streams, by its name', async ({ page }) => {
  await openExplorer(page, new URL(audienceUrl));
  await expect(page.getByTestId('role')).toHaveText('view only');
  await expect(page.locator('[data-testid^="slot-rings-"]').first()).toBeVisible();
});

test('a page opened by a name the agent was not given says why, naming the fix', async ({ page }) => {
  failOnPageErrors(page, [/status of 403/]);
  const response = await page.goto(`http://${OTHER}:${agent.port}/${agent.viewUrl.search}`);
  expect(response?.status()).toBe(403);
  await expect(page.locator('body')).toContainText(`is not this agent`);
  await expect(page.locator('body')).toContainText(`--allowed-host ${OTHER} `);
});

test('a page whose name the agent no longer answers to says why, and stops retrying', async ({ page }) => {
  // A room's page stays open while the presenter restarts Ringside, with the same tokens, without its name.
  const tokenFile = testTokenFile();
  const before = await startAgent(['--allowed-host', OTHER, '--rate', '1000', '--token-file', tokenFile]);
  let after: RunningAgent | null = null;
  try {
    failOnPageErrors(page, [/WebSocket connection to .* failed/, /status of 403/, /ERR_CONNECTION_REFUSED/]);
    // The page's timers on a clock the test can run forward, from its first: a retry scheduled at the refusal
    // is then on it. Until run forward, it keeps time with the real one.
    await page.clock.install();
    await openExplorer(page, new URL(`http://${OTHER}:${before.port}/${before.viewUrl.search}`));
    await before.stop();
    const attempts: string[] = [];
    page.on('websocket', (socket) => attempts.push(socket.url()));
    after = await startAgent(['--port', String(before.port), '--rate', '1000', '--token-file', tokenFile]);
    await expect(page.getByTestId('connection-status')).toHaveText('refused', { timeout: 20_000 });
    await expect(page.getByTestId('connection-refusal')).toContainText(`--allowed-host ${OTHER} `);
    const refusedAfter = attempts.length;
    // A minute of the page's timers: a retry, had one been scheduled, would have fired.
    await page.clock.runFor(60_000);
    await expect(page.getByTestId('connection-status')).toHaveText('refused');
    expect(attempts).toHaveLength(refusedAfter);
  } finally {
    await before.stop();
    await after?.stop();
  }
});
