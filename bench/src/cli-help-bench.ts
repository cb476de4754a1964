import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { percentile } from './stats.ts';

export interface CliHelpResult {
  /** Wall time of `ringside --help`, from spawning node to its exit, over the runs. */
  cli_help_ms: { p50: number; max: number; runs: number };
}

const LAUNCHER = 'agent/scripts/ringside.mjs';

/**
 * What the launcher needs to answer --help: agent/package.json (which makes
 * .mjs and .js modules), the launcher and every module of ours it imports,
 * followed from import to import, so a new one cannot be left out of the copy.
 * A package it imported would not be found in the copy, and fail the run.
 */
export function launcherFiles(repoRoot: string): string[] {
  const files = new Set<string>();
  const follow = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const [, specifier] of text.matchAll(/^import\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) {
      follow(posix.join(posix.dirname(file), specifier as string));
    }
  };
  follow(LAUNCHER);
  return ['agent/package.json', ...[...files].sort()];
}

/**
 * `npm start -- --help` must answer before anything is installed. The
 * launcher is copied alone into an empty directory (no node_modules, no
 * build), so a static import of any package would fail the run rather than
 * be timed; each run is one `node` process, as npm starts it.
 */
export function benchCliHelp(repoRoot: string, runs: number): CliHelpResult {
  const bare = mkdtempSync(join(tmpdir(), 'ringside-help-'));
  try {
    for (const file of launcherFiles(repoRoot)) cpSync(join(repoRoot, file), join(bare, file));
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [join(bare, LAUNCHER), '--help'], {
        encoding: 'utf8',
      });
      times.push(performance.now() - started);
      if (result.status !== 0 || !result.stdout.includes('--port')) {
        throw new Error(`--help failed with nothing installed (exit ${result.status}): ${result.stderr.trim()}`);
      }
    }
    times.sort((a, b) => a - b);
    return { cli_help_ms: { p50: percentile(times, 50), max: times.at(-1) as number, runs } };
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
}
