#!/usr/bin/env node
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
// Brings a fresh Debian 12 machine (Node 20, npm, root) to where Ringside runs:
// Debian packages, pnpm, node packages, bpffs, the bpf objects and the web
// build. Plain Node with no dependencies, because it runs before any exist.
// Idempotent: each step checks first and does only what is missing.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const forTests = process.argv.includes('--for-tests');

const RUNTIME_PACKAGES = [
  'libxdp1',
  'libbpf1',
  'xdp-tools',
  'bpftool',
  'clang',
  'llvm',
  'libxdp-dev',
  'libbpf-dev',
  'iproute2',
  'ethtool',
  'iputils-ping',
];
// Chromium drives the end-to-end tests and the UI benchmark; the agent itself does not need it.
const TEST_PACKAGES = ['chromium'];

function say(message) {
  process.stdout.write(`setup: ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    process.stderr.write(`setup: '${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(1);
  }
}

function installed(pkg) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: this is dpkg-query's format syntax, not JavaScript's.
  const result = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.startsWith('ii');
}

function debianPackages() {
  const wanted = forTests ? [...RUNTIME_PACKAGES, ...TEST_PACKAGES] : RUNTIME_PACKAGES;
  const missing = wanted.filter((pkg) => !installed(pkg));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `setup: Debian packages missing (${missing.join(' ')}): run as root, or 'apt-get install ${missing.join(' ')}'.\n`,
    );
    process.exit(1);
  }
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

function pnpmPath() {
  const found = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return 'pnpm';
  // corepack cannot fetch pnpm here (its signature check fails): npm installs it instead.
  say('installing pnpm 10 with npm');
  run('npm', ['install', '-g', '--no-fund', '--no-audit', 'pnpm@10']);
  const prefix = execFileSync('npm', ['prefix', '-g'], { encoding: 'utf8' }).trim();
  const candidate = join(prefix, 'bin', 'pnpm');
  return existsSync(candidate) ? candidate : 'pnpm';
}

function nodePackages(pnpm) {
  // Browsers come from Debian; no package may download one.
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  run(pnpm, ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], { env });
}

function bpffs() {
  const mounted = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === '/sys/fs/bpf' && line.split(' ')[2] === 'bpf');
  if (mounted || process.getuid?.() !== 0) return;
  say('mounting the BPF filesystem on /sys/fs/bpf');
  run('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
}

function bpfObjects() {
  if (readdirSync(join(root, 'bpf')).some((name) => name.endsWith('.c'))) {
    run('make', ['-s', '-C', join(root, 'bpf')]);
  }
}

/** The benchmark's C baseline (bench/native), against the same libxdp; make rebuilds it only when its source is newer. */
function benchNative() {
  if (existsSync(join(root, 'bench/native/Makefile'))) run('make', ['-s', '-C', join(root, 'bench/native')]);
}

/** Newest modification time of the files under `paths`. */
function newest(paths) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const path of paths) visit(join(root, path));
  return latest;
}

/**
 * The data-plane worker as one JavaScript file: a worker that loads it starts
 * in about 70 ms, against about 450 ms compiling the TypeScript sources
 * through tsx, and every socket created, and every socket joining or leaving
 * a shared UMEM, starts one. The agent falls back to the sources when this
 * file is older than them (dataplane-worker.ts).
 */
async function dataplaneWorker() {
  const bundle = join(root, 'agent/build/dataplane-worker.mjs');
  const sources = newest(['agent/src', 'shared/src', 'pnpm-lock.yaml']);
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  const esbuild = createRequire(createRequire(join(root, 'package.json')).resolve('tsx/package.json'))('esbuild');
  await esbuild.build({
    entryPoints: [join(root, 'agent/src/dataplane/worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // koffi is a native addon: loaded from agent/node_modules, beside the bundle.
    external: ['koffi'],
    outfile: bundle,
    logLevel: 'error',
  });
}

function webBuild(pnpm) {
  const built = join(root, 'web/dist/index.html');
  const sources = newest(['web/src', 'web/index.html', 'web/vite.config.ts', 'shared/src', 'pnpm-lock.yaml']);
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  say('building the web app');
  run(pnpm, ['--filter', '@ringside/web', 'build', '--logLevel', 'warn']);
}

debianPackages();
const pnpm = pnpmPath();
nodePackages(pnpm);
bpffs();
bpfObjects();
benchNative();
await dataplaneWorker();
webBuild(pnpm);
