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

interface Drawing {
  paints: number;
  readings: number;
  stales: number;
}

/**
 * How many times the flow overlay drew, how many readings it had and how many went stale, as it last published
 * them: read in one evaluation, so no draw can fall between two of the numbers.
 */
async function drawing(flow: Locator): Promise<Drawing> {
  const { paints, readings, stales } = await flow.evaluate((canvas: HTMLElement) => ({ ...canvas.dataset }));
  return { paints: Number(paints), readings: Number(readings), stales: Number(stales) };
}

/** Draws, readings and stale readings while four more readings arrived. */
async function paintsOverFourReadings(flow: Locator): Promise<Drawing> {
  const start = await drawing(flow);
  let now = start;
  await expect
    .poll(async () => {
      now = await drawing(flow);
      return now.readings - start.readings;
    })
    .toBeGreaterThanOrEqual(4);
  return {
    paints: now.paints - start.paints,
    readings: now.readings - start.readings,
    stales: now.stales - start.stales,
  };
}

test('with reduced motion the flow stops: descriptors stand at rest, redrawn once per reading', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  // Two readings a second: a page that animates draws many frames between two readings, even on a machine
  // too busy for sixty frames a second, so a draw per frame and a draw per reading cannot be mistaken.
  const rate = page.locator('section.controls', { hasText: 'Snapshots' }).locator('select');
  await rate.selectOption('2');
  // The new rate is a new prop of the overlay, so one more draw: it lands before the counting starts.
  await expect(rate).toHaveValue('2');
  const flow = page.getByTestId('socket-xsk0').getByTestId('ring-flow');
  await expect(flow).toHaveAttribute('data-motion', 'still');
  // Traffic flows, so the descriptors are there to see, standing on the legs FILL → RX → FILL.
  await expect.poll(async () => Number(await flow.getAttribute('data-particles'))).toBeGreaterThan(0);
  await expect(flow).toHaveAttribute('data-legs', /fill-kernel-rx:[1-9]/);
  const still = await paintsOverFourReadings(flow);
  // A draw per reading, and one when a reading goes stale before the next comes (a busy machine may delay one
  // past a second), never one per frame; a re-measure that finds the rings where they were draws nothing.
  expect(still.paints).toBeLessThanOrEqual(still.readings + still.stales);

  // The same page once the reader no longer asks for less motion: dots travel, drawn every frame.
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  await expect(flow).toHaveAttribute('data-motion', 'moving');
  // The measurement that held still above fails here: more draws than readings.
  const moving = await paintsOverFourReadings(flow);
  expect(moving.paints).toBeGreaterThan(moving.readings + moving.stales + 1);
});
