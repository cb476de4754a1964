import { readdirSync, readFileSync } from 'node:fs';
import { START_SOCKET_ID, type StateMessage } from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DATAPLANE_NICE, OBSERVER_NICE } from '../src/dataplane/control.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { TestClient } from './ws-client.ts';

/** The nice of a thread (or of `pid`'s main thread): field 19 of its stat, counted after the command name's closing parenthesis. */
function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state).
  return Number(fields[19 - 3]);
}

const mainThreadNice = (pid: number) => niceOf(`/proc/${pid}/stat`);

/** How many of `pid`'s threads run at each nice, as the kernel has them. */
function threadsByNice(pid: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const nice = niceOf(`/proc/${pid}/task/${tid}/stat`);
      counts.set(nice, (counts.get(nice) ?? 0) + 1);
    } catch {
      // The thread ended since the directory was read.
    }
  }
  return counts;
}

const LESSON = 'SEND_RECEIVE_SINGLE_PKT';
// A lesson takes seconds on an idle machine, and many times that on a loaded one (scenarios.test.ts).
const LESSON_MS = 170_000;

describeKernel("a running agent's threads, and its main thread while someone waits on it", () => {
  let agent: RunningAgent;
  let client: TestClient;
  let started: StateMessage;

  beforeAll(async () => {
    agent = await startAgent(['--rate', '2000']);
    client = await TestClient.connect(agent.controlUrl);
    started = await client.next('state');
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await agent?.stop();
  });

  it('leaves only the data plane at its nice: the helper threads (garbage collection, libuv) yield as the main one does', async () => {
    // One data-plane thread per UMEM: xsk0's and each of the source's senders'.
    const dataplane =
      started.sockets.filter((socket) => socket.id === START_SOCKET_ID).length +
      (started.traffic?.queueIds.length ?? 0);
    expect(dataplane).toBeGreaterThanOrEqual(2);
    // A thread started since the last sweep yields at the agent's next look (every 2 s): wait for it, not for a time.
    const deadline = Date.now() + 30_000;
    let counts = threadsByNice(agent.pid);
    while (counts.get(DATAPLANE_NICE) !== dataplane && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      counts = threadsByNice(agent.pid);
    }
    expect(counts.get(DATAPLANE_NICE)).toBe(dataplane);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([DATAPLANE_NICE, OBSERVER_NICE]);
    expect(counts.get(OBSERVER_NICE)).toBeGreaterThan(1);
  }, 40_000);

  it(
    'runs a lesson at the data plane’s nice, and goes back to the observer’s when it has ended',
    async () => {
      client.send({ type: 'runScenario', requestId: 'lesson', name: LESSON });
      // The state that says the lesson runs is sent from inside it: the command has raised the thread by then.
      let state: StateMessage;
      do state = await client.next('state', LESSON_MS);
      while (state.lessons?.running !== LESSON);
      const during = mainThreadNice(agent.pid);
      const answered = client.of('ack').some((ack) => ack.requestId === 'lesson');
      expect(answered).toBe(false);
      expect(during).toBe(DATAPLANE_NICE);

      // The ack goes out once the command has let go of the thread.
      expect(await client.answer('lesson', LESSON_MS)).toMatchObject({ type: 'ack' });
      expect(mainThreadNice(agent.pid)).toBe(OBSERVER_NICE);
    },
    LESSON_MS + 10_000,
  );
});
