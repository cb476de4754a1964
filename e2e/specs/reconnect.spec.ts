import { expect, test } from '@playwright/test';
import { freePort, type RunningAgent, startAgent, testTokenFile } from '../../agent/test/agent-process.ts';
import { failOnPageErrors, numberIn } from './explorer.ts';

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
  await expect(page.getByTestId('connection-status')).toHaveText('disconnected');

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
