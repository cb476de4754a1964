import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBoundaries } from './check-boundaries.ts';

// A small repository that keeps every rule: the shape of the real one.
const CLEAN: Record<string, string> = {
  'shared/src/protocol.ts': "import { z } from 'zod';\nimport { RING } from './rings.ts';\n",
  'shared/src/rings.ts': "export const RING = 'fill';\n",
  'shared/src/protocol.test.ts': "import { it } from 'vitest';\nimport { z } from './protocol.ts';\n",
  'agent/src/native/libc.ts': "import koffi from 'koffi';\n",
  'agent/src/xsk/ring.ts': "import { libc } from '../native/libc.ts';\n// not an import: from 'koffi'\n",
  'agent/src/engine/engine.ts': "import { Ring } from '../xsk/ring.ts';\nimport { logger } from '../logger.ts';\n",
  'agent/src/logger.ts': "import pino from 'pino';\n",
  'agent/src/agent.ts': "import { Engine } from './engine/engine.ts';\nimport '@ringside/shared';\n",
  'web/src/store.ts': "import { scale } from './viz/chart.ts';\n",
  'web/src/viz/chart.ts': "import { scaleLinear } from 'd3-scale';\n",
  'web/src/components/App.tsx': "import { useStore } from '../store.ts';\n",
};

let root: string | undefined;
afterEach(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function tree(changes: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'ringside-boundaries-'));
  for (const [path, text] of Object.entries({ ...CLEAN, ...changes })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const keysOf = (changes: Record<string, string>) => checkBoundaries(tree(changes)).map((violation) => violation.key);

describe('the boundary check', () => {
  it('passes a tree that keeps every rule', () => {
    expect(checkBoundaries(tree({}))).toEqual([]);
  });

  it('fails shared/ importing anything but zod, naming the file and the import', () => {
    expect(keysOf({ 'shared/src/rings.ts': "import { readFileSync } from 'node:fs';\n" })).toEqual([
      "shared imports only zod: shared/src/rings.ts imports 'node:fs'",
    ]);
    expect(
      keysOf({ 'shared/src/rings.ts': "export type { Engine } from '../../agent/src/engine/engine.ts';\n" }),
    ).toEqual(["shared imports only zod: shared/src/rings.ts imports '../../agent/src/engine/engine.ts'"]);
    expect(keysOf({ 'shared/src/rings.ts': "import { it } from 'vitest';\n" })).toEqual([
      "shared imports only zod: shared/src/rings.ts imports 'vitest'",
    ]);
  });

  it('fails koffi imported outside agent/src/native, however it is imported', () => {
    expect(keysOf({ 'agent/src/xsk/ring.ts': "const koffi = await import('koffi');\n" })).toEqual([
      "only agent/src/native imports koffi: agent/src/xsk/ring.ts imports 'koffi'",
    ]);
    expect(keysOf({ 'web/src/store.ts': "import type { IKoffiCType } from 'koffi';\n" })).toEqual([
      "only agent/src/native imports koffi: web/src/store.ts imports 'koffi'",
    ]);
  });

  it('fails a folder cycle in agent/src, every edge of it, through a chain', () => {
    const violations = checkBoundaries(
      tree({
        'agent/src/native/libc.ts': "import koffi from 'koffi';\nimport { Engine } from '../engine/engine.ts';\n",
      }),
    );
    expect(violations.map((violation) => violation.key).sort()).toEqual([
      'folder cycle in agent/src: engine → xsk',
      'folder cycle in agent/src: native → engine',
      'folder cycle in agent/src: xsk → native',
    ]);
    expect(violations.find((violation) => violation.key.endsWith('native → engine'))?.details).toEqual([
      'cycle: native → engine → xsk → native',
      "agent/src/native/libc.ts imports '../engine/engine.ts'",
    ]);
  });

  it('fails a folder cycle in web/src, a top-level file counting as a folder', () => {
    expect(keysOf({ 'web/src/viz/chart.ts': "import { useStore } from '../store.ts';\n" }).sort()).toEqual([
      'folder cycle in web/src: store.ts → viz',
      'folder cycle in web/src: viz → store.ts',
    ]);
  });

  // Starting tsx takes seconds on a busy machine: one run of the command, the failing one.
  it('exits non-zero with the rule, the file and the import on stderr', { timeout: 60_000 }, () => {
    const script = fileURLToPath(new URL('./check-boundaries.ts', import.meta.url));
    const planted = tree({ 'agent/src/engine/engine.ts': "import koffi from 'koffi';\n" });
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, planted], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("only agent/src/native imports koffi: agent/src/engine/engine.ts imports 'koffi'");
  });
});
