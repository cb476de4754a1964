import { expect, type Locator, type Page, test } from '@playwright/test';
import type { SocketRequest } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { agentDetail, agentSnapshot, commandAgent, openExplorer, requestOf, restoreSocket } from './explorer.ts';

let agent: RunningAgent;
/** xsk0 as the lab made it: each test starts from it, whatever the one before applied (a sender with metadata). */
let labSocket: SocketRequest;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
  labSocket = await requestOf(agent, 'xsk0');
});

test.beforeEach(async () => {
  await restoreSocket(agent, 'xsk0', labSocket);
});

test.afterAll(async () => {
  await agent?.stop();
});

const form = (page: Page) => page.getByTestId('socket-form-xsk0');

/**
 * Opens a frame on COMPLETION in the inspector, with completionReap paused. The page picks from its last snapshot,
 * which may predate the pause: a frame reaped since is picked again. Each pick is given the time a loaded machine
 * takes to read the frame (the agent serves at nice 19), not a second.
 */
async function openCompletionFrame(inspector: Locator): Promise<void> {
  await expect(async () => {
    await inspector.getByTestId('inspector-next-completion').click();
    await expect(inspector.getByTestId('inspector-owner')).toHaveText('completion', { timeout: 10_000 });
  }).toPass({ timeout: 60_000 });
}

test('TX metadata asked in the form is checked against the probed lengths, and says who fills in the checksum', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls' });
  // This kernel takes TX metadata: nothing is greyed out.
  await expect(form(page).getByTestId('form-txMetadata-unavailable')).toHaveCount(0);
  await form(page).getByTestId('form-txMetadataLength').fill('12');
  await expect(form(page).getByTestId('form-txMetadataLength-problem')).toHaveText(
    'tx_metadata_len 12 is not one this kernel accepts (probed at start): from 16 to 248 in steps of 8',
  );
  await expect(form(page).getByTestId('form-submit')).toBeDisabled();
  await form(page).getByTestId('form-txMetadataLength').fill('16');
  await expect(form(page).getByTestId('form-txMetadata-checksum')).toContainText(
    'whose xsk-features offer none: the checksum leaves as the pseudo-header sum',
  );
  await form(page).getByTestId('form-swChecksum').check();
  await expect(form(page).getByTestId('form-txMetadata-checksum')).toContainText(
    'the kernel computes each requested checksum itself in copy mode',
  );
});

test('a sender with TX metadata: the UMEM view and the inspector show the checksum request in front of each frame', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,rings,umem,inspector' });
  await form(page).getByTestId('form-workload').selectOption('txonly');
  await form(page).getByTestId('form-txMetadataLength').fill('16');
  await form(page).getByTestId('form-swChecksum').check();
  await form(page).getByTestId('form-submit').click();
  await expect(form(page).getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });
  await expect(page.getByTestId('umem-tx-metadata')).toHaveText(
    ', TX metadata 16 B in front of each sent frame (checksum by the kernel: XDP_UMEM_TX_SW_CSUM)',
  );

  // COMPLETION left unreaped: the frames sent stay there, their bytes as txonly wrote them.
  const rings = page.getByTestId('socket-xsk0');
  await rings.getByTestId('stage-completionReap').click();
  // A stage button toggles from the page's last snapshot: the next click waits until the page shows this one.
  await expect(rings.getByTestId('stage-completionReap')).toHaveAttribute('aria-pressed', 'true');
  const inspector = page.getByTestId('inspector-xsk0');
  await openCompletionFrame(inspector);
  await expect(inspector.getByTestId('inspector-offset')).toHaveAttribute('data-offset', '16');
  const metadata = inspector.getByTestId('inspector-tx-metadata');
  await expect(metadata.getByTestId('txmeta-flags')).toHaveText('checksum');
  await expect(metadata.getByTestId('txmeta-csum_start')).toHaveText('34');
  await expect(metadata.getByTestId('txmeta-csum_offset')).toHaveText('6 (the checksum at byte 56 of the chunk)');
  await expect(metadata.getByTestId('txmeta-checksum-note')).toContainText('for the kernel to complete on the way out');
  // What the UMEM holds is the pseudo-header sum, not yet a checksum: the page's own check says so.
  await expect(inspector.getByTestId('packet-udp-checksum')).toContainText('wrong');
  // The hex dump draws the metadata's 16 bytes apart, in front of the frame.
  await inspector.getByTestId('inspector-whole').check();
  await expect(inspector.getByTestId('hex-row-0').locator('.in-txmeta')).toHaveCount(16);
  await expect(inspector.getByTestId('hex-row-16').locator('.in-txmeta')).toHaveCount(0);
  await rings.getByTestId('stage-completionReap').click();
  await expect(rings.getByTestId('stage-completionReap')).toHaveAttribute('aria-pressed', 'false');
});

test("the completion timestamp and launch time are greyed out on the lab's veth, naming what it lacks; asked of the kernel alone they open", async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls' });
  await form(page).getByTestId('form-txMetadataLength').fill('24');
  await expect(form(page).getByTestId('form-txTimestamp')).toBeDisabled();
  await expect(form(page).getByTestId('form-txTimestamp-unavailable')).toContainText(
    '(veth) offers no tx-timestamp in its xsk-features: the completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP) needs a driver that does, such as mlx5, stmmac or igc',
  );
  await expect(form(page).getByTestId('form-launchTimeOffsetNs')).toBeDisabled();
  await expect(form(page).getByTestId('form-launchTime-unavailable')).toContainText(
    'offers no tx-launch-time in its xsk-features: the launch time (XDP_TXMD_FLAGS_LAUNCH_TIME) needs a driver that does, such as stmmac or igc',
  );
  await form(page).getByTestId('form-checks').selectOption('kernel');
  await expect(form(page).getByTestId('form-txTimestamp')).toBeEnabled();
  await expect(form(page).getByTestId('form-launchTimeOffsetNs')).toBeEnabled();
});

test("a sender asking the kernel alone for completion stamps on veth: the inspector shows copy mode's software stamp", async ({
  page,
}) => {
  await restoreSocket(agent, 'xsk0', {
    ...labSocket,
    umem: { ...labSocket.umem, txMetadata: { length: 24, swChecksum: true } },
    workload: 'txonly',
    traffic: { ratePps: 5000, frameLength: 128 },
    checks: 'kernel',
    txMetadataRequests: { timestamp: true, launchTimeOffsetNs: 100_000 },
  });
  const stamps = async () => (await agentDetail(agent, 'xsk0')).txCompletionStamps;
  await expect.poll(async () => (await stamps())?.asked ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
  // Compared once the counts hold still: TX submit paused, a step confirming that a round saw it, and every frame
  // sent back on COMPLETION and reaped there.
  await commandAgent(agent, { type: 'pauseStages', requestId: 'hold-tx', socketId: 'xsk0', stages: ['txSubmit'] });
  await commandAgent(agent, { type: 'step', requestId: 'confirm', socketId: 'xsk0', stages: ['completionReap'] });
  const totals = async () =>
    (await agentSnapshot(agent)).snapshot.sockets.find((sample) => sample.socketId === 'xsk0')?.totals;
  // Nothing is sent after the step's answer, but a snapshot or a detail may have been read before it: the counts
  // are compared until a snapshot and a detail read after each other agree, every frame sent asked, reaped, stamped.
  const settled = async () => {
    const now = await totals();
    const held = await stamps();
    const after = await totals();
    return (
      now != null &&
      after?.txPackets === now.txPackets &&
      now.completed === now.txPackets &&
      held?.asked === now.txPackets &&
      held.stamped === held.asked
    );
  };
  await expect.poll(settled, { timeout: 20_000 }).toBe(true);
  // Sending again, for frames to come back on COMPLETION while the page looks.
  await commandAgent(agent, { type: 'resumeStages', requestId: 'send', socketId: 'xsk0', stages: ['txSubmit'] });
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,rings,inspector' });
  await expect(form(page).getByTestId('form-txTimestamp')).toBeChecked();
  const inspector = page.getByTestId('inspector-xsk0');
  const rings = page.getByTestId('socket-xsk0');
  await rings.getByTestId('stage-completionReap').click();
  await expect(rings.getByTestId('stage-completionReap')).toHaveAttribute('aria-pressed', 'true');
  await openCompletionFrame(inspector);
  const metadata = inspector.getByTestId('inspector-tx-metadata');
  await expect(metadata.getByTestId('txmeta-flags')).toHaveText('timestamp | checksum | launchTime');
  await expect(metadata.getByTestId('txmeta-launch_time')).toHaveText(/^\d{19} ns \(CLOCK_TAI\)$/);
  await expect(metadata.getByTestId('txmeta-tx_timestamp')).toHaveText(/^\d{19} ns \(CLOCK_TAI\)$/);
  await expect(inspector.getByTestId('txmeta-stamps')).toContainText(
    "copy mode's kernel stamps them itself, in software, as it frees each frame's skb",
  );
  await expect(inspector.getByTestId('txmeta-stamps')).toContainText('offers no tx-timestamp');
  await rings.getByTestId('stage-completionReap').click();
  await expect(rings.getByTestId('stage-completionReap')).toHaveAttribute('aria-pressed', 'false');
});
