import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { agentDetail, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('hovering a ring slot shows the descriptor in it and the chunk it points to, as the agent holds them', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings' });
  const rings = page.getByTestId('socket-xsk0');
  // RX left undrained fills and stands still: the slot's descriptor does not move while the page and a client read it.
  await rings.getByTestId('stage-rxDrain').click();
  const size = (await rings.getByTestId('ring-rx-size').textContent()) ?? '';
  await expect(rings.getByTestId('ring-rx-used')).toHaveText(size);

  // Twelve o'clock on the ring's band is slot 0.
  const canvas = rings.getByTestId('ring-rx-canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the RX ring is not drawn');
  const side = box.width;
  const band = side / 2 - 17; // between the band's inner (side/2 - 24) and outer (side/2 - 10) radius
  await canvas.hover({ position: { x: side / 2, y: side / 2 - band } });
  const tooltip = page.getByTestId('slot-tooltip');
  await expect(tooltip).toContainText('rx slot 0');
  await expect(tooltip.locator('dd').first()).not.toBeEmpty();

  const detail = await agentDetail(agent, 'xsk0');
  const rx = detail.rings.rx;
  const entries = detail.entries.rx;
  if (!rx || !entries) throw new Error('xsk0 has no RX ring');
  const index = (0 - (rx.consumer % rx.size) + rx.size) % rx.size;
  const address = entries.addresses[index] as number;
  await expect(tooltip).toContainText(`addr${address}`);
  await expect(tooltip).toContainText(`len${entries.lengths[index]}`);
  await expect(tooltip).toContainText(`chunk${Math.floor(address / 4096)}`);
  await expect(tooltip).toContainText('rx');
});
