import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { removeStaleLabs } from '../src/lab/lab.ts';
import { routeLibraryMessages } from '../src/native/libxdp.ts';

/**
 * Kernel tests need root and AF_XDP. Elsewhere they skip and say why; under
 * CI (CI=true) a missing requirement fails the run instead, so the tests that
 * can run always do.
 */
function missingRequirement(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/usr/include/xdp/xsk.h') && !existsSync('/usr/lib/x86_64-linux-gnu/libxdp.so.1')) {
    return 'libxdp is not installed (npm test installs it)';
  }
  return null;
}

const missing = missingRequirement();
if (missing && process.env.CI === 'true') {
  throw new Error(`kernel tests cannot run under CI: ${missing}`);
}
// A test process that crashed left its labs behind; like the agent, tests start by removing them.
if (!missing) removeStaleLabs();
// libbpf and libxdp narrate every program load on stderr; RINGSIDE_TEST_LIBRARY_LOG=1 shows them.
if (!missing) {
  routeLibraryMessages((level, source, text) => {
    if (process.env.RINGSIDE_TEST_LIBRARY_LOG === '1') process.stderr.write(`[${source} ${level}] ${text}\n`);
  });
}

/** `describe` for tests that open real AF_XDP sockets. */
export const describeKernel: typeof describe = (
  missing
    ? (name: string, ...rest: unknown[]) =>
        (describe.skip as (n: string, ...r: unknown[]) => void)(`${name} (skipped: ${missing})`, ...rest)
    : describe
) as typeof describe;

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
