import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAME_OWNERS, type StateMessage } from '@ringside/shared';
import { expect, it } from 'vitest';
import { listNamespaces } from '../src/host/ip.ts';
import { SOURCE_RING } from '../src/lab/traffic-source.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { crashUntilLeftDown, ofSocket, ofTrafficSource } from './worker-crashes.ts';
import { TestClient } from './ws-client.ts';

const namespacesOf = (pid: number) => listNamespaces().filter((name) => name.startsWith(`ringside-${pid}-`));

/** Resolves once `read` gives more than `than`, reading as often as snapshots come. */
async function risesAbove(read: () => Promise<number>, than: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await read()) <= than) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

const faults = (client: TestClient) => client.of('event').filter((event) => event.kind === 'fault');

/** Starts an agent in the lab with one client watching; stops it, and checks it exits cleanly, whatever happens. */
async function withAgent(
  test: (agent: RunningAgent, client: TestClient, state: StateMessage) => Promise<void>,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const agent = await startAgent(['--rate', '20000'], 30_000, env);
  const client = await TestClient.connect(agent.controlUrl);
  try {
    const state = await client.next('state');
    await test(agent, client, state);
    // Whatever happened, a client that comes now is greeted and served.
    const late = await TestClient.connect(agent.controlUrl);
    await late.next('hello');
    await late.next('state');
    await late.next('snapshot');
    late.close();
    expect(client.invalid).toEqual([]);
  } finally {
    client.close();
    const code = await agent.stop();
    // No code means a signal ended the agent before or instead of its own stop: its log says what it was doing.
    expect(
      code,
      `the agent ended by ${agent.child.signalCode ?? `exit code ${code}`}:\n${agent.log().slice(-4000)}`,
    ).toBe(0);
    expect(namespacesOf(agent.pid)).toEqual([]);
  }
}

/** Frames the kernel counts received on an interface: veth counts each frame its XDP program saw. */
function appEndRxPackets(namespace: string, ifname: string): number {
  const [link] = JSON.parse(
    execFileSync('ip', ['-n', namespace, '-s', '-j', 'link', 'show', 'dev', ifname], { encoding: 'utf8' }),
  );
  return Number(link.stats64.rx.packets);
}

const rxProducer = (client: TestClient) => async () =>
  (await client.fresh('snapshot', 10_000)).sockets[0]?.rings.rx?.producer ?? -1;

describeKernel('faults the agent survives, telling the page', () => {
  it("restarts crashed data-plane workers, its socket's and the traffic source's, with every frame accounted for", async () => {
    await withAgent(
      async (agent, client, state) => {
        const frameCount = state.sockets[0]?.request.umem.frameCount;
        const rx = rxProducer(client);
        const before = await rx();
        agent.child.kill('SIGUSR2');
        await waitFor(() => faults(client).length >= 2, 20_000, 'a fault event for each worker');
        const messages = faults(client).map((event) => event.message);
        expect(messages.find((message) => message.startsWith('traffic source:'))).toMatch(/crashed .* was restarted/);
        expect(messages.find((message) => message.includes('socket xsk0'))).toMatch(/crashed .* was restarted/);
        // Both sides run again: the source sends and the socket receives.
        await risesAbove(rx, before, 20_000, 'RX to rise after the restart');
        const after = await rx();
        await risesAbove(rx, after, 20_000, 'RX to keep rising');
        // Every frame has exactly one owner, as before the crash.
        const snapshot = await client.fresh('snapshot', 10_000);
        const owners = client.ownersAt(snapshot.seq, 'xsk0');
        const counts = snapshot.sockets[0]?.ledger.counts;
        expect(owners?.length).toBe(frameCount);
        expect(FRAME_OWNERS.reduce((sum, owner) => sum + (counts?.[owner] ?? 0), 0)).toBe(owners?.length);
        expect(agent.child.exitCode).toBeNull();
      },
      { RINGSIDE_TEST_FAULTS: '1' },
    );
  });

  it("leaves a data-plane worker that keeps crashing down, says so in its socket's state and the source's, and starts the source again on a change to it", async () => {
    await withAgent(
      async (agent, client) => {
        const sourceDataPlane = () => client.of('state').at(-1)?.traffic?.dataPlane;
        const dataPlaneOfXsk0 = () =>
          client
            .of('state')
            .at(-1)
            ?.sockets.find((socket) => socket.id === 'xsk0')?.dataPlane;
        expect(dataPlaneOfXsk0()).toEqual({ state: 'running' });
        // Each SIGUSR2 ends every data-plane thread; the worker is restarted 3 times, and not after.
        await crashUntilLeftDown(agent, client, ofSocket('xsk0'));
        // The state the agent sends with the fault says so, on the socket, with why and since when.
        await waitFor(() => dataPlaneOfXsk0()?.state === 'down', 10_000, "a state with xsk0's data plane down");
        const down = dataPlaneOfXsk0();
        expect(down).toMatchObject({
          state: 'down',
          reason: expect.stringMatching(/crashed .* 4 times in 600 s, restarted 3 times, and was left down/),
        });
        // The source's worker is crashed until it is left down too (a signal finds it restarting at times): its
        // state says so.
        await crashUntilLeftDown(agent, client, ofTrafficSource);
        await waitFor(() => sourceDataPlane()?.state === 'down', 10_000, "a state with the source's data plane down");
        const sourceDown = sourceDataPlane();
        expect(sourceDown).toMatchObject({ state: 'down', reason: expect.stringMatching(/left down/) });
        // And both stay so for a client that comes later.
        const late = await TestClient.connect(agent.controlUrl);
        const lateState = await late.next('state');
        expect(lateState.sockets.find((socket) => socket.id === 'xsk0')?.dataPlane).toEqual(down);
        expect(lateState.traffic?.dataPlane).toEqual(sourceDown);
        late.close();

        // A change to the traffic starts the source again: the kernel counts frames arriving at the app end
        // again, more than its TX ring could have held (copy-mode TX moves only when a worker calls sendto).
        const lab = lateState.lab;
        if (!lab) throw new Error('the agent runs no lab');
        // A change the agent refuses (longer than the lab's 1500-byte MTU) leaves it down, as it leaves any source as it was.
        client.send({ type: 'setTraffic', requestId: 'too-long', frameLength: 3000 });
        expect(await client.answer('too-long')).toMatchObject({ type: 'error' });
        const afterRefusal = await TestClient.connect(agent.controlUrl);
        expect((await afterRefusal.next('state')).traffic?.dataPlane).toEqual(sourceDown);
        afterRefusal.close();
        const arrived = () => appEndRxPackets(lab.appNamespace, lab.appIfname);
        const before = arrived();
        client.send({ type: 'setTraffic', requestId: 'rate-after-down', ratePps: 10_000 });
        expect(await client.answer('rate-after-down')).toMatchObject({ type: 'ack' });
        await waitFor(
          () => sourceDataPlane()?.state === 'running',
          10_000,
          "a state with the source's data plane running",
        );
        expect(client.of('state').at(-1)?.traffic?.ratePps).toBe(10_000);
        await waitFor(() => arrived() > before + 2 * SOURCE_RING, 20_000, 'frames from the source again');
        const told = client.of('event').filter((event) => event.kind === 'traffic-rate');
        expect(told.at(-1)?.message).toMatch(/^data plane started again; traffic source sending 10000 frames\/s/);
      },
      { RINGSIDE_TEST_FAULTS: '1' },
    );
  });

  it('removes the sockets of an interface deleted from outside, says so, and goes on serving', async () => {
    await withAgent(async (_agent, client, state) => {
      const appNamespace = state.lab?.appNamespace as string;
      execFileSync('ip', ['-n', appNamespace, 'link', 'del', 'rs-app']);
      // The source's worker may meet the unbound socket first (ENXIO) and be told of as well.
      const gone = /^interface rs-app was deleted from outside/;
      await waitFor(() => faults(client).some((event) => gone.test(event.message)), 20_000, 'the fault event');
      await waitFor(
        () => client.of('state').some((state) => state.sockets.length === 0 && state.traffic === null),
        10_000,
        'a state without the sockets of rs-app and without the traffic source',
      );
      const snapshot = await client.fresh('snapshot', 10_000);
      expect(snapshot.sockets).toEqual([]);
    });
  });

  it('goes on receiving when the lab namespace is removed from outside, and says what no longer works', async () => {
    await withAgent(async (_agent, client, state) => {
      const appNamespace = state.lab?.appNamespace as string;
      execFileSync('ip', ['netns', 'del', appNamespace]);
      const removed = new RegExp(`^lab namespace ${appNamespace} was removed from outside`);
      await waitFor(() => faults(client).some((event) => removed.test(event.message)), 20_000, 'the fault event');
      // The sockets hold the namespace: traffic still arrives.
      const rx = rxProducer(client);
      await risesAbove(rx, await rx(), 10_000, 'RX to rise');
    });
  });

  it('tells an XDP program detached from outside, and attaches it again on request', async () => {
    await withAgent(async (_agent, client, state) => {
      const appNamespace = state.lab?.appNamespace as string;
      execFileSync('ip', ['-n', appNamespace, 'link', 'set', 'dev', 'rs-app', 'xdp', 'off']);
      const detached = /^the XDP program on rs-app \(id \d+\) was detached from outside/;
      await waitFor(() => faults(client).some((event) => detached.test(event.message)), 20_000, 'the fault event');
      // Frames go to the stack now: RX stands still.
      const rx = rxProducer(client);
      const stopped = await rx();
      await client.fresh('snapshot');
      client.send({ type: 'setXdpProgram', requestId: 'again', ifname: 'rs-app', program: 'by-queue' });
      expect(await client.next('ack', 10_000)).toEqual({ type: 'ack', requestId: 'again' });
      await risesAbove(rx, stopped, 10_000, 'RX to rise once the program is back');
    });
  });

  // Planted through NODE_OPTIONS in the agent's main thread: a path with no error handling of its own, on a signal.
  // NODE_OPTIONS splits on spaces: the module goes percent-encoded.
  const planted = (throwing: string) =>
    `data:text/javascript,${encodeURIComponent(
      `import { isMainThread } from 'node:worker_threads'; if (isMainThread) process.on('SIGURG', () => { ${throwing} });`,
    )}`;

  it.each([
    ['uncaught exception', "throw new Error('planted')"],
    ['unhandled rejection', "Promise.reject(new Error('planted'))"],
  ])(
    'logs an %s that reaches the process-wide handler with the path that let it through, removes the lab and exits',
    async (kind, throwing) => {
      const agent = await startAgent([], 30_000, { NODE_OPTIONS: `--import=${planted(throwing)}` });
      try {
        expect(namespacesOf(agent.pid)).toHaveLength(2);
        const exited = once(agent.child, 'exit');
        agent.child.kill('SIGURG');
        const [code] = (await exited) as [number | null];
        expect(code).toBe(1);
        expect(agent.log()).toMatch(
          new RegExp(`${kind} reached the process-wide handler \\(at .*data:text/javascript`),
        );
        expect(agent.log()).toContain('planted');
        expect(namespacesOf(agent.pid)).toEqual([]);
      } finally {
        await agent.stop();
      }
    },
  );

  it("starts with fresh tokens, and says so, when the token file's disk is read-only", async () => {
    const disk = mkdtempSync(join(tmpdir(), 'ringside-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', disk]);
    try {
      const agent = await startAgent(['--token-file', join(disk, 'tokens.json')]);
      try {
        const notice = `the token file ${join(disk, 'tokens.json')} cannot be written (EROFS)`;
        expect(agent.log()).toContain(notice);
        // It happened before any page connected: every page that connects is told, control and view alike.
        for (const url of [agent.controlUrl, agent.viewUrl]) {
          const client = await TestClient.connect(url);
          await client.next('state');
          const event = await client.next('event');
          expect(event).toMatchObject({ kind: 'fault' });
          expect(event.message).toContain(notice);
          client.close();
        }
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      execFileSync('umount', [disk]);
      rmdirSync(disk);
    }
  });
});
