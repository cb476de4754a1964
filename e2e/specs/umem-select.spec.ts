import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('clicking a frame in the UMEM map opens the packet inspector on that frame', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'umem' });
  await expect(page.getByTestId('umem-count-total')).toHaveText('4096');
  const canvas = page.getByTestId('umem-xsk0').locator('canvas.umem-overlay');
  await canvas.hover({ position: { x: 2, y: 2 } });
  await expect(page.getByTestId('frame-tooltip')).toContainText('frame 0');
  await canvas.click({ position: { x: 2, y: 2 } });
  await expect(page.getByTestId('inspector-xsk0').getByTestId('inspector-frame')).toHaveValue('0');
});
