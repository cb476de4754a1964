import type { EventMessage } from '@ringside/shared';
import type { RunningAgent } from './agent-process.ts';
import type { TestClient } from './ws-client.ts';

/** More crashes than this without "left down" is a supervisor that never gives up. */
const MOST_CRASHES = 8;

/** A socket's faults, and the lab's traffic source's: which worker's crashes crashUntilLeftDown counts. */
export const ofSocket = (socketId: string) => (message: string) => message.includes(`socket ${socketId}`);
export const ofTrafficSource = (message: string) => message.startsWith('traffic source:');

/**
 * Ends the agent's data-plane threads with SIGUSR2 (the agent must run with
 * RINGSIDE_TEST_FAULTS=1) until the worker whose faults `whose` picks is said
 * to be left down. Each signal waits for its fault event, never for a clock;
 * under RINGSIDE_TEST_FAULTS the crash window is long enough that a slow
 * restart still counts. One signal need not end every worker: one still
 * restarting after the last signal is not running to be ended, so each
 * worker is crashed until it is down, not counted as the others were.
 * Returns that worker's fault events.
 */
export async function crashUntilLeftDown(
  agent: RunningAgent,
  client: TestClient,
  whose: (message: string) => boolean,
): Promise<EventMessage[]> {
  const crashes = () => client.of('event').filter((event) => event.kind === 'fault' && whose(event.message));
  while (!/left down/.test(crashes().at(-1)?.message ?? '')) {
    const told = crashes().length;
    if (told >= MOST_CRASHES) throw new Error(`never left down: ${crashes().map((event) => event.message)}`);
    agent.child.kill('SIGUSR2');
    await client.until(() => (crashes().length > told ? true : undefined), 20_000, `a fault for crash ${told + 1}`);
  }
  return crashes();
}
