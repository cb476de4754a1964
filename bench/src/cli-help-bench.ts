import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './stats.ts';

export interface CliHelpResult {
  /** Wall time of `ringside --help`, from spawning node to its exit, over the runs. */
  cli_help_ms: { p50: number; max: number; runs: number };
}

/** What the launcher needs to answer --help: itself and the plain-JavaScript option table, no package. */
const LAUNCHER_FILES = [
  'agent/package.json',
  'agent/scripts/ringside.mjs',
  'agent/src/cli-help.mjs',
  'agent/src/run-file.mjs',
];

/**
 * `npm start -- --help` must answer before anything is installed. The
 * launcher is copied alone into an empty directory (no node_modules, no
 * build), so a static import of any package would fail the run rather than
 * be timed; each run is one `node` process, as npm starts it.
 */
export function benchCliHelp(repoRoot: string, runs: number): CliHelpResult {
  const bare = mkdtempSync(join(tmpdir(), 'ringside-help-'));
  try {
    for (const file of LAUNCHER_FILES) cpSync(join(repoRoot, file), join(bare, file));
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [join(bare, 'agent/scripts/ringside.mjs'), '--help'], {
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
