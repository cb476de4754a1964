import { expect, test } from '@playwright/test';
import { FRAME_OWNERS } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { agentSnapshot, legendCounts, numberIn, openExplorer, settled } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('the UMEM map counts per owner equal the agent’s ledger', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings,umem' });
  const rings = page.getByTestId('socket-xsk0');
  // RX left full and traffic stopped: frames spread over several owners, and nothing moves while we compare.
  await rings.getByTestId('stage-rxDrain').click();
  await expect(rings.getByTestId('ring-rx-used')).toHaveText(
    (await rings.getByTestId('ring-rx-size').textContent()) ?? '',
  );
  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');

  // Frames already sent land (dropped, as RX is full); then nothing moves.
  const shown = await settled(page, () => legendCounts(page, 'xsk0'));
  const { snapshot, owners } = await agentSnapshot(agent);
  const sample = snapshot.sockets.find((candidate) => candidate.socketId === 'xsk0');
  expect(sample).toBeDefined();
  expect(shown).toEqual(sample?.ledger.counts);
  // The same counts again, tallied from the owner of every frame the agent sent a separate client.
  const tallied = Object.fromEntries(FRAME_OWNERS.map((owner) => [owner, 0]));
  for (const code of owners.get('xsk0') ?? []) {
    const owner = FRAME_OWNERS[code] as string;
    tallied[owner] = (tallied[owner] ?? 0) + 1;
  }
  expect(shown).toEqual(tallied);
  expect(shown.rx).toBeGreaterThan(0);
  expect(shown.fill).toBeGreaterThan(0);
  expect(await numberIn(page.getByTestId('umem-count-total'))).toBe(4096);

  // Flowing again for the next test. Both buttons toggle from what the page last received: each is pressed once
  // that shows it held, and its release is awaited.
  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Pause traffic');
  const rxDrain = rings.getByTestId('stage-rxDrain');
  await expect(rxDrain).toHaveAttribute('aria-pressed', 'true');
  await rxDrain.click();
  await expect(rxDrain).toHaveAttribute('aria-pressed', 'false');
});

test('hovering a frame tells its address, owner and how the kernel masks addresses into it', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'umem' });
  await expect(page.getByTestId('umem-count-total')).toHaveText('4096');
  const canvas = page.getByTestId('umem-xsk0').locator('canvas.umem-overlay');
  await canvas.hover({ position: { x: 2, y: 2 } });
  const tooltip = page.getByTestId('frame-tooltip');
  await expect(tooltip).toContainText('frame 0');
  await expect(tooltip).toContainText('0–4095');
  await expect(tooltip).toContainText('masks the low 12 bits');
});

test('the map works by keyboard: arrows move a cell that says its frame and owner, Enter opens it in the inspector', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'umem' });
  await expect(page.getByTestId('umem-count-total')).toHaveText('4096');
  // Traffic stopped, so the owner said for a frame is still its owner when the inspector reads it.
  await page.keyboard.press('t');
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');
  await settled(page, () => legendCounts(page, 'xsk0'));

  const map = page.getByTestId('umem-xsk0').getByTestId('umem-map');
  const said = page.getByTestId('umem-xsk0').getByTestId('umem-cursor');
  // In the tab order, so Tab reaches it.
  await expect(map).toHaveAttribute('tabindex', '0');
  await map.focus();
  await expect(said).toHaveText(/^frame 0 · [a-z-]+ · chunk 0–4095$/);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(said).toHaveText(/^frame 2 · [a-z-]+ · chunk 8192–12287$/);
  await expect(page.getByTestId('frame-tooltip')).toContainText('frame 2');
  await page.keyboard.press('End');
  await expect(said).toContainText('frame 4095 ·');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  const text = (await said.textContent()) ?? '';
  const [, frame, owner] = /^frame (\d+) · ([a-z-]+) ·/.exec(text) ?? [];
  expect(Number(frame)).toBeGreaterThan(0);

  await page.keyboard.press('Enter');
  const inspector = page.getByTestId('inspector-xsk0');
  await expect(inspector).toBeVisible();
  await expect(inspector.getByTestId('inspector-frame')).toHaveValue(String(frame));
  await expect(inspector.getByTestId('inspector-owner')).toHaveText(owner ?? '');
  await page.keyboard.press('t');
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Pause traffic');
});
