import { readFileSync } from 'node:fs';
import type { StateMessage } from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DATAPLANE_NICE, OBSERVER_NICE } from '../src/dataplane/control.ts';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { TestClient } from './ws-client.ts';

/** The nice of `pid`'s main thread: field 19 of /proc/PID/stat, counted after the command name's closing parenthesis. */
function mainThreadNice(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state).
  return Number(fields[19 - 3]);
}

const LESSON = 'SEND_RECEIVE_SINGLE_PKT';
// A lesson takes seconds on an idle machine, and many times that on a loaded one (scenarios.test.ts).
const LESSON_MS = 170_000;

describeKernel("a running agent's main thread, while someone waits on it", () => {
  let agent: RunningAgent;
  let client: TestClient;

  beforeAll(async () => {
    agent = await startAgent(['--rate', '2000']);
    client = await TestClient.connect(agent.controlUrl);
    await client.next('state');
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await agent?.stop();
  });

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
