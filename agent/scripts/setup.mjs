#!/usr/bin/env node
// Brings a fresh Debian 12/13 or Ubuntu 22.04/24.04 machine (x86_64 or arm64;
// Node and npm; root) to where Ringside runs: system packages, pnpm, node
// packages, bpffs, the bpf objects and the web build. Plain Node with no
// dependencies, because it runs before any exist; its decisions live in pure
// modules under agent/src/setup/. Idempotent: each step checks first and does
// only what is missing. On a terminal each step is named and apt and pnpm
// show their progress; piped, only the steps that do something speak.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { release } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeBuildInfo } from '../src/server/build-info.mjs';
import { multiarchIncludeDir } from '../src/setup/bpf-include.mjs';
import { BUNDLES, freshBundle, newestModification } from '../src/setup/bundles.mjs';
import { chromiumAdvice, chromiumPath } from '../src/setup/chromium.mjs';
import { APT_LOCK_FILES, deviceNumbers, lockHolders } from '../src/setup/dpkg-lock.mjs';
import { packageFamily, parseOsRelease, systemPackages } from '../src/setup/system-packages.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const forTests = process.argv.includes('--for-tests');
const skipSystemPackages =
  process.argv.includes('--skip-system-packages') ||
  ['1', 'true', 'yes'].includes(process.env.RINGSIDE_SKIP_SYSTEM_PACKAGES ?? '');
const terminal = process.stdout.isTTY === true;
// Unattended upgrades on a first boot hold apt's locks for a few minutes; ten is generous and still ends.
const APT_LOCK_WAIT_S = 600;

function say(message) {
  process.stdout.write(`setup: ${message}\n`);
}

function die(message) {
  process.stderr.write(`setup: ${message}\n`);
  process.exit(1);
}

/** Runs a command: its output on the terminal, or (piped) kept and shown only if it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: terminal ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...options,
  });
  if (result.status !== 0) {
    if (!terminal) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    die(
      `'${command} ${args.join(' ')}' failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}).`,
    );
  }
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function checkNode() {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if ((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 24) return;
  die(`Node ${process.versions.node} is not supported (Vite needs 20.19 or later): use Node 20.19+, 22.12+ or 24.`);
}

/** The installed packages among `names` (one dpkg-query for all). */
function installedPackages(names) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: this is dpkg-query's format syntax, not JavaScript's.
  const result = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { encoding: 'utf8' });
  return new Set(
    (result.stdout ?? '')
      .split('\n')
      .filter((line) => line.split(' ')[1]?.startsWith('ii'))
      .map((line) => line.split(' ')[0]),
  );
}

function aptKnows(name) {
  const result = spawnSync('apt-cache', ['show', '--no-all-versions', name], { stdio: ['ignore', 'pipe', 'ignore'] });
  return result.status === 0 && result.stdout.length > 0;
}

function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return 'a process that has just ended';
  }
}

/** Waits, saying for whom, until no process holds apt's or dpkg's locks; gives up after APT_LOCK_WAIT_S. */
async function waitForAptLocks() {
  const deadline = Date.now() + APT_LOCK_WAIT_S * 1000;
  let announced = '';
  for (;;) {
    const files = APT_LOCK_FILES.filter((path) => existsSync(path)).map((path) => {
      const { dev, ino } = statSync(path);
      return { ...deviceNumbers(dev), inode: ino };
    });
    const holders = lockHolders(readFileSync('/proc/locks', 'utf8'), files).filter((pid) => pid !== process.pid);
    if (holders.length === 0) return;
    const names = holders.map((pid) => `${processName(pid)} (pid ${pid})`).join(', ');
    if (Date.now() > deadline)
      die(`${names} still holds apt's lock after ${APT_LOCK_WAIT_S} s: run again once it ends.`);
    if (names !== announced) {
      say(
        `waiting for ${names} to release apt's lock (unattended upgrades on a new machine take minutes; up to ${APT_LOCK_WAIT_S / 60} min)`,
      );
      announced = names;
    }
    await sleep(2000);
  }
}

function readOsRelease() {
  return existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
}

async function systemPackagesStep() {
  const distribution = parseOsRelease(readOsRelease());
  const apt = commandExists('apt-get') && commandExists('dpkg-query');
  const kernelRelease = release();
  const decide = () => {
    const ubuntu = packageFamily(distribution) === 'ubuntu';
    const kernelToolsPackaged = ubuntu && apt && aptKnows(`linux-tools-${kernelRelease}`);
    return systemPackages(distribution, { forTests, kernelRelease, kernelToolsPackaged });
  };
  let plan = decide();
  if (skipSystemPackages || !apt || plan === null) {
    // Debian's names stand for what a system Ringside does not know must provide.
    const reference =
      plan ?? systemPackages(parseOsRelease('ID=debian'), { forTests, kernelRelease, kernelToolsPackaged: false });
    const needs = [
      `${reference?.packages.join(' ')} (${reference?.release}'s names)`,
      ...(reference?.unpackaged ?? []),
    ];
    if (skipSystemPackages) {
      say(`installing no system packages, as asked. Ringside needs: ${needs.join('; ')}`);
      return;
    }
    die(
      `${apt ? `Ringside does not know the package names of ${distribution.prettyName}` : 'there is no apt-get here'}: install ${needs.join('; ')}; then run again with --skip-system-packages (or RINGSIDE_SKIP_SYSTEM_PACKAGES=1).`,
    );
  }
  const missingOf = ({ packages }) => {
    const installed = installedPackages(packages);
    return packages.filter((name) => !installed.has(name));
  };
  let missing = missingOf(plan);
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) {
      die(
        `${plan.release} packages missing (${missing.join(' ')}): run as root, or 'apt-get install ${missing.join(' ')}' and pass --skip-system-packages.`,
      );
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const quiet = terminal ? [] : ['-qq'];
    await waitForAptLocks();
    say(`updating apt's package lists (${plan.release})`);
    run('apt-get', ['update', ...quiet], { env });
    // Only now does a fresh machine's apt know whether the running kernel has its own linux-tools.
    plan = decide() ?? plan;
    missing = missingOf(plan);
    say(`installing ${missing.join(' ')}`);
    await waitForAptLocks();
    // A lock taken between our look and apt's own: apt waits for it too, as long, and says for whom.
    const lockTimeout = `DPkg::Lock::Timeout=${APT_LOCK_WAIT_S}`;
    run('apt-get', ['install', '-y', ...quiet, '-o', lockTimeout, '--no-install-recommends', ...missing], { env });
  }
  if (plan.unpackaged.length > 0) {
    const libraries = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '';
    if (!libraries.includes('libxdp.so.1') || !libraries.includes('libbpf.so.1'))
      die(`Ringside needs ${plan.unpackaged.join('; ')}.`);
  }
}

function chromiumStep(family) {
  let found;
  try {
    found = chromiumPath(process.env, existsSync);
  } catch (error) {
    die(error.message);
  }
  if (found === null) die(chromiumAdvice(family));
  return found;
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
  // Browsers come from the system; no package may download one.
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  const reporter = terminal ? [] : ['--reporter=silent'];
  run(pnpm, ['install', '--frozen-lockfile', '--prefer-offline', ...reporter], { env });
}

function bpffs() {
  const mounted = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === '/sys/fs/bpf' && line.split(' ')[2] === 'bpf');
  if (mounted || process.getuid?.() !== 0) return;
  say('mounting the BPF filesystem on /sys/fs/bpf');
  run('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
}

function requireTools(...commands) {
  const absent = commands.filter((command) => !commandExists(command));
  if (absent.length > 0) die(`${absent.join(' and ')} not found: install them (see above), then run again.`);
}

function bpfObjects() {
  if (!readdirSync(join(root, 'bpf')).some((name) => name.endsWith('.c'))) return;
  requireTools('make', 'clang');
  const compilerVerbose = spawnSync('clang', ['-v', '-E', '-x', 'c', '/dev/null', '-o', '/dev/null'], {
    encoding: 'utf8',
  }).stderr;
  const dpkgMultiarch = commandExists('dpkg-architecture')
    ? execFileSync('dpkg-architecture', ['-qDEB_HOST_MULTIARCH'], { encoding: 'utf8' })
    : '';
  const include = multiarchIncludeDir({ compilerVerbose: compilerVerbose ?? '', dpkgMultiarch });
  if (include === null)
    die("cannot tell where this machine's <asm/types.h> is: clang lists no /usr/include/<multiarch>.");
  run('make', ['-s', '-C', join(root, 'bpf'), `ARCH_INCLUDE=${include}`]);
}

/** The benchmark's C baseline (bench/native), against the same libxdp; make rebuilds it only when its source is newer. */
function benchNative() {
  if (existsSync(join(root, 'bench/native/Makefile'))) run('make', ['-s', '-C', join(root, 'bench/native')]);
}

/**
 * The CLI and the data-plane worker as one JavaScript file each
 * (src/setup/bundles.mjs says why), with the esbuild tsx brings. The agent's
 * npm dependencies stay outside them, loaded from agent/node_modules as from
 * the sources (koffi is a native addon; pino starts its transports from its
 * own files).
 */
async function bundles() {
  const requireHere = createRequire(join(root, 'agent/package.json'));
  const esbuild = createRequire(requireHere.resolve('tsx/package.json'))('esbuild');
  const { dependencies } = requireHere('./package.json');
  for (const [name, { entry, file }] of Object.entries(BUNDLES)) {
    if (freshBundle(name)) continue;
    const outfile = join(root, file);
    await esbuild.build({
      entryPoints: [join(root, entry)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: Object.keys(dependencies).filter((dependency) => !dependency.startsWith('@ringside/')),
      outfile,
      logLevel: 'error',
      plugins: [sourceUrls(dirname(outfile))],
    });
  }
}

/**
 * Each import.meta.url in a source under agent/src or shared/src becomes that
 * source's own URL, found from the bundle's: the files they locate (bpf/build,
 * web/dist, the scenarios) are then found from a bundle as from the sources,
 * and still after the checkout is moved.
 */
function sourceUrls(bundleDir) {
  return {
    name: 'source-urls',
    setup(build) {
      build.onLoad({ filter: /\/(agent|shared)\/src\/.*\.(ts|mjs)$/ }, (args) => {
        const fromBundle = JSON.stringify(relative(bundleDir, args.path));
        return {
          contents: readFileSync(args.path, 'utf8').replaceAll(
            'import.meta.url',
            `new URL(${fromBundle}, import.meta.url).href`,
          ),
          loader: args.path.endsWith('.ts') ? 'ts' : 'js',
        };
      });
    },
  };
}

/** What the agent's `ringside_build_info` says: asked of git here, once per set-up, never at an agent's start. */
function buildInfo() {
  const { version } = JSON.parse(readFileSync(join(root, 'agent/package.json'), 'utf8'));
  const git = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  // Not a checkout (a copied tree), or no git: the commit is unknown.
  const commit = git.status === 0 ? git.stdout.trim() : 'unknown';
  writeBuildInfo({ version, commit });
}

function webBuild(pnpm) {
  const built = join(root, 'web/dist/index.html');
  const sources = newestModification([
    'web/src',
    'web/index.html',
    'web/vite.config.ts',
    'shared/src',
    'pnpm-lock.yaml',
  ]);
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  say('building the web app');
  run(pnpm, ['--filter', '@ringside/web', 'build', '--logLevel', 'warn']);
}

checkNode();
let pnpm = 'pnpm';
const steps = [
  ['system packages', systemPackagesStep],
  ...(forTests ? [['Chromium', () => `using ${chromiumStep(packageFamily(parseOsRelease(readOsRelease())))}`]] : []),
  [
    'pnpm',
    () => {
      pnpm = pnpmPath();
    },
  ],
  ['node packages', () => nodePackages(pnpm)],
  ['BPF filesystem', bpffs],
  ['XDP programs (bpf/)', bpfObjects],
  ['benchmark baseline (bench/native/)', benchNative],
  ['CLI and data-plane worker bundles', bundles],
  ['build info', buildInfo],
  ['web app', () => webBuild(pnpm)],
];
for (const [index, [name, action]] of steps.entries()) {
  if (terminal) say(`[${index + 1}/${steps.length}] ${name}`);
  const outcome = await action();
  if (terminal && outcome) say(`      ${outcome}`);
}
