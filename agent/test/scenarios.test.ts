import type { LessonOutcome, StateMessage } from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadCatalogue } from '../src/scenarios/catalogue.ts';
import { type RunningAgent, runAgentToExit, startAgent } from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { TestClient } from './ws-client.ts';

const { scenarios } = loadCatalogue();

/**
 * Every lesson of agent/scenarios/ run by a real agent in its lab, one at a
 * time through runScenario, as a control page runs it: what this kernel
 * showed must be what the lesson expects of it. Where upstream's harness
 * expects otherwise, the outcome says so (upstreamFindings) and the lesson
 * explains why.
 */
describeKernel('the lessons, each run against this kernel', () => {
  let agent: RunningAgent;
  let client: TestClient;

  beforeAll(async () => {
    agent = await startAgent(['--rate', '2000']);
    client = await TestClient.connect(agent.controlUrl);
    client.send({ type: 'hello', protocol: { major: 2, minor: 3 } });
    await client.next('state');
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await agent?.stop();
  });

  // A lesson takes a few seconds on an idle machine; a loaded one stretches its waits for stillness many times over,
  // and a test that gave up would leave its lesson running into the next one.
  const LESSON_MS = 170_000;
  let runs = 0;
  async function run(name: string): Promise<LessonOutcome> {
    runs++;
    const requestId = `run-${runs}`;
    client.send({ type: 'runScenario', requestId, name });
    const answer = await client.answer(requestId, LESSON_MS);
    expect(answer).toMatchObject({ type: 'ack' });
    const state = client.of('state').at(-1) as StateMessage;
    const last = state.lessons?.last;
    if (last?.name !== name) throw new Error(`the state after the run names ${last?.name}, not ${name}`);
    return last;
  }

  for (const scenario of scenarios) {
    it(
      `${scenario.name}: ${scenario.title}`,
      async () => {
        const outcome = await run(scenario.name);
        expect(outcome.error).toBeNull();
        expect(outcome.findings).toEqual([]);
        // Upstream differs only where the lesson says why.
        if (!scenario.upstream.differs) expect(outcome.upstreamFindings).toEqual([]);
        else expect(outcome.upstreamFindings.length).toBeGreaterThan(0);
      },
      LESSON_MS + 10_000,
    );
  }

  it(
    'refuses an unknown lesson with the names there are, and goes on serving',
    async () => {
      client.send({ type: 'runScenario', requestId: 'unknown', name: 'NO_SUCH_TEST' });
      const answer = await client.answer('unknown');
      expect(answer).toMatchObject({ type: 'error', code: 'not-found' });
      expect(answer.type === 'error' && answer.message).toContain('SEND_RECEIVE_2K_FRAME');
      await run('SEND_RECEIVE_SINGLE_PKT');
    },
    LESSON_MS + 10_000,
  );
});

describeKernel('--scenario on the command line', () => {
  it('refuses an unknown name before building anything, listing the lessons', async () => {
    const exit = await runAgentToExit(['--scenario', 'NO_SUCH_TEST']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain("there is no lesson 'NO_SUCH_TEST'");
    expect(exit.stderr).toContain('STAT_TX_INVALID');
  });
});
