import { expect, type Page, test } from '@playwright/test';
import type { SocketRequest } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer, requestOf, restoreSocket } from './explorer.ts';

let agent: RunningAgent;
/** xsk0 as the lab made it: each test starts from it, whatever the one before set (a sender flat out, for one). */
let labSocket: SocketRequest;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
  labSocket = await requestOf(agent, 'xsk0');
});

test.beforeEach(async () => {
  await restoreSocket(agent, 'xsk0', labSocket);
});

test.afterAll(async () => {
  await agent?.stop();
});

const form = (page: Page) => page.getByTestId('socket-form-xsk0');
const perSendto = (page: Page) => page.getByTestId('doorbells-xsk0-per-sendto');
const descriptorsPerSendto = async (page: Page) => Number(await perSendto(page).getAttribute('data-value'));

test('a TX budget of 64 set in the form: each sendto of a sender flat out takes 64 TX descriptors, not 32', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,counters' });
  // Flat out with batches of 256: TX always holds more than a budget when the worker kicks it.
  await form(page).getByTestId('form-workload').selectOption('txonly');
  await form(page).getByTestId('form-ratePps').fill('10000000');
  await form(page).getByTestId('form-batchSize').fill('256');
  await form(page).getByTestId('form-submit').click();
  await expect(form(page).getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });
  await expect.poll(() => descriptorsPerSendto(page), { timeout: 20_000 }).toBeGreaterThan(0);
  // The kernel's default budget (TX_BATCH_SIZE) bounds every call.
  expect(await descriptorsPerSendto(page)).toBeLessThanOrEqual(32);

  await form(page).getByTestId('form-txBudget').fill('64');
  await form(page).getByTestId('form-submit').click();
  await expect(form(page).getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });
  await expect(perSendto(page)).toContainText('(budget: 64)');
  // The rebuilt socket counts afresh: calls that found a backlog take 64, a call that emptied TX fewer.
  await expect.poll(() => descriptorsPerSendto(page), { timeout: 20_000 }).toBeGreaterThan(48);
  expect(await descriptorsPerSendto(page)).toBeLessThanOrEqual(64);
});

test('a TX budget under the probed bound is refused in the form, naming the bounds', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls' });
  await form(page).getByTestId('form-txBudget').fill('16');
  await expect(form(page).getByTestId('form-txBudget-problem')).toHaveText(
    /^TX budget 16 is outside what this kernel accepts \(probed at start\): from 32 to the TX ring's size \(\d+\)$/,
  );
  await expect(form(page).getByTestId('form-submit')).toBeDisabled();
  await expect(form(page).getByTestId('form-txBudget-unavailable')).toHaveCount(0);
});

test('busy polling asked on the lab veth: the kernel gives the socket no NAPI, and the socket keeps its configuration', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,rings' });
  // A sender first, so the configuration kept is told apart from the receiver the refused request asks for.
  await form(page).getByTestId('form-workload').selectOption('txonly');
  await form(page).getByTestId('form-ratePps').fill('2000');
  await form(page).getByTestId('form-submit').click();
  await expect(form(page).getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });

  await form(page).getByTestId('form-workload').selectOption('rxdrop');
  await form(page).getByTestId('form-txBudget').fill('');
  await form(page).getByTestId('form-busyPoll').check();
  await form(page).getByTestId('form-submit').click();
  const outcome = form(page).getByTestId('form-outcome');
  await expect(outcome).toHaveAttribute('data-state', 'refused', { timeout: 20_000 });
  await expect(outcome).toContainText('refused (no NAPI)');
  await expect(outcome).toContainText('SO_INCOMING_NAPI_ID reads 0');
  await expect(outcome).toContainText('previous configuration was restored');
  // The restored configuration is the sender set above, sending again.
  const rings = page.getByTestId('socket-xsk0');
  await expect(rings.getByTestId('socket-workload')).toHaveText('txonly');
  const txProducer = rings.getByTestId('ring-tx-producer');
  const first = await numberIn(txProducer);
  await expect.poll(() => numberIn(txProducer)).toBeGreaterThan(first + 100);
});
