import { expect, type Page, test } from '@playwright/test';
import type { SocketRequest } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { agentState, commandAgent, numberIn, openExplorer, requestOf, restoreSocket } from './explorer.ts';

let agent: RunningAgent;
/** xsk0 as the lab made it: each test starts from it, whatever the one before applied. */
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

test('a ring size that is not a power of two is refused in the form, before anything is sent', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls' });
  await form(page).getByTestId('form-rxSize').fill('1000');
  await expect(form(page).getByTestId('form-rxSize-problem')).toHaveText(
    'RX ring size must be a power of two (kernel rule): try 512 or 1024',
  );
  await expect(form(page).getByTestId('form-submit')).toBeDisabled();
  await form(page).getByTestId('form-rxSize').fill('1024');
  await expect(form(page).getByTestId('form-rxSize-problem')).toHaveText('');
  await expect(form(page).getByTestId('form-submit')).toBeEnabled();
});

test('a traffic rate out of bounds says what it takes, sends nothing, and a good one is applied', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls' });
  const rate = page.getByTestId('traffic-rate');
  for (const bad of ['-5', '0', '99999999']) {
    await rate.fill(bad);
    await expect(page.getByTestId('traffic-rate-problem')).toHaveText(
      'rate: a whole number of frames per second, 1 to 10000000',
    );
    await expect(rate).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('traffic-rate-apply')).toBeDisabled();
  }
  expect((await agentState(agent)).traffic?.ratePps).toBe(5000);
  try {
    await rate.fill('6000');
    await expect(page.getByTestId('traffic-rate-problem')).toHaveText('');
    await page.getByTestId('traffic-rate-apply').click();
    await expect.poll(async () => (await agentState(agent)).traffic?.ratePps).toBe(6000);
    // The field shows the agent's rate again once the page has the new state.
    await expect(rate).toHaveValue('6000');
  } finally {
    // The lab's rate for the tests after this one, whatever happened here.
    await commandAgent(agent, { type: 'setTraffic', ratePps: 5000, requestId: 'restore-rate' });
  }
});

test('zero-copy on veth is refused in the form with the words the agent would use', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls' });
  await form(page).getByTestId('form-copy').uncheck();
  await form(page).getByTestId('form-zeroCopy').check();
  await expect(form(page).getByTestId('form-zeroCopy-problem')).toContainText(
    'driver of rs-app does not support zero-copy AF_XDP: use copy mode',
  );
  await expect(form(page).getByTestId('form-submit')).toBeDisabled();
});

test('zero-copy left to the kernel: its refusal shows beside the button and the socket keeps receiving', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,rings' });
  await form(page).getByTestId('form-copy').uncheck();
  await form(page).getByTestId('form-zeroCopy').check();
  await form(page).getByTestId('form-checks').selectOption('kernel');
  await expect(form(page).getByTestId('form-zeroCopy-problem')).toHaveText('');
  await form(page).getByTestId('form-submit').click();

  const outcome = form(page).getByTestId('form-outcome');
  await expect(outcome).toHaveAttribute('data-state', 'refused', { timeout: 20_000 });
  await expect(outcome).toContainText('previous configuration was restored');
  // The socket that answers is the old configuration, still receiving.
  const rings = page.getByTestId('socket-xsk0');
  await expect(rings.getByTestId('socket-config')).toContainText('· copy ·');
  const rxProducer = rings.getByTestId('ring-rx-producer');
  const after = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(after + 100);
  // The refused draft stays in the form, to be corrected rather than typed again.
  await expect(form(page).getByTestId('form-zeroCopy')).toBeChecked();
});

test('ring size, chunk size and need_wakeup set in the form are applied and shown', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,rings,umem' });
  await form(page).getByTestId('form-rxSize').fill('512');
  await form(page).getByTestId('form-frameSize').fill('2048');
  await form(page).getByTestId('form-needWakeup').uncheck();
  await form(page).getByTestId('form-submit').click();
  await expect(form(page).getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });

  const rings = page.getByTestId('socket-xsk0');
  await expect(rings.getByTestId('ring-rx-size')).toHaveText('512');
  await expect(rings.getByTestId('socket-config')).toContainText('need_wakeup off');
  await expect(page.getByTestId('umem-xsk0')).toContainText('frames of 2048 B');
  const rxProducer = rings.getByTestId('ring-rx-producer');
  const first = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(first + 100);

  // The kernel's view, asked again now that frames came in: what the page shows is what the agent read.
  const controls = page.getByTestId('controls-xsk0');
  await controls.getByTestId('kernel-view-refresh').click();
  await expect(controls.getByTestId('kernel-view-outcome')).toHaveAttribute('data-state', 'done');
  const socket = (await agentState(agent)).sockets.find((entry) => entry.id === 'xsk0');
  if (!socket) throw new Error('the agent has no socket xsk0');
  const { kernel } = socket;
  const onOff = (value: boolean | null) => (value === null ? 'unknown' : value ? 'on' : 'off');
  const shown = {
    'rings.rx': kernel.rings.rx.candidates.join(' or '),
    chunkSize: String(kernel.chunkSize.value),
    fillNeedWakeup: onOff(kernel.fillNeedWakeup.value),
    txNeedWakeup: onOff(kernel.txNeedWakeup.value),
  };
  for (const [fact, value] of Object.entries(shown)) {
    await expect(controls.getByTestId(`kernel-${fact}`), fact).toHaveText(value);
  }
  // And what the agent read is what was asked: a 512-entry RX ring (three pages: exact) and 2048-byte chunks.
  expect([shown['rings.rx'], shown.chunkSize]).toEqual(['512', '2048']);
  await expect(controls.getByTestId('kernel-rings.rx-source')).toHaveText('mmap-probe');
  await expect(controls.getByTestId('kernel-chunkSize-source')).toHaveText('ring-contents');
  // need_wakeup off: copy mode on veth sets TX's flag at bind either way and never FILL's (agent/test/kernel-view.test.ts).
  await expect(controls.getByTestId('kernel-fillNeedWakeup-requested')).toHaveText('off');
  expect([shown.fillNeedWakeup, shown.txNeedWakeup]).toEqual(['off', 'on']);
  expect(socket.mismatches).toEqual([]);
  await expect(page.getByTestId('kernel-mismatches')).toHaveCount(0);
});

test('switching the workload to txonly from the form makes the socket send', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,rings' });
  await form(page).getByTestId('form-workload').selectOption('txonly');
  await form(page).getByTestId('form-ratePps').fill('2000');
  await form(page).getByTestId('form-submit').click();
  await expect(form(page).getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });

  const rings = page.getByTestId('socket-xsk0');
  await expect(rings.getByTestId('socket-workload')).toHaveText('txonly');
  const txProducer = rings.getByTestId('ring-tx-producer');
  const first = await numberIn(txProducer);
  await expect.poll(() => numberIn(txProducer)).toBeGreaterThan(first + 100);
  await expect.poll(() => numberIn(rings.getByTestId('tx-pps'))).toBeGreaterThan(500);
});

test('a second socket on a queue that already has one shows the agent’s reason beside the queue', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { view: 'controls' });
  const create = page.getByTestId('socket-form-new');
  await create.getByTestId('form-socketId').fill('second');
  await create.getByTestId('form-submit').click();
  await expect(create.getByTestId('form-queueId-problem')).toContainText('already has socket xsk0');
  await expect(create.getByTestId('form-outcome')).toHaveAttribute('data-state', 'refused');
});
