#!/usr/bin/env node
// Runs the unit tests (vitest project `unit`) on each supported Node LTS line
// other than the one running this script: the full suite runs on the
// machine's own Node, and this proves the pure code on the others. Each
// line's Node comes from the npm registry's node-linux-<arch> package,
// installed once into node_modules/.node-lines/<line>/ (never globally).
// Arguments are passed to vitest (a path filter, for instance).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The lines package.json's `engines` names (Vite needs 20.19+). */
const LINES = [20, 22, 24];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const current = Number(process.versions.node.split('.')[0]);
const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
if (!arch) {
  process.stderr.write(`other Node lines: no node-linux package for ${process.arch}.\n`);
  process.exit(1);
}

/** The `node` of `line`, installed from the registry on first use. */
function nodeOf(line) {
  const prefix = join(root, 'node_modules/.node-lines', String(line));
  const binary = join(prefix, 'node_modules', `node-linux-${arch}`, 'bin/node');
  if (existsSync(binary)) return binary;
  process.stdout.write(`== installing Node ${line} (node-linux-${arch}@${line}) into ${prefix}\n`);
  const install = spawnSync(
    'npm',
    ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-${arch}@${line}`],
    { stdio: 'inherit' },
  );
  return install.status === 0 && existsSync(binary) ? binary : null;
}

const failed = [];
for (const line of LINES.filter((candidate) => candidate !== current)) {
  const node = nodeOf(line);
  if (!node) {
    failed.push(`Node ${line} (not installed)`);
    continue;
  }
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  process.stdout.write(`\n== unit tests on Node ${version}\n`);
  const vitest = join(
    root,
    'node_modules/vitest',
    JSON.parse(readFileSync(join(root, 'node_modules/vitest/package.json'), 'utf8')).bin.vitest,
  );
  const run = spawnSync(node, [vitest, 'run', '--project', 'unit', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) failed.push(`Node ${version}`);
}
if (failed.length > 0) {
  process.stderr.write(`\nunit tests failed on: ${failed.join(', ')}\n`);
  process.exit(1);
}
