import { expect, test } from '@playwright/test';
import { decodeRxMetadata } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { TestClient } from '../../agent/test/ws-client.ts';
import { agentFrame, agentState, openExplorer } from './explorer.ts';

/**
 * The rx-metadata program chosen from the page, and the kernel's RX metadata shown above a frame's layers; or,
 * on a kernel whose verifier refuses bpf_xdp_adjust_meta to XDP programs (two 6.18 builds on this project's
 * machines differ), the program offered greyed out with the reason. agent/test/rx-metadata.test.ts holds the
 * agent's probe of that helper against the kernel itself.
 */
let agent: RunningAgent;

/** What the agent found at start: whether rx-metadata can run here. */
async function rxMetadataRuns(): Promise<boolean> {
  return (await agentState(agent)).rxMetadata?.program.available === true;
}

test.beforeEach(async () => {
  agent = await startAgent(['--rate', '2000']);
});

test.afterEach(async () => {
  await agent?.stop();
});

test('rx-metadata loads on the lab, and the inspector shows the rx hash veth put in front of a received frame', async ({
  page,
}) => {
  test.skip(!(await rxMetadataRuns()), 'this kernel refuses bpf_xdp_adjust_meta to XDP programs: the next test runs');
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'topology,controls,rings,inspector' });
  const programForm = page.getByTestId('program-form-rs-app');
  await expect(programForm.getByTestId('program-kind-rx-metadata')).toBeEnabled();
  await programForm.getByTestId('program-kind-select').selectOption('rx-metadata');
  // The probe's findings for the lab's veth on this kernel: all three kfuncs, in the kernel and in the driver.
  for (const field of ['timestamp', 'hash', 'vlanTag']) {
    await expect(programForm.getByTestId(`rx-metadata-kfunc-${field}`)).toHaveAttribute('data-state', 'available');
  }
  await programForm.getByTestId('program-apply').click();
  await expect(programForm.getByTestId('program-outcome')).toHaveText('loaded', { timeout: 20_000 });
  await expect(page.getByTestId('program-rs-app').getByTestId('program-kind')).toHaveText('rx-metadata');

  const rings = page.getByTestId('socket-xsk0');
  // RX left undrained fills with frames received under rx-metadata, which stay put while they are read.
  await rings.getByTestId('stage-rxDrain').click();
  // A stage button toggles from the page's last snapshot: the next click waits until the page shows this one.
  await expect(rings.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');
  await expect(rings.getByTestId('ring-rx-used')).toHaveText(
    (await rings.getByTestId('ring-rx-size').textContent()) ?? '',
    { timeout: 20_000 },
  );
  const inspector = page.getByTestId('inspector-xsk0');
  await inspector.getByTestId('inspector-next-rx').click();
  await expect(inspector.getByTestId('inspector-owner')).toHaveText('rx');
  await expect(inspector.getByTestId('rx-metadata')).toBeVisible();
  await expect(inspector.getByTestId('rx-metadata-hash')).toHaveText(/^0x[0-9a-f]{8} \(type (NONE|L4)\)$/);
  await expect(inspector.getByTestId('rx-metadata-timestamp')).toHaveText('0 (the driver has no stamp for this frame)');
  await expect(inspector.getByTestId('rx-metadata-vlanTag')).toHaveText('none for this frame (ENODATA)');

  // The hash shown is the one in the 32 bytes before the frame, as a separate client reads them.
  const frame = Number(await inspector.getByTestId('inspector-frame').inputValue());
  const offset = Number(await inspector.getByTestId('inspector-offset').getAttribute('data-offset'));
  const metadata = decodeRxMetadata(await agentFrame(agent, 'xsk0', frame), offset);
  expect(metadata?.hash.ok).toBe(true);
  if (metadata?.hash.ok) {
    await expect(inspector.getByTestId('rx-metadata-hash')).toContainText(
      `0x${metadata.hash.value.hash.toString(16).padStart(8, '0')}`,
    );
  }
  await rings.getByTestId('stage-rxDrain').click();
  await expect(rings.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'false');
});

test('where the kernel refuses bpf_xdp_adjust_meta, rx-metadata is greyed out with the reason, and a client asking for it is refused', async ({
  page,
}) => {
  test.skip(await rxMetadataRuns(), 'this kernel lets XDP programs call bpf_xdp_adjust_meta: the test before runs');
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'topology,controls,rings' });
  const programForm = page.getByTestId('program-form-rs-app');
  const option = programForm.getByTestId('program-kind-rx-metadata');
  await expect(option).toBeDisabled();
  await expect(option).toContainText('(unavailable: see below)');
  await expect(option).toHaveAttribute('title', /this kernel's verifier refuses that helper to XDP programs/);
  await expect(programForm.getByTestId('program-unavailable-rx-metadata')).toHaveText(
    /^rx-metadata needs bpf_xdp_adjust_meta .*: choose another program$/,
  );
  const before = (await agentState(agent)).xdpPrograms.find((program) => program.ifname === 'rs-app');
  expect(before?.programId).toBeGreaterThan(0);

  // A client that asks anyway (no page can) is refused with the same reason, and the lab keeps its program.
  const client = await TestClient.connect(agent.controlUrl);
  try {
    client.send({ type: 'setXdpProgram', requestId: 'rx-metadata', ifname: 'rs-app', program: 'rx-metadata' });
    const answer = await client.answer('rx-metadata');
    expect(answer.type).toBe('error');
    if (answer.type === 'error') expect(answer.message).toContain('needs bpf_xdp_adjust_meta');
  } finally {
    client.close();
  }
  const after = (await agentState(agent)).xdpPrograms.find((program) => program.ifname === 'rs-app');
  expect(after?.programId).toBe(before?.programId);
  expect(after?.kind).toBe(before?.kind);
  await expect(page.getByTestId('program-rs-app').getByTestId('program-kind')).toHaveText(before?.kind ?? '');
});
