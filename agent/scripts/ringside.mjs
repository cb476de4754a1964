#!/usr/bin/env node
// `npm start` and the `ringside` command. --help, --version and `urls` are
// answered at once, in plain Node, so they work on a machine where nothing is
// installed yet (and `urls` does not wait for a set-up); anything else brings the machine up to date (setup.mjs) and then runs
// the agent's CLI in this process, so a signal reaches the agent directly.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TOKEN_FILE, HELP, SETUP_OPTIONS } from '../src/cli-help.mjs';
import { runningUrls } from '../src/run-file.mjs';
import { freshBundle } from '../src/setup/bundles.mjs';

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

if (args[0] === 'urls') {
  const { values } = parseArgs({ args: args.slice(1), options: { 'token-file': { type: 'string' } }, strict: false });
  const tokenFile = typeof values['token-file'] === 'string' ? values['token-file'] : DEFAULT_TOKEN_FILE;
  const urls = runningUrls(tokenFile);
  if (!urls.ok) {
    process.stderr.write(`ringside: ${urls.problem}\n`);
    process.exit(1);
  }
  process.stdout.write(urls.text);
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
// The CLI in one file when it is at least as new as its sources (src/setup/bundles.mjs); the sources otherwise.
const bundle = freshBundle('cli');
if (bundle) await import(bundle.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
