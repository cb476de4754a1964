import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { type Lab, removeStaleLabs } from '../src/lab/lab.ts';
import { routeLibraryMessages } from '../src/native/libxdp.ts';

/**
 * `describe` and `it` for tests that need what a machine may lack, `missing`
 * naming it (null: nothing is). Elsewhere they skip and say why; under CI
 * (CI=true) each fails instead, naming it, so the tests that can run always do.
 */
export function gated(missing: string | null): { describe: typeof describe; it: typeof it } {
  if (missing === null) return { describe, it };
  const fail = () => {
    throw new Error(`cannot run under CI: ${missing}`);
  };
  const underCi = process.env.CI === 'true';
  const skipped = (name: string) => `${name} (skipped: ${missing})`;
  // Under CI the body is not run: its hooks would fail on what is missing and bury the reason.
  const gate = (skip: (name: string, ...rest: unknown[]) => void) =>
    ((name: string, ...rest: unknown[]) => (underCi ? it(name, fail) : skip(skipped(name), ...rest))) as never;
  return {
    describe: gate(describe.skip as (name: string, ...rest: unknown[]) => void),
    it: gate(it.skip as (name: string, ...rest: unknown[]) => void),
  };
}

/** Kernel tests need root and AF_XDP. */
function missingRequirement(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/usr/include/xdp/xsk.h') && !existsSync('/usr/lib/x86_64-linux-gnu/libxdp.so.1')) {
    return 'libxdp is not installed (npm test installs it)';
  }
  return null;
}

const missing = missingRequirement();
// A test process that crashed left its labs behind; like the agent, tests start by removing them.
if (!missing) removeStaleLabs();
// libbpf and libxdp narrate every program load on stderr; RINGSIDE_TEST_LIBRARY_LOG=1 shows them.
if (!missing) {
  routeLibraryMessages((level, source, text) => {
    if (process.env.RINGSIDE_TEST_LIBRARY_LOG === '1') process.stderr.write(`[${source} ${level}] ${text}\n`);
  });
}

/** `describe` for tests that open real AF_XDP sockets. */
export const describeKernel = gated(missing).describe;

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A counter of `ethtool -S` on the lab's app end (veth keeps per-queue XDP counters). */
export function vethStatistic(lab: Lab, name: string): number {
  const text = execFileSync('ip', ['netns', 'exec', lab.appNamespace, 'ethtool', '-S', lab.appIfname], {
    encoding: 'utf8',
  });
  const match = new RegExp(`^\\s*${name}: (\\d+)$`, 'm').exec(text);
  if (!match) throw new Error(`ethtool -S ${lab.appIfname} has no ${name}`);
  return Number(match[1]);
}

/**
 * Sends `total` frames `round` at a time, each round once the last one has
 * arrived. A receiver drops what finds its FILL ring empty (the kernel counts
 * rx_fill_ring_empty_descs), and a receiving thread descheduled for 20 ms on
 * a busy machine misses 1000 frames at 50 kpps: a round no larger than half
 * the receiver's FILL ring always finds room there, however late its thread
 * runs. `send(count)` asks for `count` more frames; `arrived()` counts them.
 */
export async function sendInRounds(
  total: number,
  round: number,
  send: (count: number) => void,
  arrived: () => number,
  what: string,
): Promise<void> {
  const start = arrived();
  for (let sent = 0; sent < total; ) {
    const count = Math.min(round, total - sent);
    send(count);
    sent += count;
    await waitFor(() => arrived() - start >= sent, 10_000, `${sent} of ${total} ${what}`);
  }
}

/**
 * What an XDP program test built, torn down in order: its sockets, then the
 * program, then the namespaces; every step runs even when one throws.
 */
export function tearDownBuilt(built: {
  sockets: readonly { destroy(): void }[];
  program: { detach(): void } | null;
  lab: { destroy(): void } | null;
}): void {
  everyStep([
    ...built.sockets.map((socket) => () => socket.destroy()),
    () => built.program?.detach(),
    () => built.lab?.destroy(),
  ]);
}

/** Runs every step even when one before it throws (a clean-up must not leave a lab behind), then throws the first failure. */
export function everyStep(steps: readonly (() => void)[]): void {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
