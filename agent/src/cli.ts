#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TRAFFIC, MAX_RATE_PPS, MIN_FRAME_LENGTH } from '@ringside/shared';
import { banner } from './banner.ts';
import { DEFAULT_TOKEN_FILE, HELP } from './cli-help.mjs';
import { firstSocket } from './first-socket.ts';
import { DEFAULT_LAB_MTU, longestLabFrame, MAX_LAB_MTU } from './lab/lab.ts';
import { createLogger, defaultLogFormat, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.ts';
import { portProblem } from './port-check.ts';
import { preflight } from './preflight.ts';
import { DEFAULT_RECORD_SNAPSHOTS_PER_SECOND, Recorder } from './record/recorder.ts';
import { removeRunFile, runFileFor, urlLines, writeRunFile } from './run-file.mjs';
import { loadCatalogue } from './scenarios/catalogue.ts';
import { lessonReport } from './scenarios/report.ts';
import {
  type AllowedHost,
  addressesServed,
  isLoopback,
  isWildcardAddress,
  newToken,
  parseAllowedHost,
} from './server/access.ts';
import { DEFAULT_COMMANDS_PER_SECOND } from './server/agent-server.ts';
import { loadTokens, type Tokens } from './server/token-store.ts';

/** Errors that say the token file's disk takes no writes, rather than that the path is wrong. */
const UNWRITABLE = ['EROFS', 'ENOSPC', 'EDQUOT'];

/** Ends the process with one line that names the cause and the fix. */
function die(message: string): never {
  process.stderr.write(`ringside: ${message}\n`);
  process.exit(1);
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max)
    die(`--${name} must be a whole number from ${min} to ${max}, not '${value}'.`);
  return parsed;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (error) {
    die(`${(error as Error).message}. See --help.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  // `urls` is answered by the launcher (agent/scripts/ringside.mjs), before any set-up: nothing here takes a command.
  if (positionals.length > 0) die(`'${positionals.join(' ')}' is not an option: 'npm start -- urls' prints the URLs.`);
  const tokenFile = values['token-file'] ?? DEFAULT_TOKEN_FILE;
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) die(`--log-level must be one of ${LOG_LEVELS.join(', ')}.`);
  const logFormat = (values['log-format'] ?? defaultLogFormat(process.stderr.isTTY === true)) as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) die(`--log-format must be one of ${LOG_FORMATS.join(', ')}.`);
  const host = values.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  if (!loopback && !values['allow-remote']) {
    die(`serving on ${host} exposes a root agent to the network: add --allow-remote if that is what you want.`);
  }
  const allowedHosts = allowedHostsOption(host, values['allowed-host'] ?? []);
  const labMtu = integer('lab-mtu', values['lab-mtu'], DEFAULT_LAB_MTU, 68, MAX_LAB_MTU);
  const options = {
    host,
    allowedHosts,
    port: integer('port', values.port, 7420, 0, 65535),
    iface: values.iface ?? null,
    queue: integer('queue', values.queue, 0, 0, 4095),
    labQueues: integer('lab-queues', values['lab-queues'], 2, 1, 64),
    labMtu,
    stopWithPid:
      values['stop-with-pid'] === undefined ? null : integer('stop-with-pid', values['stop-with-pid'], 0, 1, 4_194_304),
    ratePps: integer('rate', values.rate, DEFAULT_TRAFFIC.ratePps, 1, MAX_RATE_PPS),
    frameLength: integer(
      'frame-length',
      values['frame-length'],
      DEFAULT_TRAFFIC.frameLength,
      MIN_FRAME_LENGTH,
      longestLabFrame(labMtu),
    ),
    commandsPerSecond: integer(
      'max-commands-per-second',
      values['max-commands-per-second'],
      DEFAULT_COMMANDS_PER_SECOND,
      1,
      1_000_000,
    ),
  };

  const attach = attachOption(values.attach);
  if (attach !== null && options.iface !== null) die('--attach watches the host as it is: it takes no --iface.');
  const lesson = lessonOption(values.scenario, options.iface !== null || attach !== null);

  const problem = preflight({ iface: options.iface, queue: options.queue });
  if (problem) die(problem);
  // After preflight: an interface that does not exist is told as such, before any question of what to run on it.
  const socket = firstSocket({ iface: options.iface, queue: options.queue, workload: values.workload });
  if (!socket.ok) die(socket.problem);
  // Before the lab is built: a busy port found only at listen would build the lab and tear it down for nothing.
  const portBusy = await portProblem(options.host, options.port);
  if (portBusy) die(portBusy);

  const recorder = recorderOption(values.record, values['record-rate']);

  const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');
  if (!existsSync(resolve(webRoot, 'index.html')))
    die(`the web app is not built (${webRoot} is empty): run 'npm start', which builds it.`);

  const logger = createLogger(logLevel, logFormat);
  let tokens: Tokens;
  let tokenNotice: string | null = null;
  try {
    tokens = loadTokens(tokenFile, values['new-tokens'] === true);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !UNWRITABLE.includes(code)) {
      die(
        `the token file cannot be read or written (${(error as Error).message}): pass --token-file with a path root can write, or --new-tokens.`,
      );
    }
    // A read-only or full disk must not keep Ringside from starting: these tokens live as long as this run.
    tokens = { control: newToken(), view: newToken() };
    tokenNotice = `the token file ${tokenFile} cannot be written (${code}): Ringside runs with fresh tokens that last until it stops, so pages opened before need the new URL; pass --token-file with a writable path to keep them across restarts`;
    logger.warn({ tokenFile, code }, tokenNotice);
  }
  if (socket.warning) logger.warn({ iface: options.iface, queue: options.queue }, socket.warning);
  if (!loopback)
    logger.warn(
      { host },
      'serving beyond loopback: anyone who can reach this address and has the token controls XDP sockets on this host',
    );
  // Allowed, and their URLs printed: a tunnel or proxy that ends on this machine reaches loopback, nothing else does.
  else if (allowedHosts.length > 0)
    logger.warn(
      { host, allowedHosts: allowedHosts.map((allowed) => allowed.name) },
      `Ringside listens on ${host} only: these names work through a tunnel or proxy to this port only; add --host 0.0.0.0 --allow-remote for other machines to open them directly`,
    );

  // Loaded only now: importing the agent loads libxdp, whose absence preflight cannot name as clearly.
  let Agent: typeof import('./agent.ts').Agent;
  try {
    ({ Agent } = await import('./agent.ts'));
  } catch (error) {
    die((error as Error).message);
  }

  let agent: import('./agent.ts').Agent | null = null;
  // The last resort: every path should handle its own errors, so one that reaches here names the path that did not.
  const lastResort = (kind: 'uncaught exception' | 'unhandled rejection') => (error: unknown) => {
    const stack = error instanceof Error ? error.stack : undefined;
    // The stack's first frame is where the error began; a rejection with no Error behind it has no path to name.
    const where =
      stack
        ?.split('\n')
        .find((line) => line.trimStart().startsWith('at '))
        ?.trim() ?? 'at an unknown place';
    logger.fatal({ err: error, kind, where }, `${kind} reached the process-wide handler (${where}); removing the lab`);
    agent?.teardownNow();
    process.stderr.write(`ringside: ${kind}: ${error instanceof Error ? error.message : String(error)} (${where})\n`);
    process.exit(1);
  };
  process.on('uncaughtException', lastResort('uncaught exception'));
  process.on('unhandledRejection', lastResort('unhandled rejection'));
  const runFile = runFileFor(tokenFile);
  process.on('exit', () => {
    agent?.teardownNow();
    removeRunFile(runFile, process.pid);
  });
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Handled every time, not once: a second signal (a second Ctrl-C) met the default action, which ends the
    // process without its exit handler, and so left the lab's namespaces behind. It now stops at once, the
    // exit handler still removing the lab (teardownNow); on a real interface (--iface) what the first signal
    // had not yet detached stays, as after a kill, and the next start finds it.
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'stopping at once');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      void (agent?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0));
    });
  }

  try {
    agent = await Agent.start({
      ...options,
      workload: socket.workload,
      attach,
      webRoot,
      logger,
      tokens,
      startupFaults: tokenNotice ? [tokenNotice] : [],
      ...(recorder ? { recorder } : {}),
    });
  } catch (error) {
    die((error as Error).message);
  }
  const urls = agent.urls();
  try {
    writeRunFile(runFile, { pid: process.pid, port: Number(new URL(urls[0].control).port), urls });
  } catch (error) {
    // The token file's disk may take no writes (see above): Ringside runs on, only `ringside urls` cannot help.
    logger.warn({ err: error, runFile }, "the run file cannot be written: 'ringside urls' will not find this run");
  }
  process.stdout.write(
    process.stdout.isTTY
      ? banner({ urls, state: agent.state(), warnings: socket.warning ? [socket.warning] : [] })
      : urlLines(urls),
  );
  if (tokenNotice) process.stdout.write(`Note: ${tokenNotice}\n`);
  if (options.stopWithPid !== null) stopWithProcess(options.stopWithPid);
  if (lesson) {
    try {
      process.stdout.write(lessonReport(lesson, await agent.runLesson(lesson.name)));
    } catch (error) {
      // A refused run leaves Ringside serving: the page can run it again.
      process.stdout.write(`Lesson ${lesson.name} was not run: ${(error as Error).message}\n`);
    }
  }
}

/** `--scenario NAME`: the lesson, checked before anything is built; an unknown name lists the ones there are. */
function lessonOption(name: string | undefined, noLab: boolean) {
  if (name === undefined) return null;
  if (noLab) die('--scenario runs a lesson in the lab: it takes no --iface or --attach.');
  const { scenarios, problems } = loadCatalogue();
  const lesson = scenarios.find((scenario) => scenario.name === name);
  if (lesson) return lesson;
  const refused = problems.length > 0 ? ` (refused files: ${problems.join('; ')})` : '';
  die(
    `--scenario: there is no lesson '${name}'. The lessons are: ${scenarios.map((scenario) => scenario.name).join(', ')}${refused}.`,
  );
}

/** A harness killed before it stops Ringside would leave a root agent, its lab and its traffic running. */
function stopWithProcess(pid: number): void {
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}

/**
 * The names beyond loopback the agent answers to. On a wildcard address it
 * has no name of its own, and a Host it cannot check against one would let
 * any site rebind its name here: at least one is needed, and this machine's
 * addresses there are offered.
 */
function allowedHostsOption(host: string, given: readonly string[]): AllowedHost[] {
  const allowed = given.map((text) => {
    const parsed = parseAllowedHost(text);
    if (!parsed.ok) die(`${parsed.problem}.`);
    return parsed.host;
  });
  if (allowed.length === 0 && isWildcardAddress(host)) {
    const served = addressesServed(host, networkInterfaces()).map(({ address, ifname }) => `${address} (${ifname})`);
    die(
      `serving on ${host} answers only to the names it is given: add --allowed-host NAME (repeatable) for each name or address the audience will open${served.length > 0 ? `; this machine's addresses there: ${served.join(', ')}` : ''}.`,
    );
  }
  return allowed;
}

/** `--attach` alone (every XSK on the host) or `--attach PID` (that process's). */
function attachOption(value: string | undefined): { pid: number | null } | null {
  if (value === undefined) return null;
  return { pid: value === '' ? null : integer('attach', value, 0, 1, 4_194_304) };
}

/** `--record FILE`: opened before the lab is built, so a path that cannot be written ends the start at once. */
function recorderOption(path: string | undefined, rate: string | undefined): Recorder | null {
  if (path === undefined) {
    if (rate !== undefined) die('--record-rate sets the rate of a recording: add --record FILE.');
    return null;
  }
  const perSecond = integer('record-rate', rate, DEFAULT_RECORD_SNAPSHOTS_PER_SECOND, 1, 60);
  try {
    return Recorder.open(resolve(path), perSecond);
  } catch (error) {
    die(
      `--record ${path} cannot be written (${(error as Error).message}): choose a path in a directory root can write.`,
    );
  }
}

/** parseArgs wants a value after a string option: `--attach` followed by no PID gets an empty one. */
function withAttachValue(args: readonly string[]): string[] {
  return args.flatMap((arg, i) => {
    const next = args[i + 1];
    return arg === '--attach' && (next === undefined || next.startsWith('-')) ? ['--attach='] : [arg];
  });
}

function parseOptions() {
  return parseArgs({
    args: withAttachValue(process.argv.slice(2)),
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'allowed-host': { type: 'string', multiple: true },
      iface: { type: 'string' },
      queue: { type: 'string' },
      'lab-queues': { type: 'string' },
      'lab-mtu': { type: 'string' },
      rate: { type: 'string' },
      'frame-length': { type: 'string' },
      workload: { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'token-file': { type: 'string' },
      'new-tokens': { type: 'boolean' },
      'stop-with-pid': { type: 'string' },
      'max-commands-per-second': { type: 'string' },
      attach: { type: 'string' },
      record: { type: 'string' },
      'record-rate': { type: 'string' },
      scenario: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
}

await main();
