import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { VIEWS, type View } from '../../web/src/url-state.ts';
import { inspectHeldRxFrame, numberIn, openExplorer, VIEW_READY, withRxHeld } from './explorer.ts';

/**
 * Listed after every other spec (see playwright.config.ts), keeps a picture
 * of each view under docs/screenshots/, at the 1280×720 the page is made
 * for: the README shows them. Each picture is taken once the view shows
 * what it is for (frames moving, a chart with history, a decoded frame),
 * never after a fixed wait.
 */
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/** Resolves once the flow overlay of xsk0 draws descriptors. */
async function flowing(page: Page): Promise<void> {
  const flow = page.getByTestId('socket-xsk0').getByTestId('ring-flow');
  await expect.poll(async () => Number(await flow.getAttribute('data-particles'))).toBeGreaterThan(0);
}

/** What each view must show before its picture is worth keeping. */
const READY: Record<View, (page: Page) => Promise<void>> = {
  ...VIEW_READY,
  rings: async (page) => {
    const producer = page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer');
    await expect.poll(() => numberIn(producer)).toBeGreaterThan(0);
    await flowing(page);
  },
  counters: async (page) => {
    // Ten seconds of history at a point per 200 ms: a line, not a dot.
    const chart = page.getByTestId('chart-rxPps');
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(50);
    const svg = chart.locator('svg');
    const box = await svg.boundingBox();
    if (box) await svg.hover({ position: { x: box.width - 40, y: box.height / 2 } });
    await expect(chart.getByTestId('chart-rxPps-readout')).toBeVisible();
  },
  inspector: async (page) => {
    // Taken with RX held (withRxHeld): received frames stay still while the page reads one.
    const inspector = await inspectHeldRxFrame(page, 'xsk0');
    await expect(inspector.getByTestId('packet-udp-destinationPort')).toHaveText('4242');
  },
};

for (const view of VIEWS) {
  // Both themes from one page: the second picture needs no new page, and the counters view keeps its history.
  test(`the ${view} view in the dark and light themes`, async ({ page }) => {
    await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view, theme: 'dark' });
    await expect(page.getByTestId(`view-${view}-panels`)).toBeVisible();
    const take = async () => {
      for (const theme of ['dark', 'light']) {
        await page.getByTestId('theme').selectOption(theme);
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        await READY[view](page);
        await page.screenshot({ path: `${SCREENSHOTS}${view}-${theme}.png`, fullPage: true });
      }
    };
    await (view === 'inspector' ? withRxHeld(agent, 'xsk0', take) : take());
  });
}

test('presenter mode', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings', presenter: '1', theme: 'dark' });
  await expect(page.locator('html')).toHaveClass(/presenter/);
  await flowing(page);
  await page.screenshot({ path: `${SCREENSHOTS}presenter.png`, fullPage: true });
});

test('the keys, listed by ?', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings', theme: 'dark' });
  await flowing(page);
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts-overlay')).toBeVisible();
  await page.screenshot({ path: `${SCREENSHOTS}keys.png` });
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
  await expect(page.getByTestId('program-redirected-rate')).not.toHaveText('');
  await page.getByTestId('topology').screenshot({ path: `${SCREENSHOTS}topology-shared.png` });
});
