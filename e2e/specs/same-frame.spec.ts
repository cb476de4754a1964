import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/** What Ringside writes over the payload of the frame it feeds twice (agent/src/dataplane/faults.ts). */
const MARK = 'ee';
/** A copy-mode receive writes from XDP_PACKET_HEADROOM (256) on; this byte lies past the received headers. */
const WATCHED = 256 + 60;

test('feeding one frame to FILL and TX is refused with the agent’s reason, then done deliberately: the ledger names it and a receive overwrites it', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings,controls' });
  const teaching = page.getByTestId('controls-xsk0').getByTestId('feed-same-frame');
  await teaching.getByTestId('feed-same-frame-button').click();
  await expect(teaching.getByTestId('feed-same-frame-refusal')).toHaveText(/^corruption risk: a frame in FILL and TX/);
  await expect(page.getByTestId('ledger-violations')).toBeHidden();

  // The frame needs a free FILL entry: hold refill while traffic takes some, then stop traffic so nothing moves.
  const rings = page.getByTestId('socket-xsk0');
  await rings.getByTestId('stage-fillRefill').click();
  await page.waitForTimeout(500);
  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');

  await teaching.getByTestId('feed-same-frame-deliberately').check();
  await teaching.getByTestId('feed-same-frame-button').click();
  await expect(teaching.getByTestId('feed-same-frame-outcome')).toHaveAttribute('data-state', 'done');
  await expect(teaching.getByTestId('feed-same-frame-refusal')).toHaveText('');

  const violations = page.getByTestId('ledger-violations');
  const violation = violations.getByTestId('violation').first();
  await expect(violation.getByTestId('violation-text')).toHaveText(
    /^frame \d+ is in fill but the application last gave it to TX$/,
  );
  await expect(violation).toHaveAttribute('data-current', 'true');
  const text = (await violation.getByTestId('violation-text').textContent()) ?? '';
  const frame = Number(/frame (\d+)/.exec(text)?.[1]);

  // From the violation to the frame's bytes: what was sent from it is still there, marked.
  await violation.getByTestId('violation-inspect').click();
  const inspector = page.getByTestId('inspector-xsk0');
  await expect(inspector.getByTestId('inspector-frame')).toHaveValue(String(frame));
  await expect(inspector.getByTestId('inspector-violation')).toContainText(`frame ${frame} is in fill`);
  await inspector.getByTestId('inspector-whole').check();
  const watched = inspector
    .getByTestId(`hex-row-${WATCHED - (WATCHED % 16)}`)
    .locator('.hex-bytes > span')
    .nth(WATCHED % 16);
  await expect(watched).toHaveText(MARK);

  // Traffic and refill again: the kernel receives into the frame it was also sending from.
  await page.getByTestId('traffic-toggle').click();
  await rings.getByTestId('stage-fillRefill').click();
  await expect(watched).not.toHaveText(MARK, { timeout: 20_000 });
  await expect(watched).toHaveClass(/changed/);
  // The ledger no longer sees the frame in two places, and the page still shows that it did.
  await expect(violation).toHaveAttribute('data-current', 'false');
  await expect(violation.getByTestId('violation-text')).toContainText(`frame ${frame} is in fill`);
});
