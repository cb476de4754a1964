// @ts-check
// What `ringside_build_info` says of the agent's code: the set-up step
// (agent/scripts/setup.mjs) writes it and the agent reads it, so no agent
// start and no test runs git. Plain JavaScript with no imports but Node's:
// the set-up runs before any package is installed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Beside the data-plane worker's bundle, in what the set-up builds and git ignores. */
export const BUILD_INFO_FILE = fileURLToPath(new URL('../../build/build-info.json', import.meta.url));

const UNKNOWN = 'unknown';

/**
 * @typedef {object} BuildInfo
 * @property {string} version the agent package's version
 * @property {string} commit the git commit the set-up ran in, 'unknown' outside a checkout
 */

/** @param {BuildInfo} info @param {string} [path] */
export function writeBuildInfo(info, path = BUILD_INFO_FILE) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ version: info.version, commit: info.commit })}\n`);
}

/**
 * What the set-up wrote; 'unknown' for what it did not (an agent started
 * from a tree the set-up never ran in), never an error.
 *
 * @param {string} [path] @returns {BuildInfo}
 */
export function readBuildInfo(path = BUILD_INFO_FILE) {
  /** @type {Record<string, unknown>} */
  let saved = {};
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) ?? {};
  } catch {
    // Missing or unreadable: every fact is unknown.
  }
  const fact = (/** @type {unknown} */ value) => (typeof value === 'string' && value !== '' ? value : UNKNOWN);
  return { version: fact(saved.version), commit: fact(saved.commit) };
}
