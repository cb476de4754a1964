import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer, settled } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/** What Ringside writes over the payload of the frame it feeds twice (agent/src/dataplane/teaching-faults.ts). */
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

  // The frame needs a free FILL entry: hold refill until traffic has taken some, then stop traffic so nothing moves.
  // While refill runs FILL stays nearly full, so a FILL half empty is one seen after refill stopped.
  const rings = page.getByTestId('socket-xsk0');
  await rings.getByTestId('stage-fillRefill').click();
  await expect(rings.getByTestId('stage-fillRefill')).toHaveAttribute('aria-pressed', 'true');
  const fillSize = await numberIn(rings.getByTestId('ring-fill-size'));
  const fillUsed = rings.getByTestId('ring-fill-used');
  await expect.poll(() => numberIn(fillUsed)).toBeLessThan(fillSize / 2);
  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');
  // Frames sent before the pause still land, each in the next FILL entry: once RX holds still none is on its way.
  await settled(page, () => numberIn(rings.getByTestId('ring-rx-producer')));
  // The fed frame goes in behind what FILL holds, so a frame that still came would land in another. Those frames
  // may have emptied FILL on a busy machine: one step of refill then puts a batch back, with nothing to take it.
  if ((await numberIn(fillUsed)) === 0) {
    await rings.getByTestId('step').click();
    await expect.poll(() => numberIn(fillUsed)).toBeGreaterThan(0);
  }

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
  // A byte is marked changed from one read to the next, and a read every second would clear the mark
  // a second later, maybe before the assertion looks: the test reads the frame itself from here on, once
  // every read already asked for has come back (one answered after traffic resumes would take the change).
  await inspector.getByTestId('inspector-auto').uncheck();
  await expect(inspector).toHaveAttribute('data-reading', 'done');

  // Traffic and refill again: the kernel receives into the frame it was also sending from.
  await page.getByTestId('traffic-toggle').click();
  await rings.getByTestId('stage-fillRefill').click();
  // The ledger no longer sees the frame in two places once the kernel took it from FILL, which it publishes
  // only after writing into it; the page still shows that it did.
  await expect(violation).toHaveAttribute('data-current', 'false', { timeout: 20_000 });
  await expect(violation.getByTestId('violation-text')).toContainText(`frame ${frame} is in fill`);
  await inspector.getByTestId('inspector-read').click();
  await expect(watched).not.toHaveText(MARK);
  await expect(watched).toHaveClass(/changed/);
});
