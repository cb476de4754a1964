import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { decodeRecording, decodeSnapshot, type SnapshotMessage } from '@ringside/shared';
import { type RunningAgent, runAgentToExit, startAgent } from '../../agent/test/agent-process.ts';
import { TestClient } from '../../agent/test/ws-client.ts';
import { agentFrame, failOnPageErrors, numberIn, openExplorer } from './explorer.ts';

/**
 * A run recorded from the real kernel with --record, replayed by the static
 * build from file:// with the network off: what the page shows at a time is
 * what the agent recorded for that time.
 */

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const REPLAY_PAGE = pathToFileURL(join(CHECKOUT, 'web/dist-replay/ringside-replay.html'));
const SNAPSHOTS_WANTED = 300;
const INSPECTED_FRAME = 7;

let dir: string;
let recordingPath: string;
/** The recording as shared's decoder reads it, independent of the page: every snapshot with its arrival time. */
let recorded: { at: number; snapshot: SnapshotMessage }[];
/** Wall-clock ms when the agent started recording. */
let recordedAt: number;

function readRecorded(path: string) {
  const recording = decodeRecording(readFileSync(path));
  let base: Map<string, Uint8Array> | null = null;
  const snapshots: { at: number; snapshot: SnapshotMessage }[] = [];
  for (const entry of recording.entries) {
    if (entry.kind !== 'snapshot') continue;
    const decoded = decodeSnapshot(entry.bytes, base);
    base = decoded.owners;
    snapshots.push({ at: entry.at, snapshot: decoded.snapshot });
  }
  return { recording, snapshots };
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // The page under test is the one a user builds: the same script, into dist/.
  execFileSync('npm', ['run', 'build:replay'], { cwd: CHECKOUT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'ringside-replay-'));
  recordingPath = join(dir, 'lab.ringside');
  let agent: RunningAgent | null = null;
  try {
    agent = await startAgent(['--rate', '5000', '--record', recordingPath]);
    // A page looking at a frame while recording: the replay's inspector has its bytes.
    await agentFrame(agent, 'xsk0', INSPECTED_FRAME);
    await expect
      .poll(() => readRecorded(recordingPath).snapshots.length, { timeout: 120_000, intervals: [500] })
      .toBeGreaterThanOrEqual(SNAPSHOTS_WANTED);
  } finally {
    await agent?.stop();
  }
  const { recording, snapshots } = readRecorded(recordingPath);
  expect(recording.truncatedTail).toBeNull();
  recorded = snapshots;
  recordedAt = recording.header.startedAt;
});

test.afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens the replay page from disk with no network: any request that is not file:// fails the test. */
async function openOffline(context: BrowserContext, page: Page, search = ''): Promise<string[]> {
  failOnPageErrors(page);
  await context.setOffline(true);
  const offNetwork: string[] = [];
  await context.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    offNetwork.push(url);
    return route.abort();
  });
  await page.goto(`${REPLAY_PAGE.href}${search}`);
  return offNetwork;
}

const rxProducerOf = (entry: { snapshot: SnapshotMessage } | undefined) => {
  const rings = entry?.snapshot.sockets.find((sample) => sample.socketId === 'xsk0')?.rings;
  if (!rings?.rx || !rings.fill) throw new Error('xsk0 has no RX or FILL ring in the recording');
  return { rx: rings.rx, fill: rings.fill };
};

/** The RX and FILL indices the page shows now, against the recorded snapshot `index`. */
async function expectShown(page: Page, index: number): Promise<void> {
  const { rx, fill } = rxProducerOf(recorded[index]);
  await expect(page.getByTestId('replay-snapshot')).toHaveAttribute('data-index', String(index));
  const socket = page.getByTestId('socket-xsk0');
  await expect(socket.getByTestId('ring-rx-producer')).toHaveText(String(rx.producer));
  await expect(socket.getByTestId('ring-rx-consumer')).toHaveText(String(rx.consumer));
  await expect(socket.getByTestId('ring-fill-producer')).toHaveText(String(fill.producer));
  await expect(socket.getByTestId('ring-fill-consumer')).toHaveText(String(fill.consumer));
}

test('a recording of the real kernel replays from file:// with no network, showing the recorded rings at each time', async ({
  context,
  page,
}) => {
  const offNetwork = await openOffline(context, page, '?view=rings,inspector&socket=xsk0');
  await page.getByTestId('replay-file').setInputFiles(recordingPath);
  await expect(page.getByTestId('replay-note')).toContainText('a recording, so nothing can be changed');
  await expect(page.getByTestId('role')).toHaveText('view only');
  // The header names the recording and when it was made: no agent is connected, nor live.
  await expect(page.getByTestId('connection-status')).toHaveText('replay');
  const madeAt = await page.evaluate((ms) => new Date(ms).toLocaleString(), recordedAt);
  await expect(page.getByTestId('replay-of')).toHaveText(`of lab.ringside, recorded ${madeAt}`);
  await expect(page.getByTestId('lag')).toHaveCount(0);

  // Scrub to a time between two snapshots the traffic moved between, so showing the wrong one cannot pass: the first
  // such pair from the middle on (a busy machine may hold the source back across a few snapshots).
  const index = recorded.findIndex(
    (entry, i) =>
      i >= Math.floor(recorded.length / 2) &&
      i + 1 < recorded.length &&
      rxProducerOf(recorded[i + 1]).rx.producer !== rxProducerOf(entry).rx.producer,
  );
  if (index < 0) throw new Error("RX's producer never moved in the recording's second half");
  const at = (recorded[index] as { at: number }).at;
  const between = Math.floor((at + (recorded[index + 1] as { at: number }).at) / 2);
  await page.getByTestId('replay-scrub').fill(String(between));
  await expect(page.getByTestId('replay-time')).toHaveAttribute('data-at', String(between));
  const shown = recorded.findLastIndex((entry) => entry.at <= between);
  await expectShown(page, shown);
  expect(rxProducerOf(recorded[shown + 1]).rx.producer).not.toBe(rxProducerOf(recorded[shown]).rx.producer);

  await page.getByTestId('replay-step').click();
  await expectShown(page, shown + 1);
  await page.getByTestId('replay-step-back').click();
  await page.getByTestId('replay-step-back').click();
  await expectShown(page, shown - 1);

  // Backwards far, across keyframes, then forwards again.
  await page.getByTestId('replay-scrub').fill(String((recorded[10] as { at: number }).at));
  await expectShown(page, 10);
  await page.getByTestId('replay-scrub').fill(String((recorded.at(-20) as { at: number }).at));
  await expectShown(page, recorded.length - 20);

  // Play moves time on; pause holds it.
  await page.getByTestId('replay-scrub').fill('0');
  await page.getByTestId('replay-play').click();
  await expect
    .poll(async () => Number(await page.getByTestId('replay-time').getAttribute('data-at')))
    .toBeGreaterThan(500);
  await page.getByTestId('replay-play').click();
  await expect(page.getByTestId('replay-play')).toHaveAttribute('aria-pressed', 'false');
  const paused = await page.getByTestId('replay-time').getAttribute('data-at');
  const shownPaused = await numberIn(page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer'));
  // Thirty frames of the page's own animation loop: a player still running would have moved on.
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        let frames = 0;
        const next = () => (++frames >= 30 ? resolve() : requestAnimationFrame(next));
        requestAnimationFrame(next);
      }),
  );
  await expect(page.getByTestId('replay-time')).toHaveAttribute('data-at', paused ?? '');
  expect(await numberIn(page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer'))).toBe(shownPaused);

  // The inspector shows the frame a page read while recording, and says so of one nobody read.
  const inspector = page.getByTestId('inspector-xsk0');
  await page.getByTestId('replay-scrub').fill(String(recorded.at(-1)?.at));
  await inspector.getByTestId('inspector-frame').fill(String(INSPECTED_FRAME));
  await inspector.getByTestId('inspector-read').click();
  await expect(inspector.getByTestId('inspector-address')).toHaveText(/\d+/);
  await inspector.getByTestId('inspector-frame').fill(String(INSPECTED_FRAME + 1));
  await inspector.getByTestId('inspector-read').click();
  await expect(inspector).toContainText(`holds no bytes of frame ${INSPECTED_FRAME + 1} of xsk0`);

  expect(offNetwork).toEqual([]);
});

test('a file that is not a recording is refused, saying what it is and what to open', async ({ context, page }) => {
  await openOffline(context, page);
  const notOne = join(dir, 'snapshot.json');
  writeFileSync(notOne, JSON.stringify({ type: 'hello' }));
  await page.getByTestId('replay-file').setInputFiles(notOne);
  await expect(page.getByTestId('replay-error')).toContainText('this file is not a Ringside recording');
  await expect(page.getByTestId('replay-error')).toContainText('--record');
  await expect(page.getByTestId('replay-bar')).toHaveCount(0);

  // A recording cut short mid-entry still replays, saying what was dropped.
  const whole = readFileSync(recordingPath);
  const cut = join(dir, 'cut.ringside');
  writeFileSync(cut, whole.subarray(0, whole.length - 3));
  await page.getByTestId('replay-file').setInputFiles(cut);
  await expect(page.getByTestId('replay-truncated')).toContainText('its recorder stopped mid-write');
  await expect(page.getByTestId('replay-error')).toHaveCount(0);
});

test("the page's Record button saves what the page received, in the same format, and it replays", async ({
  context,
  page,
}) => {
  // It starts and stops an agent of its own, with this page still open (offline, from the replay's setOffline).
  test.setTimeout(120_000);
  const agent = await startAgent(['--rate', '5000']);
  try {
    // A view page: recording only reads.
    await openExplorer(page, agent.viewUrl, { view: 'rings', socket: 'xsk0' });
    await page.getByTestId('record').click();
    await expect(page.getByTestId('record')).toHaveAttribute('aria-pressed', 'true');
    const rxProducer = page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer');
    const before = await numberIn(rxProducer);
    // Enough snapshots to step through: the traffic moves the producer on with each.
    await expect.poll(() => numberIn(rxProducer), { timeout: 30_000 }).toBeGreaterThan(before + 5000);
    const download = page.waitForEvent('download');
    await page.getByTestId('record').click();
    const saved = join(dir, 'page.ringside');
    await (await download).saveAs(saved);

    const { recording, snapshots } = readRecorded(saved);
    expect(recording.header.recordedBy).toBe('page');
    expect(recording.header.hello.role).toBe('view');
    expect(recording.entries[0]?.kind === 'message' && JSON.parse(recording.entries[0].text).type).toBe('state');
    expect(snapshots.length).toBeGreaterThan(3);

    const replay = await context.newPage();
    await openOffline(context, replay, '?view=rings&socket=xsk0');
    await replay.getByTestId('replay-file').setInputFiles(saved);
    await replay.getByTestId('replay-scrub').fill(String(snapshots.at(-1)?.at));
    const last = snapshots.at(-1)?.snapshot.sockets.find((sample) => sample.socketId === 'xsk0');
    await expect(replay.getByTestId('socket-xsk0').getByTestId('ring-rx-producer')).toHaveText(
      String(last?.rings.rx?.producer),
    );
    await expect(replay.getByTestId('record')).toHaveCount(0);
  } finally {
    await agent.stop();
  }
});

test('a recording that cannot be written is told clearly: a bad path before anything starts, a full disk as a fault while Ringside runs on', async () => {
  const refused = await runAgentToExit(['--record', '/nonexistent-dir/lab.ringside']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/--record \/nonexistent-dir\/lab\.ringside cannot be written \(ENOENT.*choose a path/);

  // /dev/full takes the open and refuses every write with ENOSPC, as a full disk does.
  const agent = await startAgent(['--rate', '5000', '--record', '/dev/full']);
  try {
    const client = await TestClient.connect(agent.viewUrl);
    const fault = await client.next('event');
    expect(fault.kind).toBe('fault');
    expect(fault.message).toMatch(/recording to \/dev\/full stopped: a write failed \(ENOSPC\).*Ringside runs on/);
    // Still serving: snapshots keep coming after the recording stopped.
    const first = await client.next('snapshot');
    expect((await client.next('snapshot')).seq).toBeGreaterThan(first.seq);
    client.close();
  } finally {
    expect(await agent.stop()).toBe(0);
  }
});
