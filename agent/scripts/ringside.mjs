#!/usr/bin/env node
// `npm start` and the `ringside` command. --help and --version are answered at
// once, in plain Node, so they work on a machine where nothing is installed
// yet; anything else brings the machine up to date (setup.mjs) and then runs
// the agent's CLI in this process, so a signal reaches the agent directly.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HELP, SETUP_OPTIONS } from '../src/cli-help.mjs';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (args.includes('--version')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`ringside ${version}\n`);
  process.exit(0);
}

const setupFlags = new Set(SETUP_OPTIONS.map((option) => `--${option.name}`));
const setup = spawnSync(
  process.execPath,
  [fileURLToPath(new URL('./setup.mjs', import.meta.url)), ...args.filter((arg) => setupFlags.has(arg))],
  { stdio: 'inherit' },
);
if (setup.status !== 0) process.exit(setup.status ?? 1);

// The CLI parses process.argv strictly: it must not see the set-up's flags.
process.argv.splice(2, Infinity, ...args.filter((arg) => !setupFlags.has(arg)));
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli.ts');
