import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer, settled } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('pausing RX drain fills the RX ring on screen and rx_ring_full rises in the page', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const socket = page.getByTestId('socket-xsk0');
  const size = await numberIn(socket.getByTestId('ring-rx-size'));
  const ringFull = socket.getByTestId('stat-rxRingFull');
  const before = await numberIn(ringFull);

  await socket.getByTestId('stage-rxDrain').click();
  await expect(socket.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');
  await expect(socket.getByTestId('ring-rx-used')).toHaveText(String(size));
  // The canvas, not only the number, shows the ring full.
  await expect(socket.getByTestId('ring-rx-canvas')).toHaveAttribute('data-occupied', String(size));
  await expect.poll(() => numberIn(ringFull)).toBeGreaterThan(before);
  await expect(socket.getByTestId('stat-rxRingFull-row')).toHaveAttribute('data-rising', 'true');
  await expect(socket.getByTestId('stat-rxRingFull-why')).toContainText('RX ring was full');

  await socket.getByTestId('stage-rxDrain').click();
  await expect(socket.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => numberIn(socket.getByTestId('ring-rx-used'))).toBeLessThan(size);
});

test('pausing FILL refill drains FILL to empty and rx_fill_ring_empty_descs rises in the page', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const socket = page.getByTestId('socket-xsk0');
  const emptyDescs = socket.getByTestId('stat-rxFillRingEmptyDescs');
  await expect.poll(() => numberIn(socket.getByTestId('ring-fill-used'))).toBeGreaterThan(0);
  const before = await numberIn(emptyDescs);

  await socket.getByTestId('stage-fillRefill').click();
  await expect(socket.getByTestId('ring-fill-used')).toHaveText('0');
  await expect(socket.getByTestId('ring-fill-canvas')).toHaveAttribute('data-occupied', '0');
  await expect.poll(() => numberIn(emptyDescs)).toBeGreaterThan(before);
  await expect(socket.getByTestId('stat-rxFillRingEmptyDescs-row')).toHaveAttribute('data-rising', 'true');
  await expect(socket.getByTestId('stat-rxFillRingEmptyDescs-why')).toContainText('no FILL buffers');

  await socket.getByTestId('stage-fillRefill').click();
  await expect.poll(() => numberIn(socket.getByTestId('ring-fill-used'))).toBeGreaterThan(0);
});

test('keys pause every stage, step one batch and resume', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const socket = page.getByTestId('socket-xsk0');
  const stages = ['fillRefill', 'rxDrain', 'txSubmit', 'completionReap'];

  // A key acts on the sockets the page knows, as its last snapshot shows them: before the first one it does
  // nothing, and with any stage paused `p` resumes. On a busy machine that snapshot comes late.
  for (const stage of stages) {
    await expect(socket.getByTestId(`stage-${stage}`)).toHaveAttribute('aria-pressed', 'false');
  }
  await page.keyboard.press('p');
  for (const stage of stages) {
    await expect(socket.getByTestId(`stage-${stage}`)).toHaveAttribute('aria-pressed', 'true');
  }
  // With every stage paused and traffic arriving, RX fills and its consumer stands still.
  const rxConsumer = socket.getByTestId('ring-rx-consumer');
  await expect(socket.getByTestId('ring-rx-used')).not.toHaveText('0');
  // A snapshot sampled before the pause took effect may still arrive: the consumer must then hold still.
  const held = await settled(page, () => numberIn(rxConsumer));

  await page.keyboard.press('s');
  await expect.poll(() => numberIn(rxConsumer)).toBeGreaterThan(held);
  const stepped = (await numberIn(rxConsumer)) - held;
  // One batch, not a resumed stage: the socket's batch size bounds the step.
  expect(stepped).toBeLessThanOrEqual(64);

  await page.keyboard.press('p');
  for (const stage of stages) {
    await expect(socket.getByTestId(`stage-${stage}`)).toHaveAttribute('aria-pressed', 'false');
  }
  await expect.poll(() => numberIn(rxConsumer)).toBeGreaterThan(held + stepped + 64);
});
