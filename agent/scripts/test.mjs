#!/usr/bin/env node
// `npm test`: installs what is missing, then runs every check and test of the
// repository: lint and types, unit tests, kernel tests (real AF_XDP sockets in
// lab namespaces), end-to-end tests (real agent, Debian's Chromium). Ends with
// one line that totals them, and fails if any failed.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

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
/**
 * Starts a step that runs beside the next ones; resolves once it has ended and its output has been printed
 * under its name. The output goes to a file, not a pipe: the steps beside it block this process (spawnSync),
 * and a pipe nobody reads would stop the child once full.
 */
function besides(name, command, args) {
  const log = join(reports, `${name.replaceAll(' ', '-')}.log`);
  const out = openSync(log, 'w');
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', out, out] });
  closeSync(out);
  let ended = false;
  return new Promise((resolve) => {
    // A child that fails to start emits 'error' and may still emit 'close': the step ends once.
    const end = (ok, why = '') => {
      if (ended) return;
      ended = true;
      process.stdout.write(`\n== ${name} (ran in the background)\n${readFileSync(log, 'utf8')}${why}`);
      if (!ok) failures.push(name);
      resolve(ok);
    };
    child.once('error', (error) => end(false, `${error.message}\n`));
    child.once('close', (code) => end(code === 0));
  });
}
const bin = (name) => join(root, 'node_modules/.bin', name);
step('format and lint', bin('biome'), ['check', '.']);
step('package boundaries', process.execPath, ['--import', 'tsx', join(root, 'agent/scripts/check-boundaries.ts')]);
for (const project of ['shared', 'agent', 'web', 'e2e', 'bench'])
  step(`types: ${project}`, bin('tsc'), ['-p', project]);
// The other Node lines run their unit tests beside the kernel tests, which leave a core partly idle while they
// wait on the kernel's counters; both are over before the end-to-end tests, which need the whole machine.
const otherLines = besides('unit tests on the other Node lines', process.execPath, [
  join(root, 'agent/scripts/other-node-lines.mjs'),
]);
step('unit and kernel tests', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(reports, 'vitest.json')}`,
]);
await otherLines;
step('end-to-end tests', 'pnpm', ['--filter', '@ringside/e2e', 'test']);

const totals = { passed: 0, failed: 0, skipped: 0 };
// Named again at the very end: a CI log is often read from its tail only, and
// the runners' own reports of a failure scroll away under thousands of lines.
const failedTests = [];
const vitestReport = join(reports, 'vitest.json');
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  for (const file of report.testResults) {
    const where = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
    const failed = file.assertionResults.filter((test) => test.status === 'failed');
    for (const test of failed) failedTests.push(`${where} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    // A file that fails to load has no test results, only its message.
    if (file.status === 'failed' && failed.length === 0) failedTests.push(`${where}: ${firstLine(file.message)}`);
  }
}
const playwrightReport = join(root, 'e2e/artifacts/report.json');
if (existsSync(playwrightReport)) {
  const report = JSON.parse(readFileSync(playwrightReport, 'utf8'));
  const { stats } = report;
  // A flaky test passed only on a retry: it is a failure of the run.
  totals.passed += stats.expected;
  totals.failed += stats.unexpected + stats.flaky;
  totals.skipped += stats.skipped;
  for (const spec of playwrightSpecs(report.suites))
    for (const test of spec.tests)
      if (test.status === 'unexpected' || test.status === 'flaky') {
        const error = test.results.find((result) => result.errors.length > 0)?.errors[0]?.message;
        failedTests.push(`e2e/specs/${spec.file}:${spec.line} › ${spec.title} (${test.status}): ${firstLine(error)}`);
      }
}
if (failedTests.length > 0)
  process.stdout.write(`\nfailed tests:\n${failedTests.map((line) => `  ${line}`).join('\n')}\n`);
if (failures.length > 0) process.stdout.write(`\nfailed steps: ${failures.join(', ')}\n`);
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
function firstLine(text) {
  // Reports keep terminal colours; the tail of a log is read as plain text.
  const plain = stripVTControlCharacters(text ?? '').trim();
  const line = plain.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function* playwrightSpecs(suites = []) {
  for (const suite of suites) {
    yield* suite.specs ?? [];
    yield* playwrightSpecs(suite.suites);
  }
}

process.exit(failures.length > 0 || totals.failed > 0 || totals.passed === 0 ? 1 : 0);
