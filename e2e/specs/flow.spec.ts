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

/** Dots in flight per leg, as the flow overlay publishes them (`from-via-to:count`, space separated). */
async function legs(flow: Locator): Promise<Record<string, number>> {
  const text = (await flow.getAttribute('data-legs')) ?? '';
  return Object.fromEntries(
    text
      .split(' ')
      .filter(Boolean)
      .map((entry) => {
        const [name = '', count = '0'] = entry.split(':');
        return [name, Number(count)];
      }),
  );
}

test('descriptors travel FILL → kernel → RX → application → FILL under rxdrop, and stop with the traffic', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const flow = page.getByTestId('socket-xsk0').getByTestId('ring-flow');

  await expect
    .poll(async () => {
      // Dots live a moment: read the count in the same look as the legs, or a stalled source empties it in between.
      const counts = await legs(flow);
      const particles = Number(await flow.getAttribute('data-particles'));
      return (
        particles > 0 &&
        Object.keys(counts).length === 2 &&
        (counts['fill-kernel-rx'] ?? 0) > 0 &&
        (counts['rx-app-fill'] ?? 0) > 0
      );
    })
    .toBe(true);

  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');
  await expect(flow).toHaveAttribute('data-particles', '0');

  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Pause traffic');
  await expect.poll(async () => Number(await flow.getAttribute('data-particles'))).toBeGreaterThan(0);
});

test('pausing RX drain stops the application’s leg while the kernel still fills RX', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const socket = page.getByTestId('socket-xsk0');
  const flow = socket.getByTestId('ring-flow');
  await expect.poll(async () => (await legs(flow))['rx-app-fill']).toBeGreaterThan(0);

  await socket.getByTestId('stage-rxDrain').click();
  await expect(socket.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await legs(flow))['rx-app-fill']).toBe(0);

  await socket.getByTestId('stage-rxDrain').click();
  await expect(socket.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(async () => (await legs(flow))['rx-app-fill']).toBeGreaterThan(0);
});

test('the overlay spans the rings the workload joins, and follows them when presenter mode enlarges them', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const socket = page.getByTestId('socket-xsk0');
  const flow = socket.getByTestId('ring-flow');
  const square = (kind: string) => socket.getByTestId(`ring-${kind}-canvas`).boundingBox();
  // rxdrop joins FILL and RX: the overlay covers both squares and stops short of TX.
  const spans = async (side: number) => {
    const [overlay, fill, rx, tx] = await Promise.all([flow.boundingBox(), square('fill'), square('rx'), square('tx')]);
    if (!overlay || !fill || !rx || !tx || Math.round(fill.width) !== side) return false;
    return (
      overlay.x <= fill.x &&
      overlay.y <= fill.y &&
      overlay.x + overlay.width >= rx.x + rx.width &&
      overlay.y + overlay.height >= rx.y + rx.height &&
      overlay.x + overlay.width < tx.x
    );
  };
  await expect.poll(() => spans(150)).toBe(true);

  await page.getByTestId('presenter').click();
  await expect(page.getByTestId('presenter')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => spans(220)).toBe(true);
});
