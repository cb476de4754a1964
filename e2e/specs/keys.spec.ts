import { expect, type Page, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { attachedReceiver, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/** Opens a second socket, on queue 1 with a UMEM of its own, through the page's form. */
async function openSecondSocket(page: Page, socketId: string): Promise<void> {
  await openExplorer(page, agent.controlUrl, { view: 'controls' });
  const form = page.getByTestId('socket-form-new');
  await form.getByTestId('form-socketId').fill(socketId);
  await form.getByTestId('form-queueId').fill('1');
  await form.getByTestId('form-submit').click();
  await expect(form.getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });
}

test('? lists every key, says which socket they act on, and Escape closes the list', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const overlay = page.getByTestId('shortcuts-overlay');
  await expect(overlay).toHaveCount(0);
  await page.keyboard.press('?');
  await expect(overlay).toBeVisible();
  await expect(overlay.getByRole('heading', { name: 'Keys' })).toBeVisible();
  await expect(overlay.getByTestId('shortcuts-target')).toHaveText('acting on xsk0');
  for (const key of ['p', 's', '1–4', 't', '[', ']', 'r', 'u', 'c', 'o', 'i', 'e', '?', 'Esc']) {
    await expect(overlay.getByTestId(`shortcut-${key}`)).toBeVisible();
  }
  await expect(overlay.getByTestId('shortcut-p')).toContainText('pause every stage');
  await page.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);
  // The sidebar's button opens the same list.
  await page.getByTestId('shortcuts-open').click();
  await expect(overlay).toBeVisible();
  await overlay.getByTestId('shortcuts-close').click();
  await expect(overlay).toHaveCount(0);
});

test('keys switch views: a letter shows its view alone, with Shift beside the others', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  await page.keyboard.press('u');
  await expect(page.getByTestId('view-umem-panels')).toBeVisible();
  await expect(page.getByTestId('view-rings-panels')).toHaveCount(0);
  await page.keyboard.press('Shift+C');
  await expect(page.getByTestId('view-counters-panels')).toBeVisible();
  await expect(page.getByTestId('view-umem-panels')).toBeVisible();
  await expect(page.getByTestId('view-umem')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('r');
  await expect(page.getByTestId('view-rings-panels')).toBeVisible();
  await expect(page.getByTestId('view-counters-panels')).toHaveCount(0);
});

test('a view button brings its view into sight at 1280×720: alone on a click, beside the others on Shift+click', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings,counters' });
  await expect(page.getByTestId('view-counters-panels')).toBeVisible();

  // A click switches, as the key does.
  await page.getByTestId('view-umem').click();
  await expect(page.getByTestId('view-umem-panels')).toBeInViewport();
  await expect(page.getByTestId('view-rings-panels')).toHaveCount(0);
  await expect(page.getByTestId('view-counters-panels')).toHaveCount(0);
  await expect(page.getByTestId('view-umem')).toHaveAttribute('aria-pressed', 'true');

  // Shift+click adds it after the others, below the fold: the page scrolls to it.
  await page.getByTestId('view-rings').click();
  await page.getByTestId('view-counters').click({ modifiers: ['Shift'] });
  await page.getByTestId('view-topology').click({ modifiers: ['Shift'] });
  const topology = page.getByTestId('view-topology-panels');
  await expect(topology).toBeInViewport();
  const top = await topology.evaluate((section) => section.getBoundingClientRect().top + window.scrollY);
  expect(top).toBeGreaterThan(720);
  await expect(page.getByTestId('view-rings-panels')).toBeVisible();
  await expect(page.getByTestId('view-counters-panels')).toBeVisible();

  // Shift+click on a view shown takes it away.
  await page.getByTestId('view-counters').click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('view-counters-panels')).toHaveCount(0);
  await expect(topology).toBeVisible();
});

test('keys act on the socket selected by a click or by [ and ], not on the first one shown', async ({ page }) => {
  await openSecondSocket(page, 'second');
  await openExplorer(page, agent.controlUrl, { view: 'rings' });
  const first = page.getByTestId('socket-xsk0');
  const second = page.getByTestId('socket-second');
  await expect(page.getByTestId('slot-rings-xsk0')).toHaveAttribute('data-selected', 'true');

  await second.getByRole('heading', { name: 'second' }).click();
  await expect(page.getByTestId('slot-rings-second')).toHaveAttribute('data-selected', 'true');
  await expect(page.getByTestId('slot-rings-xsk0')).toHaveAttribute('data-selected', 'false');
  await page.keyboard.press('2');
  await expect(second.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');
  await expect(first.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');

  await page.keyboard.press('[');
  await expect(page.getByTestId('slot-rings-xsk0')).toHaveAttribute('data-selected', 'true');
  await page.keyboard.press('2');
  await expect(first.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');
  await expect(second.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');

  await page.keyboard.press('2');
  await page.keyboard.press(']');
  await page.keyboard.press('2');
  await expect(first.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');
  await expect(second.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');
});

test('on a socket attached read-only, keys that would change it do nothing and say so; the others still act', async ({
  page,
}) => {
  const owner = await startAgent(['--rate', '1000', '--lab-queues', '1']);
  try {
    const id = (await attachedReceiver(agent, owner)).id;
    await openExplorer(page, agent.controlUrl, { view: 'rings' });
    const own = page.getByTestId('socket-xsk0');
    await page.getByTestId(`socket-${id}`).getByRole('heading', { name: id }).click();
    await expect(page.getByTestId(`slot-rings-${id}`)).toHaveAttribute('data-selected', 'true');
    await expect(page.getByTestId('slot-rings-xsk0')).toHaveAttribute('data-selected', 'false');

    // Before, the keys fell back to the first own socket: this paused xsk0's RX drain.
    await page.keyboard.press('2');
    await expect(page.locator('.notice-message', { hasText: `${id} is another process's socket` })).toHaveText(
      `${id} is another process's socket, attached read-only: 2 changes nothing there`,
    );
    await expect(own.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press('?');
    await expect(page.getByTestId('shortcuts-target')).toHaveText(
      `acting on ${id} · attached read-only: keys that change a socket do nothing`,
    );
    await page.keyboard.press('Escape');

    // [ and ] still move among every socket shown, the attached one included, and the keys act on the own one.
    await page.keyboard.press(']');
    await expect(page.getByTestId('slot-rings-xsk0')).toHaveAttribute('data-selected', 'true');
    await page.keyboard.press('2');
    await expect(own.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('2');
    await expect(own.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');
  } finally {
    await owner.stop();
  }
});
