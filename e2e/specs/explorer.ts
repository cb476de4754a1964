import { expect, type Locator, type Page, test } from '@playwright/test';
import {
  type ClientMessage,
  decodeSnapshot,
  FRAME_OWNERS,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ServerMessage,
  type SnapshotMessage,
  type SocketDetailMessage,
  type SocketRequest,
  type StateMessage,
} from '@ringside/shared';
import WebSocket from 'ws';
import type { RunningAgent } from '../../agent/test/agent-process.ts';
import { TestClient } from '../../agent/test/ws-client.ts';
import type { View } from '../../web/src/url-state.ts';

/** Helpers the explorer's specs share: opening the page on a selection, reading numbers, asking the agent directly. */

export const numberIn = async (locator: Locator) => Number(await locator.textContent());

const watched = new WeakSet<Page>();

/**
 * Fails the running test on any uncaught error or console error of `page`,
 * except those a test expects and names in `allowed` (a deliberately refused
 * WebSocket, for one): a page that throws while its tests pass is broken.
 */
export function failOnPageErrors(page: Page, allowed: readonly RegExp[] = [], agentHost?: string): void {
  if (watched.has(page)) return;
  watched.add(page);
  const fail = (what: string, text: string, url = '') => {
    if (allowed.some((pattern) => pattern.test(text))) return;
    // A spec stops its agent before the page closes, and the page, retrying, logs each refused
    // connection; an agent that died under a test shows as 'disconnected', which the test sees.
    if (agentHost && /ERR_CONNECTION_REFUSED/.test(text) && `${text} ${url}`.includes(agentHost)) return;
    try {
      test.info();
    } catch {
      // An error after the test ended has no test left to fail.
      return;
    }
    expect.soft(text, what).toBe('');
  };
  page.on('pageerror', (error) => fail('an uncaught error on the page', `${error.name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') fail('a console error on the page', message.text(), message.location().url);
  });
}

/** Opens the page at `url` with the selection parameters the page keeps in its URL; any page error fails the test. */
export async function openExplorer(page: Page, url: URL, selection: Record<string, string> = {}): Promise<void> {
  failOnPageErrors(page, [], url.host);
  const target = new URL(url);
  for (const [name, value] of Object.entries(selection)) target.searchParams.set(name, value);
  await page.goto(target.href);
  await expect(page.getByTestId('connection-status')).toHaveText('connected');
  // The socket opens before the agent's hello says what this page may do: controls and keys wait for it.
  await expect(page.getByTestId('role')).toBeVisible();
}

/**
 * Connects to the agent as a second client (view role), says hello, sends
 * `requests`, and resolves with the first message `pick` returns a value for.
 * `pick` answers `undefined` to pass a message by, or throws to fail.
 */
async function fromAgent<T>(
  agent: RunningAgent,
  what: string,
  pick: (data: Buffer, isBinary: boolean) => T | undefined,
  requests: readonly object[] = [],
): Promise<T> {
  const token = agent.viewUrl.searchParams.get('token') ?? '';
  const socket = new WebSocket(`ws://127.0.0.1:${agent.port}/ws?token=${encodeURIComponent(token)}`);
  try {
    return await new Promise<T>((resolve, reject) => {
      // As TestClient allows: a loaded agent, its main thread at nice 19, may take over 10 s to answer.
      const timer = setTimeout(() => reject(new Error(`no ${what} from the agent within 20 s`)), 20_000);
      socket.on('open', () => {
        for (const message of [{ type: 'hello', protocol: PROTOCOL_VERSION }, ...requests])
          socket.send(JSON.stringify(message));
      });
      socket.on('message', (data, isBinary) => {
        try {
          const value = pick(data as Buffer, isBinary);
          if (value === undefined) return;
          clearTimeout(timer);
          resolve(value);
        } catch (error) {
          reject(error);
        }
      });
      socket.on('error', reject);
    });
  } finally {
    socket.close();
  }
}

/**
 * One snapshot as a second client of the agent receives it: the agent's own
 * ledger counts and every frame's owner, independent of the page under test.
 */
export function agentSnapshot(
  agent: RunningAgent,
): Promise<{ snapshot: SnapshotMessage; owners: Map<string, Uint8Array> }> {
  // The first snapshot a client receives carries every frame's owner whole.
  return fromAgent(agent, 'snapshot', (data, isBinary) =>
    isBinary ? decodeSnapshot(new Uint8Array(data), null) : undefined,
  );
}

/** The agent's state as a second client receives it on connecting, independent of the page under test. */
export function agentState(agent: RunningAgent): Promise<StateMessage> {
  return fromAgent(agent, 'state', (data, isBinary) => {
    if (isBinary) return undefined;
    const parsed = parseServerMessage(String(data));
    return parsed.ok && parsed.value.type === 'state' ? parsed.value : undefined;
  });
}

/** Frames per owner, as the page's UMEM legend shows them. */
export async function legendCounts(page: Page, socketId: string): Promise<Record<string, number>> {
  const panel = page.getByTestId(`umem-${socketId}`);
  const counts: Record<string, number> = {};
  for (const owner of FRAME_OWNERS) counts[owner] = await numberIn(panel.getByTestId(`umem-count-${owner}`));
  return counts;
}

/** Sends one request as a second client of the agent and resolves with the answer to it. */
function askAgent(agent: RunningAgent, request: ClientMessage & { requestId: string }): Promise<ServerMessage> {
  return fromAgent(
    agent,
    `answer to ${request.type}`,
    (data, isBinary) => {
      if (isBinary) return undefined;
      const parsed = parseServerMessage(String(data));
      if (!parsed.ok) throw new Error(`the agent sent an invalid message: ${parsed.error}`);
      return 'requestId' in parsed.value && parsed.value.requestId === request.requestId ? parsed.value : undefined;
    },
    [request],
  );
}

/** One frame's bytes as a second client of the agent reads them, independent of the page under test. */
export async function agentFrame(agent: RunningAgent, socketId: string, frame: number): Promise<Uint8Array> {
  const answer = await askAgent(agent, { type: 'readFrame', requestId: 'e2e-frame', socketId, frame });
  if (answer.type !== 'frameBytes') throw new Error(`the agent answered readFrame with ${JSON.stringify(answer)}`);
  return new Uint8Array(Buffer.from(answer.bytes, 'base64'));
}

/** Every descriptor of a socket's rings, with the rings' indices, as a second client sees them. */
export async function agentDetail(agent: RunningAgent, socketId: string): Promise<SocketDetailMessage> {
  const answer = await askAgent(agent, { type: 'inspectSocket', requestId: 'e2e-detail', socketId });
  if (answer.type !== 'socketDetail')
    throw new Error(`the agent answered inspectSocket with ${JSON.stringify(answer)}`);
  return answer;
}

/** The sequence number of the last snapshot the page drew, which its header carries. */
async function drawnSeq(page: Page): Promise<number> {
  return Number(await page.getByTestId('connection-status').getAttribute('data-seq'));
}

/**
 * Resolves with what `read` shows once it has held still for `quietMs` while
 * the page drew at least `snapshots` newer snapshots: frames already on their
 * way when traffic or a stage stopped have landed by then, however busy the
 * machine. Time alone is not enough: an agent at nice 19 may send no snapshot
 * for over a second, and a page that draws nothing new holds still too.
 * Fails if it never holds still.
 */
export async function settled<T>(
  page: Page,
  read: () => Promise<T>,
  { quietMs = 1000, snapshots = 5 } = {},
): Promise<T> {
  let last = await read();
  // The seq after a read is the newest snapshot that read can show; the seq before one, the oldest.
  let from = await drawnSeq(page);
  let since = Date.now();
  await expect
    .poll(
      async () => {
        const drawn = await drawnSeq(page);
        const now = await read();
        if (JSON.stringify(now) !== JSON.stringify(last)) {
          [last, from, since] = [now, await drawnSeq(page), Date.now()];
          return false;
        }
        return drawn - from >= snapshots && Date.now() - since >= quietMs;
      },
      { timeout: 20_000, intervals: [100] },
    )
    .toBe(true);
  return last;
}

/**
 * `owner`'s receiving socket as `agent`'s discovery lists it: the one with an
 * RX ring (an agent owner's other XSK is its lab's traffic source).
 */
export async function ownersReceiver(agent: RunningAgent, owner: RunningAgent): Promise<{ fd: number; id: string }> {
  let found: { fd: number; id: string } | undefined;
  await expect
    .poll(
      async () => {
        const state = await agentState(agent);
        const xsk = state.discovered.find((entry) => entry.pid === owner.pid && entry.kernel.rings.rx.present);
        found = xsk && { fd: xsk.fd, id: `pid${owner.pid}.fd${xsk.fd}` };
        return found !== undefined;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  return found as { fd: number; id: string };
}

/** `owner`'s receiver, attached by `agent` unless it is already: so a test that needs it also runs alone. */
export async function attachedReceiver(agent: RunningAgent, owner: RunningAgent): Promise<{ fd: number; id: string }> {
  const receiver = await ownersReceiver(agent, owner);
  if ((await agentState(agent)).attached.some((socket) => socket.id === receiver.id)) return receiver;
  await commandAgent(agent, { type: 'attach', requestId: 'attach', pid: owner.pid, fd: receiver.fd });
  return receiver;
}

/** Sends one command as a second control client and resolves once the agent acks it; a refusal fails the test. */
export async function commandAgent(agent: RunningAgent, command: ClientMessage & { requestId: string }): Promise<void> {
  const client = await TestClient.connect(agent.controlUrl);
  try {
    client.send(command);
    const answer = await client.answer(command.requestId);
    if (answer.type === 'error') throw new Error(`the agent refused ${command.type}: ${answer.message}`);
  } finally {
    client.close();
  }
}

/** What `socketId` was last asked to be, as the agent's state says. */
export async function requestOf(agent: RunningAgent, socketId: string): Promise<SocketRequest> {
  const socket = (await agentState(agent)).sockets.find((entry) => entry.id === socketId);
  if (!socket) throw new Error(`the agent has no socket ${socketId}`);
  return socket.request;
}

/**
 * Reconfigures `socketId` to `request` unless it already is: a spec whose
 * tests reconfigure the lab's socket starts each from the same socket, so a
 * test does not depend on what the one before left, and runs alone too.
 */
export async function restoreSocket(agent: RunningAgent, socketId: string, request: SocketRequest): Promise<void> {
  if (JSON.stringify(await requestOf(agent, socketId)) === JSON.stringify(request)) return;
  await commandAgent(agent, { type: 'reconfigureSocket', requestId: 'restore', socketId, request });
}

/**
 * What these views must show before a spec reads them whole (their layout,
 * a picture of them), the same wherever they are read; the others' readiness
 * depends on what each spec reads.
 */
export const VIEW_READY: Pick<Record<View, (page: Page) => Promise<void>>, 'umem' | 'topology' | 'controls'> = {
  umem: async (page) => {
    await expect(page.getByTestId('umem-count-total')).toHaveText('4096');
  },
  topology: async (page) => {
    await expect(page.getByTestId('program-redirected-rate')).not.toHaveText('');
  },
  controls: async (page) => {
    await expect(page.getByTestId('socket-form-new')).toBeVisible();
  },
};

/**
 * Runs `read` with `socketId`'s RX left undrained, so received frames stay
 * where they are while the page shows one; drains it again however `read`
 * ends, for the next test's page to find it flowing. Asked of the agent
 * directly, pause then resume: the page's key 2 toggles from the page's last
 * snapshot, which a view without the stage buttons cannot show to be current.
 */
export async function withRxHeld<T>(agent: RunningAgent, socketId: string, read: () => Promise<T>): Promise<T> {
  await commandAgent(agent, { type: 'pauseStages', requestId: 'hold-rx', socketId, stages: ['rxDrain'] });
  try {
    return await read();
  } finally {
    await commandAgent(agent, { type: 'resumeStages', requestId: 'drain-rx', socketId, stages: ['rxDrain'] });
  }
}

/**
 * Opens in `socketId`'s inspector a frame RX holds, asking again while RX is
 * still empty. The caller leaves RX undrained (withRxHeld), so the frame stays put.
 */
export async function inspectHeldRxFrame(page: Page, socketId: string): Promise<Locator> {
  const inspector = page.getByTestId(`inspector-${socketId}`);
  await expect(async () => {
    await inspector.getByTestId('inspector-next-rx').click();
    await expect(inspector.getByTestId('inspector-owner')).toHaveText('rx', { timeout: 2000 });
  }).toPass({ timeout: 20_000 });
  return inspector;
}
