import { expect, type Locator, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { agentFrame, numberIn, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/**
 * Resumes RX drain, for the next test to find it flowing. The button toggles from the page's last snapshot: it is
 * pressed once that shows the drain paused, or a stale one would pause it again.
 */
async function drainAgain(rings: Locator): Promise<void> {
  const rxDrain = rings.getByTestId('stage-rxDrain');
  await expect(rxDrain).toHaveAttribute('aria-pressed', 'true');
  await rxDrain.click();
  await expect(rxDrain).toHaveAttribute('aria-pressed', 'false');
}

test('the inspector decodes a frame the lab sent, from the bytes the agent holds for it', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings,inspector' });
  const rings = page.getByTestId('socket-xsk0');
  // RX left undrained: the frames it holds stay put while the page and a second client read them.
  await rings.getByTestId('stage-rxDrain').click();
  await expect(rings.getByTestId('ring-rx-used')).toHaveText(
    (await rings.getByTestId('ring-rx-size').textContent()) ?? '',
  );

  const inspector = page.getByTestId('inspector-xsk0');
  await inspector.getByTestId('inspector-next-rx').click();
  await expect(inspector.getByTestId('inspector-owner')).toHaveText('rx');
  // RX holds the frame's descriptor: its place and length in the chunk are known, not guessed.
  await expect(inspector.getByTestId('inspector-offset')).toContainText('from its descriptor on RX');
  await expect(inspector.getByTestId('inspector-length')).toHaveText('128');
  await expect(inspector.getByTestId('packet-ethernet-etherType')).toHaveText('0x0800 IPv4');
  await expect(inspector.getByTestId('packet-ipv4-source')).toHaveText('198.18.0.2');
  await expect(inspector.getByTestId('packet-ipv4-destination')).toHaveText('198.18.0.1');
  await expect(inspector.getByTestId('packet-ipv4-protocol')).toHaveText('17 UDP');
  await expect(inspector.getByTestId('packet-ipv4-checksum')).toContainText('correct');
  await expect(inspector.getByTestId('packet-udp-destinationPort')).toHaveText('4242');

  // The same frame read by a separate client: the page's numbers are these bytes, at the offset the page shows.
  const frame = Number(await inspector.getByTestId('inspector-frame').inputValue());
  const offset = Number(await inspector.getByTestId('inspector-offset').getAttribute('data-offset'));
  const bytes = await agentFrame(agent, 'xsk0', frame);
  expect(Array.from(bytes.subarray(offset + 26, offset + 30))).toEqual([198, 18, 0, 2]);
  expect(Array.from(bytes.subarray(offset + 30, offset + 34))).toEqual([198, 18, 0, 1]);
  expect(((bytes[offset + 36] as number) << 8) | (bytes[offset + 37] as number)).toBe(4242);
  const row = offset - (offset % 16);
  const shown = await inspector.getByTestId(`hex-row-${row}`).locator('.hex-bytes > span').allInnerTexts();
  expect(shown).toEqual(Array.from(bytes.subarray(row, row + 16), (b) => b.toString(16).padStart(2, '0')));

  await drainAgain(rings);
});

test('a frame is read again every second: bytes a new receive wrote are marked, and the URL keeps the frame', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'inspector' });
  const inspector = page.getByTestId('inspector-xsk0');
  await inspector.getByTestId('inspector-frame').fill('4096');
  await expect(inspector.getByTestId('inspector-read')).toBeDisabled();
  await expect(inspector.getByTestId('inspector-problem')).toHaveText('a frame number from 0 to 4095');
  await inspector.getByTestId('inspector-frame').fill('5');
  await inspector.getByTestId('inspector-read').click();
  await expect(inspector.getByTestId('inspector-address')).toHaveText(String(5 * 4096));
  await expect(page).toHaveURL(/[?&]frame=xsk0(%3A|:)5(&|$)/);

  // A frame in FILL is received into under traffic, each packet with a new sequence number. The data
  // plane may also leave a received frame free for a while: then the next frame in FILL is tried.
  // The marks last until the next read a second later, which may find nothing new: they are looked for in the same try.
  await expect(async () => {
    await inspector.getByTestId('inspector-next-fill').click();
    await expect(inspector.getByTestId('hexdump')).not.toHaveAttribute('data-changed', '0', { timeout: 4000 });
    await expect(inspector.locator('.hex-bytes .changed').first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const frame = Number(await inspector.getByTestId('inspector-frame').inputValue());
  expect(frame).not.toBe(5);
  await expect(page).toHaveURL(new RegExp(`[?&]frame=xsk0(%3A|:)${frame}(&|$)`));
  expect(await numberIn(inspector.getByTestId('inspector-address'))).toBe(frame * 4096);
});

test('copy as hex puts the frame’s bytes on the clipboard, from its first byte to its descriptor’s length', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'rings,inspector' });
  const rings = page.getByTestId('socket-xsk0');
  // RX left undrained: the frame stays where it is while the page and a second client read it.
  await rings.getByTestId('stage-rxDrain').click();
  await expect(rings.getByTestId('ring-rx-used')).toHaveText(
    (await rings.getByTestId('ring-rx-size').textContent()) ?? '',
  );
  const inspector = page.getByTestId('inspector-xsk0');
  await inspector.getByTestId('inspector-next-rx').click();
  await expect(inspector.getByTestId('inspector-length')).toHaveText('128');
  // The lab's frames carry no UDP checksum, which IPv4 allows.
  await expect(inspector.getByTestId('packet-udp-checksum')).toHaveText('0x0000 (none)');
  await inspector.getByTestId('inspector-copy').click();
  await expect(inspector.getByTestId('inspector-copied')).toHaveText('copied 128 bytes');

  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const frame = Number(await inspector.getByTestId('inspector-frame').inputValue());
  const offset = Number(await inspector.getByTestId('inspector-offset').getAttribute('data-offset'));
  const bytes = await agentFrame(agent, 'xsk0', frame);
  const lines = copied.trimEnd().split('\n');
  expect(lines).toHaveLength(8);
  expect(lines[0]?.startsWith('000000  ')).toBe(true);
  const fromClipboard = lines.flatMap((line) =>
    line
      .slice(8)
      .split(' ')
      .map((pair) => Number.parseInt(pair, 16)),
  );
  expect(fromClipboard).toEqual(Array.from(bytes.subarray(offset, offset + 128)));

  await drainAgain(rings);
});
