import { expect, type Page, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer } from './explorer.ts';

/**
 * Sharing a UMEM and steering frames, driven only through the page on a lab
 * with two queues. Each test gets a fresh agent: they create sockets and
 * change the program, and must not see each other's.
 */
let agent: RunningAgent;

test.beforeEach(async () => {
  agent = await startAgent(['--rate', '5000', '--lab-queues', '2']);
});

test.afterEach(async () => {
  await agent?.stop();
});

async function createSharingSocket(page: Page, socketId: string, queueId: number): Promise<void> {
  const form = page.getByTestId('socket-form-new');
  await form.getByTestId('form-socketId').fill(socketId);
  await form.getByTestId('form-umemId').selectOption('xsk0-umem');
  // The shared UMEM's configuration is the kernel's to keep: the form locks it.
  await expect(form.getByTestId('form-frameCount')).toBeDisabled();
  await form.getByTestId('form-queueId').fill(String(queueId));
  await form.getByTestId('form-submit').click();
  await expect(form.getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });
}

test('two sockets on one queue share one UMEM and one FILL/COMPLETION pair, and round-robin feeds both', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { view: 'topology,controls' });
  const program = page.getByTestId('program-rs-app');
  await expect(program.getByTestId('program-kind')).toHaveText('by-queue');

  const programForm = page.getByTestId('program-form-rs-app');
  await programForm.getByTestId('program-kind-select').selectOption('round-robin');
  await programForm.getByTestId('program-apply').click();
  await expect(programForm.getByTestId('program-outcome')).toHaveText('loaded', { timeout: 20_000 });
  await expect(program.getByTestId('program-kind')).toHaveText('round-robin');

  await createSharingSocket(page, 'twin', 0);

  const sharing = page.getByTestId('sharing-xsk0-umem');
  await expect(sharing.getByTestId('sharing-sockets')).toHaveText('xsk0, twin');
  await expect(sharing).toHaveAttribute('data-pairs', '1');
  await expect(sharing.getByTestId('pair-rs-app-0')).toHaveText('rs-app queue 0: xsk0, twin');
  // The diagram agrees: one pair node serving both sockets, one UMEM shared by both.
  await expect(page.locator('[data-testid^="topo-pair:"]')).toHaveCount(1);
  await expect(page.getByTestId('topo-pair:xsk0-umem:rs-app:0')).toContainText('serves xsk0, twin');
  await expect(page.getByTestId('topo-umem:xsk0-umem')).toContainText('shared by xsk0, twin');
  await expect(page.getByTestId('topo-xskmap:rs-app:0')).toContainText('→ xsk0');
  await expect(page.getByTestId('topo-xskmap:rs-app:1')).toContainText('→ twin');

  // The program's own counter of frames redirected to a socket climbs, and round-robin reaches both sockets.
  const redirected = program.getByTestId('program-redirected');
  const before = await numberIn(redirected);
  await expect.poll(() => numberIn(redirected)).toBeGreaterThan(before + 1000);
  await expect(page.getByTestId('topo-socket:xsk0')).toHaveAttribute('data-status', 'ok');
  await expect(page.getByTestId('topo-socket:twin')).toHaveAttribute('data-status', 'ok');
  await expect(program.getByTestId('diagnoses')).toBeEmpty();
});

test('a socket sharing the UMEM from queue 1 brings a second pair, and receives once traffic goes to queue 1', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { view: 'rings,topology,controls' });
  await createSharingSocket(page, 'far', 1);

  const sharing = page.getByTestId('sharing-xsk0-umem');
  await expect(sharing).toHaveAttribute('data-pairs', '2');
  await expect(sharing.getByTestId('pair-rs-app-0')).toHaveText('rs-app queue 0: xsk0');
  await expect(sharing.getByTestId('pair-rs-app-1')).toHaveText('rs-app queue 1: far');
  await expect(page.locator('[data-testid^="topo-pair:"]')).toHaveCount(2);
  await expect(page.getByTestId('topo-umem:xsk0-umem')).toContainText('shared by xsk0, far');
  // Traffic is still on queue 0: the page says far cannot receive anything.
  await expect(page.getByTestId('starved')).toContainText('far is bound to queue 1, but frames arrive on queue 0');
  expect(await numberIn(page.getByTestId('socket-far').getByTestId('rx-pps'))).toBe(0);

  await page.getByTestId('traffic-queue-1').check();
  await page.getByTestId('traffic-queue-0').uncheck();
  await page.getByTestId('traffic-path-apply').click();
  await expect(page.getByTestId('traffic-summary')).toContainText('on queue 1 to UDP');

  await expect.poll(() => numberIn(page.getByTestId('socket-far').getByTestId('rx-pps'))).toBeGreaterThan(1000);
  // Each socket gets its own queue's frames only: xsk0, on queue 0, now gets none.
  await expect.poll(() => numberIn(page.getByTestId('socket-xsk0').getByTestId('rx-pps'))).toBe(0);
  await expect(page.getByTestId('topo-edge-source>queue:rs-app:1')).toHaveClass(/active/);
  await expect(page.getByTestId('starved')).toContainText('xsk0 is bound to queue 0, but frames arrive on queue 1');
});

test('a socket moved to queue 1 while traffic stays on queue 0: the program passes frames for the empty index, and says so', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'topology,controls' });
  const form = page.getByTestId('socket-form-xsk0');
  await form.getByTestId('form-queueId').fill('1');
  await form.getByTestId('form-submit').click();
  await expect(form.getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });

  const program = page.getByTestId('program-rs-app');
  await expect.poll(() => numberIn(program.getByTestId('program-noSocket-rate'))).toBeGreaterThan(1000);
  await expect.poll(() => numberIn(program.getByTestId('program-passed-rate'))).toBeGreaterThan(1000);
  // Frames redirected before the move leave the rate window within seconds.
  await expect.poll(() => numberIn(program.getByTestId('program-redirected-rate'))).toBe(0);
  await expect(program.getByTestId('program-noSocket-row')).toHaveAttribute('data-rising', 'true');
  await expect(program.getByTestId('diagnoses')).toContainText(
    'queue 0 has frames but XSKMAP index 0 is empty: passed to the kernel stack (xsk0 is bound to queue 1',
  );
  await expect(page.getByTestId('topo-xskmap:rs-app:0')).toHaveAttribute('data-status', 'warn');
  await expect(page.getByTestId('topo-xskmap:rs-app:0')).toContainText('frames passed to stack');
  await expect(page.getByTestId('topo-xskmap:rs-app:1')).toContainText('→ xsk0');
  await expect(page.getByTestId('starved')).toContainText('xsk0 is bound to queue 1, but frames arrive on queue 0');
});
