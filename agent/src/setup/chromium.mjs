// @ts-check
// Which Chromium drives the end-to-end tests and the UI benchmark. Debian
// installs /usr/bin/chromium; Ubuntu's is a snap (/snap/bin/chromium, no
// /usr/bin/chromium), and any other can be named with RINGSIDE_CHROMIUM.
import { existsSync, readFileSync } from 'node:fs';
import { packageFamily, parseOsRelease } from './system-packages.mjs';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/snap/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

/**
 * RINGSIDE_CHROMIUM when set (it must exist: a wrong path is an error, not a
 * reason to take another browser), else the first known install found; null
 * when there is none.
 *
 * @param {{ RINGSIDE_CHROMIUM?: string | undefined }} env
 * @param {(path: string) => boolean} exists
 * @returns {string | null}
 */
export function chromiumPath(env, exists) {
  const chosen = env.RINGSIDE_CHROMIUM;
  if (chosen) {
    if (!exists(chosen)) throw new Error(`RINGSIDE_CHROMIUM is ${chosen}, which does not exist.`);
    return chosen;
  }
  return CANDIDATES.find(exists) ?? null;
}

/**
 * What to do when no Chromium is found.
 *
 * @param {'debian' | 'ubuntu' | null} family whose packages the machine has
 */
export function chromiumAdvice(family) {
  const install =
    family === 'debian'
      ? "'apt-get install chromium'"
      : family === 'ubuntu'
        ? "'snap install chromium' (Ubuntu packages Chromium only as a snap), or install Google Chrome"
        : 'install Chromium or Google Chrome';
  return `no Chromium found (the end-to-end tests and the UI benchmark drive one): ${install}, or set RINGSIDE_CHROMIUM to the browser's executable.`;
}

/** The Chromium of this machine, or an error that says how to get one. */
export function requireChromium() {
  const found = chromiumPath(process.env, existsSync);
  if (found) return found;
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  throw new Error(chromiumAdvice(packageFamily(parseOsRelease(osRelease))));
}
