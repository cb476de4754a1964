import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchCliHelp, launcherFiles } from './cli-help-bench.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('launcherFiles', () => {
  it("follows the launcher's imports of our own modules, and only those", () => {
    const files = launcherFiles(ROOT);
    expect(files).toEqual(
      expect.arrayContaining([
        'agent/package.json',
        'agent/scripts/ringside.mjs',
        'agent/src/cli-help.mjs',
        'agent/src/run-file.mjs',
        // Imported since the CLI runs from a bundle: left out of a hand-kept list, it broke the run.
        'agent/src/setup/bundles.mjs',
      ]),
    );
    expect(files.every((file) => file === 'agent/package.json' || file.endsWith('.mjs'))).toBe(true);
  });
});

describe('benchCliHelp', () => {
  it('answers --help from the copy alone, with nothing installed beside it', () => {
    const { cli_help_ms } = benchCliHelp(ROOT, 1);
    expect(cli_help_ms.runs).toBe(1);
  });
});
