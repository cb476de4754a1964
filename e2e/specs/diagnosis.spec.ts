import { expect, type Page, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { attachedReceiver, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000', '--lab-queues', '2']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/** xsk0's panel on the rings view, once its diagnosis reads "receiving": where each test starts from. */
async function receivingXsk0(page: Page) {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const socket = page.getByTestId('socket-xsk0');
  const diagnosis = socket.getByTestId('diagnosis');
  await expect(diagnosis).toHaveAttribute('data-verdict', 'receiving');
  return { socket, diagnosis };
}

test('a healthy socket says "receiving", every stage holds, and its rising tx_ring_empty_descs is explained, not highlighted', async ({
  page,
}) => {
  const { socket } = await receivingXsk0(page);
  await expect(socket.getByTestId('diagnosis-line')).toHaveText(/receiving: \d+ frames\/s/);

  await socket.getByTestId('diagnosis-line').click();
  const stages = socket.getByTestId('diagnosis-stages').locator('li');
  await expect(stages).toHaveCount(8);
  await expect(socket.locator('[data-testid^="diagnosis-"][data-status="ok"]')).toHaveCount(8);
  await expect(socket.getByTestId('diagnosis-queue')).toContainText('arrive on queue 0');

  const emptyDescs = socket.getByTestId('stat-txRingEmptyDescs-row');
  await expect(emptyDescs).toHaveAttribute('data-rising', 'true');
  await expect(emptyDescs).toHaveAttribute('data-highlighted', 'false');
  await expect(socket.getByTestId('stat-txRingEmptyDescs-why')).toContainText('expected: each poll');
  await expect(socket.locator('tr.rising')).toHaveCount(0);

  // The counters view follows the same rule.
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'counters' });
  const chart = page.getByTestId('counters-xsk0').getByTestId('chart-txRingEmptyDescs');
  await expect(chart).toHaveAttribute('data-rising', 'true');
  await expect(chart).toHaveAttribute('data-highlighted', 'false');
  await expect(chart.getByTestId('chart-txRingEmptyDescs-why')).toContainText('expected: each poll');
});

test('traffic moved to the other queue: the verdict names the queue stage and the fix', async ({ page }) => {
  const { socket, diagnosis } = await receivingXsk0(page);

  await page.getByTestId('traffic-queue-1').check();
  await page.getByTestId('traffic-queue-0').uncheck();
  await page.getByTestId('traffic-path-apply').click();
  await expect(page.getByTestId('traffic-summary')).toContainText('on queue 1 to UDP');

  await expect(diagnosis).toHaveAttribute('data-failing', 'queue');
  await expect(socket.getByTestId('diagnosis-line')).toContainText('frames arrive on queue 1');
  await expect(socket.getByTestId('diagnosis-line')).toContainText('none on queue 0, the one xsk0 is bound to');
  await socket.getByTestId('diagnosis-line').click();
  await expect(socket.getByTestId('diagnosis-queue')).toHaveAttribute('data-status', 'failing');
  await expect(socket.getByTestId('diagnosis-queue')).toContainText('ethtool -L rs-app combined 1');

  await page.getByTestId('traffic-queue-0').check();
  await page.getByTestId('traffic-queue-1').uncheck();
  await page.getByTestId('traffic-path-apply').click();
  await expect(diagnosis).toHaveAttribute('data-verdict', 'receiving');
});

test('with the lab’s source paused, the verdict says so first and names the fix, and clears once it resumes', async ({
  page,
}) => {
  const { socket, diagnosis } = await receivingXsk0(page);

  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText(/resume/i);
  await expect(diagnosis).toHaveAttribute('data-verdict', 'quiet');
  await expect(socket.getByTestId('diagnosis-line')).toContainText(
    "nothing received: the lab's traffic source is paused: resume it in the traffic controls",
  );

  await page.getByTestId('traffic-toggle').click();
  await expect(diagnosis).toHaveAttribute('data-verdict', 'receiving');
});

test.describe('another process’s socket, attached read-only', () => {
  let owner: RunningAgent;

  test.beforeAll(async () => {
    // The foreign process: a second agent whose lab's xsk0 receives 5000 frames a second.
    owner = await startAgent(['--rate', '5000', '--lab-queues', '1']);
  });

  test.afterAll(async () => {
    await owner?.stop();
  });

  test('gets a verdict from what is known of it, naming the stages Ringside cannot judge', async ({ page }) => {
    const { id } = await attachedReceiver(agent, owner);

    await openExplorer(page, agent.controlUrl, { view: 'rings' });
    const panel = page.getByTestId(`socket-${id}`);
    await expect(panel).toHaveAttribute('data-origin', 'attached');
    // Received frames show as RX's producer moving: the owner's counters are its own.
    await expect(panel.getByTestId('diagnosis')).toHaveAttribute('data-verdict', 'receiving');
    await expect(panel.getByTestId('diagnosis-line')).toHaveText(
      /receiving: \d+ frames\/s \(not judged: link, queue, .*xskmap.*\)$/,
    );
    await panel.getByTestId('diagnosis-line').click();
    await expect(panel.getByTestId('diagnosis-stages').locator('li')).toHaveCount(8);
    await expect(panel.getByTestId('diagnosis-xskmap')).toHaveAttribute('data-status', 'unknown');
    await expect(panel.getByTestId('diagnosis-xskmap')).toContainText('not judged');
    await expect(panel.getByTestId('diagnosis-fill')).toHaveAttribute('data-status', 'ok');
    await expect(panel.getByTestId('diagnosis-rx')).toHaveAttribute('data-status', 'ok');
  });
});
