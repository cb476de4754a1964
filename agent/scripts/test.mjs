#!/usr/bin/env node
// `npm test`: installs what is missing, then runs every check and test of the
// repository: lint and types, unit tests, kernel tests (real AF_XDP sockets in
// lab namespaces), end-to-end tests (real agent, Debian's Chromium). Ends with
// one line that totals them, and fails if any failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const reports = join(root, 'node_modules/.ringside-test');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const failures = [];
function step(name, command, args) {
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failures.push(name);
  return result.status === 0;
}

if (!step('setup', process.execPath, [join(root, 'agent/scripts/setup.mjs'), '--for-tests'])) {
  process.stderr.write('setup failed: nothing else can run.\n');
  process.exit(1);
}
const bin = (name) => join(root, 'node_modules/.bin', name);
step('format and lint', bin('biome'), ['check', '.']);
step('package boundaries', process.execPath, ['--import', 'tsx', join(root, 'agent/scripts/check-boundaries.ts')]);
for (const project of ['shared', 'agent', 'web', 'e2e', 'bench'])
  step(`types: ${project}`, bin('tsc'), ['-p', project]);
step('unit and kernel tests', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(reports, 'vitest.json')}`,
]);
step('unit tests on the other Node lines', process.execPath, [join(root, 'agent/scripts/other-node-lines.mjs')]);
step('end-to-end tests', 'pnpm', ['--filter', '@ringside/e2e', 'test']);

const totals = { passed: 0, failed: 0, skipped: 0 };
const vitestReport = join(reports, 'vitest.json');
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
}
const playwrightReport = join(root, 'e2e/artifacts/report.json');
if (existsSync(playwrightReport)) {
  const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'));
  // A flaky test passed only on a retry: it is a failure of the run.
  totals.passed += stats.expected;
  totals.failed += stats.unexpected + stats.flaky;
  totals.skipped += stats.skipped;
}
if (failures.length > 0) process.stdout.write(`\nfailed steps: ${failures.join(', ')}\n`);
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failures.length > 0 || totals.failed > 0 || totals.passed === 0 ? 1 : 0);
