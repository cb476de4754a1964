import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { XdpStatistics } from '@ringside/shared';

/**
 * A foreign AF_XDP application (bench/native/xsk-owner.c, built by the setup
 * step) running rxdrop in a lab namespace: what Ringside attaches to in the
 * attach tests and benchmark. Commands go one line at a time on its stdin;
 * each answer is one JSON line.
 */

export const OWNER_BINARY = fileURLToPath(new URL('../../bench/native/build/xsk-owner', import.meta.url));

export interface OwnerSocket {
  queue: number;
  fd: number;
  rx_producer: number;
  rx_consumer: number;
  fill_producer: number;
  rx_frames: number;
  stats: XdpStatistics;
}

interface Bound {
  errno: number;
  ms: number;
  pid: number;
  fds: number[];
}

export class XskOwner {
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private exited = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly pid: number,
    /** The fds of its sockets, in the order of its queues. */
    public fds: number[],
  ) {}

  /**
   * Starts it in `namespace` on `ifname`, one socket per queue (two share one
   * UMEM), and waits until bound. No queues: a UDP socket and no XSK.
   */
  static async start(namespace: string, ifname: string, queues: readonly number[]): Promise<XskOwner> {
    if (!existsSync(OWNER_BINARY)) {
      throw new Error(`${OWNER_BINARY} is missing: run 'node agent/scripts/setup.mjs' (it builds bench/native)`);
    }
    const child = spawn(
      'ip',
      [
        ...['netns', 'exec', namespace, OWNER_BINARY, '--iface', ifname],
        ...(queues.length > 0 ? ['--queues', queues.join(',')] : ['--without-xsk']),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`xsk-owner exited with ${code}: ${stderr.trim()}`)));
      child.once('error', reject);
    });
    const ready = JSON.parse(first) as Bound & { ready: boolean };
    if (!ready.ready) throw new Error(`xsk-owner could not bind: errno ${ready.errno}: ${stderr.trim()}`);
    const owner = new XskOwner(child, ready.pid, ready.fds);
    lines.on('line', (line) => owner.answer(line));
    child.once('exit', () => {
      owner.exited = true;
    });
    return owner;
  }

  private answer(line: string): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(line);
    else this.answers.push(line);
  }

  private async request<T>(command: string): Promise<T> {
    if (this.exited) throw new Error(`xsk-owner ${this.pid} has exited`);
    const line = new Promise<string>((resolve) => {
      this.waiting = resolve;
    });
    this.child.stdin.write(`${command}\n`);
    return JSON.parse(await line) as T;
  }

  /** Its own reading of each socket's rings and counters, at the moment it answers. */
  async report(): Promise<OwnerSocket[]> {
    return (await this.request<{ sockets: OwnerSocket[] }>('report')).sockets;
  }

  /** Stops (or restarts) draining RX and refilling FILL: the kernel then drops frames and counts them. */
  async pause(paused: boolean): Promise<void> {
    await this.request(paused ? 'pause' : 'resume');
  }

  /** Closes its sockets and UMEM and binds the same queues again; the kernel's errno when it refused. */
  async rebind(): Promise<Bound & { rebound: boolean }> {
    const answer = await this.request<Bound & { rebound: boolean }>('rebind');
    if (answer.rebound) this.fds = answer.fds;
    return answer;
  }

  /** SIGKILL, to the owner itself (its pid, whether or not `ip netns exec` forked). */
  kill(): void {
    if (!this.exited) process.kill(this.pid, 'SIGKILL');
  }

  /** Resolves once the owner has exited. */
  exit(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Asks it to close everything and exit; kills it after a second if it does not. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = this.exit();
    this.child.stdin.write('quit\n');
    const timer = setTimeout(() => this.kill(), 1000);
    await exited;
    clearTimeout(timer);
  }
}
