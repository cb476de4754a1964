import { execFileSync } from 'node:child_process';
import { expect, type Page, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { TestClient } from '../../agent/test/ws-client.ts';
import { agentDetail, agentState, attachedReceiver, numberIn, openExplorer, ownersReceiver } from './explorer.ts';

/**
 * Another process's XSK, watched from the page: the foreign process is a
 * second Ringside agent with a lab of its own (its xsk0 receives the lab's
 * traffic); the agent under test runs its own lab beside it and finds the
 * other's sockets by discovery.
 */
let owner: RunningAgent;
let agent: RunningAgent;

test.beforeAll(async () => {
  owner = await startAgent(['--rate', '5000', '--lab-queues', '1']);
  agent = await startAgent(['--rate', '1000', '--lab-queues', '1']);
});

test.afterAll(async () => {
  await agent?.stop();
  await owner?.stop();
  if (owner) removeLabOf(owner.pid);
});

/** A SIGKILLed agent leaves its lab behind: its namespaces go, and with them its veth and program. */
function removeLabOf(pid: number): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`ringside-${pid}-`));
  for (const name of names) execFileSync('ip', ['netns', 'del', name]);
}

async function expectReadOnlyAttachedSocket(page: Page, id: string): Promise<void> {
  const panel = page.getByTestId(`socket-${id}`);
  await expect(panel).toHaveAttribute('data-origin', 'attached');
  await expect(panel.getByTestId('attached-mark')).toHaveText(
    new RegExp(`^attached: pid ${owner.pid} \\S+, read-only$`),
  );
  // The rings move: the owner's lab sends 5000 frames a second into its xsk0.
  const rxProducer = panel.getByTestId('ring-rx-producer');
  const before = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(before + 500);
  await expect(panel.getByTestId('ring-rx-cached')).toHaveText('unknown');
  await expect(panel.getByTestId('ring-fill-cached')).toHaveText('unknown');
  // No control that could change another process's socket: the only buttons
  // left explain (a term, or the diagnosis's stages).
  await expect(panel.getByTestId('stage-controls')).toHaveCount(0);
  await expect(panel.locator('button:not(.explain):not([data-testid="diagnosis-line"])')).toHaveCount(0);
  await expect(page.getByTestId(`controls-${id}`)).toHaveCount(0);
  await expect(page.getByTestId(`socket-form-${id}`)).toHaveCount(0);
  await expect(panel.getByTestId('kernel-view').getByTestId('kernel-rings.rx')).toContainText('2048');
  // No socket diag here: the chunk size comes from FILL's contents, the frame count from the highest address seen.
  await expect(panel.getByTestId('kernel-umem')).toContainText('B chunks');
  await expect(panel.getByTestId('attached-count-application-held')).toHaveText(/^at least \d+$/);
}

test('a control page attaches to another process’s socket from the host list: its rings move, read-only', async ({
  page,
}) => {
  const { fd, id } = await ownersReceiver(agent, owner);
  await openExplorer(page, agent.controlUrl, { view: 'rings,controls' });
  const row = page.getByTestId(`host-socket-${owner.pid}-${fd}`);
  await expect(row.getByTestId('host-socket-rx-size')).toHaveText('2048');
  await expect(row.getByTestId('host-socket-rx-size')).toHaveAttribute('data-exact', 'true');
  // Ringside's own sockets are listed too, as its own: nothing to attach.
  const own = page.locator(`[data-testid^="host-socket-${agent.pid}-"]`);
  await expect(own.first()).toHaveAttribute('data-own', 'true');
  await expect(own.getByTestId('host-socket-attach')).toHaveCount(0);

  await row.getByTestId('host-socket-attach').click();
  await expect(row.getByTestId('host-socket-attached-as')).toHaveText(`attached as ${id}`);
  await expectReadOnlyAttachedSocket(page, id);
  // The own socket keeps its controls beside it.
  await expect(page.getByTestId('socket-xsk0').getByTestId('stage-rxDrain')).toBeEnabled();

  // Its descriptors, read from the foreign rings' contents: FILL holds frame addresses, with no cached index known.
  // The owner refills FILL as it pleases, and a reading may find it empty for a moment: read again until it holds some.
  await expect(async () => {
    const detail = await agentDetail(agent, id);
    expect(detail.rings.fill).toMatchObject({ size: 2048, cachedProducer: null, cachedConsumer: null });
    expect(detail.entries.fill.addresses.length).toBeGreaterThan(0);
    expect(detail.entries.rx?.lengths.every((length) => length === 128)).toBe(true);
  }).toPass({ timeout: 30_000 });
});

test('the view role sees the attached socket the same way, and can neither attach nor detach', async ({ page }) => {
  const { fd, id } = await attachedReceiver(agent, owner);
  await openExplorer(page, agent.viewUrl, { view: 'rings,umem,topology' });
  await expect(page.getByTestId('role')).toHaveText('view only');
  await expectReadOnlyAttachedSocket(page, id);
  // The UMEM view has the kernel's side of its frames: FILL is kept stocked by its owner.
  await expect
    .poll(() => numberIn(page.getByTestId(`umem-${id}`).getByTestId('attached-count-fill')))
    .toBeGreaterThan(0);
  // The topology draws it read-only, with its UMEM. No program: the owner made its socket inside its lab's
  // namespace but lives in the root one, where discovery looks for the binding (no xsk_diag here to say).
  const node = page.getByTestId(`topo-socket:${id}`);
  await expect(node).toHaveAttribute('data-read-only', 'true');
  await expect(node).toContainText(`${id} · read-only`);
  await expect(node).toContainText(`pid ${owner.pid}`);
  await expect(page.getByTestId(`topo-foreign-umem:${id}`)).toContainText(`UMEM of pid ${owner.pid}`);
  await expect(page.getByTestId(`topo-edge-socket:${id}>foreign-umem:${id}`)).toHaveCount(1);
  const row = page.getByTestId(`host-socket-${owner.pid}-${fd}`);
  await expect(row.getByTestId('host-socket-detach')).toBeDisabled();
  const others = page.getByTestId('host-socket-attach');
  for (const button of await others.all()) await expect(button).toBeDisabled();
});

test('refusals name the fix, and an attached socket refuses every command that would change it', async () => {
  const { id } = await attachedReceiver(agent, owner);
  const client = await TestClient.connect(agent.controlUrl);
  try {
    const refusal = async (message: Parameters<TestClient['send']>[0]) => {
      client.send(message);
      return client.next('error', 10_000);
    };
    expect(await refusal({ type: 'attach', requestId: 'self', pid: agent.pid, fd: 3 })).toMatchObject({
      code: 'attach-refused',
      message: expect.stringMatching(/is Ringside itself: its sockets are shown as its own/),
    });
    // A pid past the kernel's pid_max cannot be alive.
    expect(await refusal({ type: 'attach', requestId: 'stale', pid: 4_194_305, fd: 3 })).toMatchObject({
      code: 'attach-refused',
      message: expect.stringMatching(/^process 4194305 .*: choose one the discovery list shows now$/),
    });
    expect(await refusal({ type: 'attach', requestId: 'not-xsk', pid: owner.pid, fd: 0 })).toMatchObject({
      code: 'attach-refused',
      message: expect.stringMatching(/is not an AF_XDP socket/),
    });
    expect(await refusal({ type: 'pauseStages', requestId: 'pause', socketId: id, stages: ['rxDrain'] })).toMatchObject(
      { code: 'forbidden', message: expect.stringMatching(/attached read-only: Ringside changes nothing of it/) },
    );
  } finally {
    client.close();
  }
});

test('--attach PID starts without a lab and attaches every socket of that process as it is found', async () => {
  const watcher = await startAgent(['--attach', String(owner.pid)]);
  try {
    const state = await agentState(watcher);
    expect(state.lab).toBeNull();
    expect(state.sockets).toEqual([]);
    const found = state.discovered.filter((xsk) => xsk.pid === owner.pid);
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(state.attached.map((socket) => socket.id).sort()).toEqual(
      found.map((xsk) => `pid${owner.pid}.fd${xsk.fd}`).sort(),
    );
    expect(found.map((xsk) => xsk.attachedAs).sort()).toEqual(state.attached.map((socket) => socket.id).sort());
    expect(state.discovered.every((xsk) => xsk.pid === owner.pid)).toBe(true);
  } finally {
    await watcher.stop();
  }
});

test('/metrics labels the attached socket with its process, and drops it after the owner’s SIGKILL', async ({
  page,
}) => {
  const { fd, id } = await attachedReceiver(agent, owner);
  const token = agent.viewUrl.searchParams.get('token') ?? '';
  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${agent.port}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return response.text();
  };
  const series = new RegExp(
    `^ringside_ring_producer\\{socket="${id.replace('.', '\\.')}",pid="${owner.pid}",command="[^"]+"(,\\w+="[^"]*")*,ring="rx"\\} (\\d+)$`,
    'm',
  );
  const first = Number(series.exec(await scrape())?.[2]);
  await expect.poll(async () => Number(series.exec(await scrape())?.[2])).toBeGreaterThan(first);
  expect(await scrape()).toMatch(
    new RegExp(`^ringside_xdp_rx_dropped_total\\{socket="${id.replace('.', '\\.')}",pid="${owner.pid}"`, 'm'),
  );

  await openExplorer(page, agent.controlUrl, { view: 'rings' });
  await expect(page.getByTestId(`socket-${id}`)).toBeVisible();
  owner.child.kill('SIGKILL');
  // AttachedXsk checks every 250 ms, so the series go within a second; how soon on a busy machine is the
  // benchmark's to measure, the test waits with room to spare.
  await expect
    .poll(async () => (await scrape()).includes(`socket="${id}"`), { timeout: 10_000, intervals: [50] })
    .toBe(false);
  await expect(page.getByTestId(`socket-${id}`)).toHaveCount(0);
  // The host list follows discovery live, with no reload: the owner's sockets leave it.
  await expect(page.getByTestId(`host-socket-${owner.pid}-${fd}`)).toHaveCount(0);
  await expect(page.locator('section.events')).toContainText(`${id} let go: process ${owner.pid}`);
  expect((await agentState(agent)).attached).toEqual([]);
  // Discovery's next scan (every 500 ms) finds the process gone too.
  await expect
    .poll(async () => (await agentState(agent)).discovered.filter((xsk) => xsk.pid === owner.pid))
    .toEqual([]);
});
