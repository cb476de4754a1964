import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { crashUntilLeftDown, ofSocket, ofTrafficSource } from '../../agent/test/worker-crashes.ts';
import { TestClient } from '../../agent/test/ws-client.ts';
import { openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('an XDP program detached from outside shows as a fault in the event log, and the page goes on', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl);
  execFileSync('ip', ['-n', `ringside-${agent.pid}-0-app`, 'link', 'set', 'dev', 'rs-app', 'xdp', 'off']);
  const fault = page.locator('.events li[data-kind="fault"]');
  await expect(fault).toContainText('the XDP program on rs-app', { timeout: 20_000 });
  await expect(fault).toContainText('was detached from outside');
  await expect(page.getByTestId('connection-status')).toHaveText('connected');
});

test('a socket whose data-plane worker kept crashing shows on its panel that it is down, and why', async ({ page }) => {
  test.setTimeout(120_000);
  // RINGSIDE_TEST_FAULTS: SIGUSR2 ends every data-plane thread, as a crash would.
  const crashing = await startAgent(['--rate', '5000'], 60_000, { RINGSIDE_TEST_FAULTS: '1' });
  const client = await TestClient.connect(crashing.viewUrl);
  try {
    await openExplorer(page, crashing.controlUrl, { view: 'rings', socket: 'xsk0' });
    await expect(page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer')).toBeVisible();
    await expect(page.getByTestId('dataplane-down')).toHaveCount(0);
    await crashUntilLeftDown(crashing, client, ofSocket('xsk0'));
    const down = page.getByTestId('socket-xsk0').getByTestId('dataplane-down');
    await expect(down).toContainText('data plane down');
    await expect(down).toContainText('restarted 3 times, and was left down');
    // The lab's traffic source, crashed until it is left down too: its panel says so, and a new rate set there
    // starts it again.
    await crashUntilLeftDown(crashing, client, ofTrafficSource);
    await openExplorer(page, crashing.controlUrl, { view: 'controls', socket: 'xsk0' });
    const sourceDown = page.getByTestId('traffic-down');
    await expect(sourceDown).toContainText('traffic source down');
    await expect(sourceDown).toContainText('left down');
    await expect(sourceDown).toContainText('Any change below starts it again.');
    await page.getByTestId('traffic-rate').fill('6000');
    await page.getByTestId('traffic-rate-apply').click();
    await expect(sourceDown).toHaveCount(0);
    await expect(page.locator('.events li[data-kind="traffic-rate"]').last()).toContainText(
      'data plane started again; traffic source sending 6000 frames/s',
    );
  } finally {
    client.close();
    await crashing.stop();
  }
});
