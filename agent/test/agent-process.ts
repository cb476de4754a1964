import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshBundle } from '../src/setup/bundles.mjs';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../scripts/ringside.mjs', import.meta.url));

export interface RunningAgent {
  child: ChildProcess;
  pid: number;
  controlUrl: URL;
  viewUrl: URL;
  port: number;
  /** stderr so far: the agent's structured log. */
  log(): string;
  /** stdout so far: the URL lines (the banner's, on a terminal). */
  output(): string;
  /** Stops the agent with `signal` and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface AgentExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as the launcher runs it: its bundle while fresh (src/setup/bundles.mjs), the sources through tsx otherwise. */
const bundledCli = freshBundle('cli');
const NODE_ARGS = bundledCli ? [fileURLToPath(bundledCli)] : ['--import', 'tsx', CLI];

/** Tests keep their tokens apart from a real installation's. */
export function testTokenFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'ringside-tokens-')), 'tokens.json');
}

/** A loopback port no one listens on now, for a server a test starts itself (it may be taken in between). */
export async function freePort(): Promise<number> {
  const probe = createServer().listen({ host: '127.0.0.1', port: 0 });
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Starts the real agent CLI and resolves once it prints its URLs (3 to 4 s idle; 19 s was seen at load 20). */
export async function startAgent(
  args: string[] = [],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningAgent> {
  const tokenFile = args.includes('--token-file') ? [] : ['--token-file', testTokenFile()];
  const port = args.includes('--port') ? [] : ['--port', '0'];
  // The agent stops by itself if this process dies first (a killed test run must not leave a lab running).
  const parent = ['--stop-with-pid', String(process.pid)];
  const child = spawn(process.execPath, [...NODE_ARGS, ...port, ...tokenFile, ...parent, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const urls = await new Promise<[URL, URL]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const control = /running: (\S+)/.exec(stdout);
      const view = /audience\): (\S+)/.exec(stdout);
      if (control?.[1] && view?.[1]) {
        clearTimeout(timer);
        resolve([new URL(control[1]), new URL(view[1])]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code} before it started:\n${stderr}`));
    });
  });
  return {
    child,
    pid: child.pid as number,
    controlUrl: urls[0],
    viewUrl: urls[1],
    port: Number(urls[0].port),
    log: () => stderr,
    output: () => stdout,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/** `ringside urls`, as a user types it in another terminal: through the launcher, which answers before any set-up. */
export function ringsideUrls(tokenFile: string): Promise<AgentExit> {
  return runToExit([process.execPath, LAUNCHER, 'urls', '--token-file', tokenFile], {});
}

/** A GET sent to the agent on loopback with the headers given: a Host other than loopback's is how a name is tried. */
export function getWithHeaders(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

/** Runs the agent CLI to its end, for the cases where it must refuse to start. */
export async function runAgentToExit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<AgentExit> {
  return runToExit([process.execPath, ...NODE_ARGS, ...refusalArgs(args)], env);
}

/**
 * Runs the agent CLI as `nobody`, to its end. A checkout under a directory
 * other users cannot enter (any clone in /root or in a `mktemp -d`) is out of
 * nobody's reach, tsx and the CLI with it: the child sees the checkout
 * through a bind mount at a path anyone can walk, made in a mount namespace
 * of its own, so the mount goes with the child and nothing is copied.
 */
export async function runAgentAsNobody(args: string[]): Promise<AgentExit> {
  const view = mkdtempSync(join(tmpdir(), 'ringside-checkout-'));
  chmodSync(view, 0o755);
  const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];
  // $1 is the checkout and $2 the mount point; node resolves `--import tsx` from its working directory.
  const script = 'mount --bind "$1" "$2" && cd "$2" && shift 2 && exec "$@"';
  try {
    return await runToExit(
      [
        ...['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', CHECKOUT, view, ...nobody],
        ...[process.execPath, '--import', 'tsx', join(view, 'agent/src/cli.ts'), ...refusalArgs(args)],
      ],
      {},
    );
  } finally {
    rmdirSync(view);
  }
}

const refusalArgs = (args: string[]) => ['--port', '0', '--token-file', testTokenFile(), ...args];

async function runToExit(command: string[], env: NodeJS.ProcessEnv): Promise<AgentExit> {
  const child = spawn(command[0] as string, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
