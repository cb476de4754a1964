import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('the view role sees every control disabled, and its keys change nothing', async ({ page }) => {
  await openExplorer(page, agent.viewUrl, { view: 'rings,controls' });
  await expect(page.getByTestId('role')).toHaveText('view only');
  const socket = page.getByTestId('socket-xsk0');
  await expect(socket.getByTestId('ring-rx-producer')).toBeVisible();

  const controls = [
    page.getByTestId('traffic-toggle'),
    page.getByTestId('traffic-rate'),
    socket.getByTestId('step'),
    page.getByTestId('inject-invalid-tx'),
    page.getByTestId('destroy-socket'),
  ];
  for (const stage of ['fillRefill', 'rxDrain', 'txSubmit', 'completionReap']) {
    controls.push(socket.getByTestId(`stage-${stage}`));
  }
  for (const control of controls) await expect(control).toBeDisabled();
  for (const formId of ['socket-form-xsk0', 'socket-form-new']) {
    const fields = page.getByTestId(formId).locator('input, select, button');
    expect(await fields.count()).toBeGreaterThan(15);
    for (const field of await fields.all()) await expect(field).toBeDisabled();
  }

  // The shortcuts a control page uses to pause and to stop traffic.
  await page.locator('body').press('p');
  await page.locator('body').press('t');
  await page.locator('body').press('1');
  const rxProducer = socket.getByTestId('ring-rx-producer');
  const before = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(before + 500);
  for (const stage of ['fillRefill', 'rxDrain', 'txSubmit', 'completionReap']) {
    await expect(socket.getByTestId(`stage-${stage}`)).toHaveAttribute('aria-pressed', 'false');
  }
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Pause traffic');
});

test('the same controls are enabled on the control URL', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { view: 'rings,controls' });
  await expect(page.getByTestId('role')).toHaveText('control');
  await expect(page.getByTestId('socket-xsk0').getByTestId('stage-rxDrain')).toBeEnabled();
  await expect(page.getByTestId('traffic-toggle')).toBeEnabled();
  await expect(page.getByTestId('socket-form-xsk0').getByTestId('form-rxSize')).toBeEnabled();
});
