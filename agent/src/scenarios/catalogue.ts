import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSocketRequest, Scenario, type ScenarioSocket } from '@ringside/shared';
import { rxRingProblem } from '../dataplane/tx-descriptors.ts';

/** Where the lessons live: one JSON file per scenario, named after it. */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

export interface Catalogue {
  scenarios: Scenario[];
  /** One line per file refused: the file, the field and the fix. The others load all the same. */
  problems: string[];
}

/** Reads and validates every `*.json` under `dir`; a file that fails is named, never fatal. */
export function loadCatalogue(dir = SCENARIO_DIR): Catalogue {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (error) {
    return { scenarios: [], problems: [`${dir}: the lessons folder cannot be read (${(error as Error).message})`] };
  }
  const scenarios: Scenario[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const shown = relative(process.cwd(), path) || path;
    const parsed = parseScenarioFile(readFileSync(path, 'utf8'), basename(file, '.json'));
    if (!parsed.ok) problems.push(`${shown}: ${parsed.problem}`);
    else if (scenarios.some((known) => known.name === parsed.scenario.name))
      problems.push(`${shown}: name: ${parsed.scenario.name} is taken by another file; give each lesson its own name`);
    else scenarios.push(parsed.scenario);
  }
  return { scenarios, problems };
}

const SCHEMA_HINT = 'the fields are defined in shared/src/scenario.ts (Scenario)';

/** One file's text: the scenario, or what is wrong with it, naming the field and the fix. */
export function parseScenarioFile(
  text: string,
  fileName: string,
): { ok: true; scenario: Scenario } | { ok: false; problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON (${(error as Error).message}); fix the syntax` };
  }
  const result = Scenario.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(the file)';
    return { ok: false, problem: `${field}: ${issue?.message ?? 'invalid'}; ${SCHEMA_HINT}` };
  }
  const scenario = result.data;
  if (scenario.name !== fileName) {
    return {
      ok: false,
      problem: `name: ${scenario.name} differs from the file's name; rename the file ${scenario.name}.json`,
    };
  }
  const problem = referenceProblem(scenario);
  return problem ? { ok: false, problem } : { ok: true, scenario };
}

/**
 * Each socket a step, a share or an expectation names must be one the lesson
 * creates; a descriptor table goes from a socket the agent would post it
 * from (txTableProblems' RX rule).
 */
function referenceProblem(scenario: Scenario): string | null {
  const sockets = new Map(scenario.setup.sockets.map((socket) => [socket.id, socket]));
  const known = new Set(sockets.keys());
  for (const [i, socket] of scenario.setup.sockets.entries()) {
    if (socket.shareUmemOf !== undefined && !known.has(socket.shareUmemOf))
      return `setup.sockets.${i}.shareUmemOf: no socket ${socket.shareUmemOf} is set up before it; name one of ${[...known].join(', ')}`;
  }
  for (const [i, step] of scenario.steps.entries()) {
    if (step.do === 'createSocket') {
      known.add(step.socket.id);
      sockets.set(step.socket.id, step.socket);
    } else if ('socketId' in step && !known.has(step.socketId))
      return `steps.${i}.socketId: the lesson has no socket ${step.socketId}; name one of ${[...known].join(', ')}`;
    else if (step.do === 'txDescriptors' && rxRingProblem(step.socketId, rxRingSize(sockets.get(step.socketId))))
      return `steps.${i}.socketId: ${step.socketId} has an RX ring, and a descriptor table goes from a socket without one; give it "socket": {"rxSize": 0}`;
  }
  for (const [where, expectation] of [
    ['expect', scenario.expect],
    ['upstream.expect', scenario.upstream.expect],
  ] as const) {
    const unknown = Object.keys(expectation.sockets ?? {}).find((id) => !known.has(id));
    if (unknown !== undefined)
      return `${where}.sockets.${unknown}: the lesson has no socket ${unknown}; name one of ${[...known].join(', ')}`;
  }
  return null;
}

/** The RX ring a lesson's socket gets: its own setting, else the start socket's, as the runner builds it. */
function rxRingSize(socket: ScenarioSocket | undefined): number {
  return socket?.socket?.rxSize ?? defaultSocketRequest('').socket.rxSize;
}
