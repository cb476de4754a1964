import { expect, type Locator, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/**
 * The readout's value at the newest point, hovering again until it is above 0:
 * a rate over the last second reads 0 for a moment whenever a busy machine holds
 * the traffic source back that long, so one look at one instant proves nothing.
 */
async function risingReadout(chart: Locator, field: string): Promise<Locator> {
  let readout = chart.getByTestId(`chart-${field}-readout`);
  await expect
    .poll(async () => {
      readout = await hoverNow(chart, field);
      return Number(await readout.getAttribute('data-value'));
    })
    .toBeGreaterThan(0);
  return readout;
}

/** Points the pointer at the newest point of a chart (at "now", the plot's right end) and returns the readout. */
async function hoverNow(chart: Locator, field: string): Promise<Locator> {
  const svg = chart.locator('svg');
  const box = await svg.boundingBox();
  if (!box) throw new Error(`the ${field} chart is not on the page`);
  // The plot ends 14 px short of the chart's right edge, leaving room for the last label.
  await svg.hover({ position: { x: box.width - 15, y: box.height / 2 } });
  return chart.getByTestId(`chart-${field}-readout`);
}

test('hovering a chart reads out the value under the pointer', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'counters' });
  const chart = page.getByTestId('counters-xsk0').getByTestId('chart-rxPps');
  await expect.poll(async () => Number(await chart.getAttribute('data-latest'))).toBeGreaterThan(0);
  const readout = await risingReadout(chart, 'rxPps');
  await expect(readout).toBeVisible();
  await expect(readout).toHaveText(/^[\d.]+K? · (now|[\d.]+ s ago)$/);
  await page.mouse.move(0, 0);
  await expect(readout).toHaveCount(0);
});

test('a counter is charted as a rate per second, with its total beside it', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'counters' });
  const chart = page.getByTestId('counters-xsk0').getByTestId('chart-rxFillRingEmptyDescs');
  const total = chart.getByTestId('chart-rxFillRingEmptyDescs-total');
  await expect(total).toHaveText(/^total \d+$/);
  const totalNow = async () => Number((await total.textContent())?.replace('total ', ''));
  // Not necessarily 0: a data plane held back a moment on a busy machine leaves FILL empty, and the kernel counts it.
  const baseline = await totalNow();
  // FILL left unrefilled: the kernel runs out of frames and counts every frame it drops for that.
  await page.keyboard.press('1');
  await expect(chart).toHaveAttribute('data-rising', 'true');
  await expect.poll(async () => Number(await chart.getAttribute('data-latest'))).toBeGreaterThan(100);
  const readout = await risingReadout(chart, 'rxFillRingEmptyDescs');
  await expect(readout).toHaveText(/\/s · (now|[\d.]+ s ago)$/);
  await expect.poll(totalNow).toBeGreaterThan(baseline);
  const counted = await totalNow();
  // The rate above came from a snapshot sampled with refill paused, so the page's last one shows it paused: 1 resumes.
  await page.keyboard.press('1');
  // Refilled, the counter stops rising and its rate falls back to nothing, while the total stays.
  await expect.poll(async () => Number(await chart.getAttribute('data-latest')), { timeout: 20_000 }).toBe(0);
  expect(await totalNow()).toBeGreaterThanOrEqual(counted);
});

test('charts take the width their container gives them', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'counters' });
  const chart = page.getByTestId('counters-xsk0').getByTestId('chart-rxPps');
  /** The chart's drawing and the room its figure has for it (its width less 4 px of padding each side). */
  const widths = async () => {
    const [svg, figure] = await Promise.all([chart.locator('svg').boundingBox(), chart.boundingBox()]);
    return { svg: Math.round(svg?.width ?? 0), room: Math.floor((figure?.width ?? 0) - 8) };
  };
  const fills = async () => {
    const { svg, room } = await widths();
    return svg > 0 && Math.abs(svg - room) <= 1;
  };
  await expect.poll(fills).toBe(true);
  const wide = (await widths()).svg;
  // Narrower, the page has two charts a row instead of three, each still filling its place.
  await page.setViewportSize({ width: 900, height: 720 });
  await expect.poll(async () => (await widths()).svg).not.toBe(wide);
  await expect.poll(fills).toBe(true);
});
