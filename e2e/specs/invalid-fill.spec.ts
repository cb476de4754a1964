import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  // At 1000 frames/s the kernel reaches an address posted behind a full FILL of 2048 in about two seconds.
  agent = await startAgent(['--rate', '1000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('an invalid FILL address posted from the page shows in the ledger until the kernel skips it, and rx_invalid_descs stays 0', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings,controls' });
  const controls = page.getByTestId('controls-xsk0');
  const socket = page.getByTestId('socket-xsk0');
  const received = await numberIn(socket.getByTestId('ring-rx-producer'));

  await controls.getByTestId('inject-invalid-fill').click();
  await expect(controls.getByTestId('outcome-inject-fill:xsk0')).toHaveAttribute('data-state', 'done');
  const violation = page.getByTestId('ledger-violations').getByTestId('violation').first();
  await expect(violation.getByTestId('violation-text')).toHaveText(
    /^fill holds an address outside the UMEM \(frame \d+\)$/,
  );

  // Traffic goes on: the kernel reaches the address, skips it and receives into the next entry.
  await expect(violation).toHaveAttribute('data-current', 'false', { timeout: 20_000 });
  await expect.poll(() => numberIn(socket.getByTestId('ring-rx-producer'))).toBeGreaterThan(received);
  await expect(socket.getByTestId('stat-rxInvalidDescs')).toHaveText('0');
});
