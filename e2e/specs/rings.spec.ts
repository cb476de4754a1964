import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, settled } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('the RX producer rises under traffic and stops rising while the source is paused', async ({ page }) => {
  await page.goto(agent.controlUrl.href);
  await expect(page.getByTestId('connection-status')).toHaveText('connected');
  const socket = page.getByTestId('socket-xsk0');
  const rxProducer = socket.getByTestId('ring-rx-producer');
  for (const ring of ['fill', 'rx', 'tx', 'completion']) await expect(socket.getByTestId(`ring-${ring}`)).toBeVisible();

  const start = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(start + 100);

  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');
  // Frames already sent still land; then the producer must hold still.
  const paused = await settled(page, () => numberIn(rxProducer));

  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Pause traffic');
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(paused);
  await page.screenshot({ path: 'artifacts/screenshots/rings.png', fullPage: true });
});
