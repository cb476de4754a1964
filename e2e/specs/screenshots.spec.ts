import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer } from './explorer.ts';

/**
 * Listed after every other spec (see playwright.config.ts), keeps a picture
 * of each view under artifacts/screenshots/, at the 1280×720 the page is made for.
 */
let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

for (const view of ['rings', 'umem', 'counters', 'topology', 'inspector', 'controls']) {
  for (const theme of ['dark', 'light']) {
    test(`the ${view} view in the ${theme} theme`, async ({ page }) => {
      // The inspector shows a frame the URL names, as a shared link would.
      const frame = view === 'inspector' ? { frame: 'xsk0:0' } : {};
      await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view, theme, ...frame });
      await expect(page.getByTestId(`view-${view}-panels`)).toBeVisible();
      const producer = page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer');
      if (view === 'rings') await expect.poll(() => numberIn(producer)).toBeGreaterThan(0);
      if (view === 'topology') await expect(page.getByTestId('program-redirected-rate')).not.toHaveText('');
      if (view === 'inspector') await expect(page.getByTestId('inspector-owner')).toBeVisible();
      // Counters need a few seconds of history to draw anything worth keeping.
      await page.waitForTimeout(view === 'counters' ? 4000 : 1000);
      await page.screenshot({ path: `artifacts/screenshots/${view}-${theme}.png`, fullPage: true });
    });
  }
}

test('presenter mode', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings', presenter: '1', theme: 'dark' });
  await expect(page.locator('html')).toHaveClass(/presenter/);
  await page.waitForTimeout(1000);
  await page.screenshot({ path: 'artifacts/screenshots/presenter.png', fullPage: true });
});

test('sharing a UMEM across two queues, in the topology', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { view: 'topology,controls', theme: 'dark' });
  const form = page.getByTestId('socket-form-new');
  await form.getByTestId('form-socketId').fill('far');
  await form.getByTestId('form-umemId').selectOption('xsk0-umem');
  await form.getByTestId('form-queueId').fill('1');
  await form.getByTestId('form-submit').click();
  await expect(form.getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });
  await expect(page.getByTestId('sharing-xsk0-umem')).toHaveAttribute('data-pairs', '2');
  await page.waitForTimeout(2000);
  await page.getByTestId('topology').screenshot({ path: 'artifacts/screenshots/topology-shared.png' });
});
