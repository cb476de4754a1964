// @ts-check
// The running agent's record: where it serves and the URLs it printed, so
// `ringside urls` can print them again from another terminal. Plain
// JavaScript with no imports but Node's, like cli-help.mjs: the launcher
// answers `urls` before anything is installed or built.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The two URLs of one name the agent answers to: the server makes them
 * (server/access.ts), the start prints them and the run file keeps them.
 *
 * @typedef {object} AgentUrl
 * @property {string} control the URL that gives control
 * @property {string} view the view-only URL
 */

/**
 * @typedef {object} RunRecord
 * @property {number} pid the agent's process
 * @property {number} port the port it listens on (the real one when --port 0 was asked)
 * @property {[AgentUrl, ...AgentUrl[]]} urls one pair per name it answers to, the one on this machine first
 */

/**
 * Beside the token file, and readable by root only like it (it holds the same
 * tokens): an agent started with another token file (a test's) has another
 * record and never replaces the record of the one a user runs.
 *
 * @param {string} tokenFile
 */
export function runFileFor(tokenFile) {
  return join(dirname(tokenFile), 'running.json');
}

/** @param {string} path @param {RunRecord} record */
export function writeRunFile(path, record) {
  writeFileSync(path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  // `mode` applies only to a new file: one left by a killed run keeps whatever it had.
  chmodSync(path, 0o600);
}

/**
 * Removes the record if it is still this process's: a second agent started
 * with the same token file has replaced it, and its record must stay.
 *
 * @param {string} path @param {number} pid
 */
export function removeRunFile(path, pid) {
  if (readRunFile(path)?.pid === pid) rmSync(path, { force: true });
}

/** @param {unknown} urls @returns {urls is [AgentUrl, ...AgentUrl[]]} */
function isUrlList(urls) {
  return (
    Array.isArray(urls) &&
    urls.length > 0 &&
    urls.every((pair) => typeof pair?.control === 'string' && typeof pair?.view === 'string')
  );
}

/**
 * Another process wrote it, maybe another version or a run killed mid-write:
 * a record that is not whole is no record, rather than lines that print "undefined".
 *
 * @param {string} path @returns {RunRecord | null}
 */
function readRunFile(path) {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8'));
    const valid = Number.isInteger(record?.pid) && Number.isInteger(record?.port) && isUrlList(record?.urls);
    return valid ? record : null;
  } catch {
    return null;
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is another user's; only ESRCH says it is gone.
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * What `ringside urls` prints: the running agent's URLs in the lines the
 * agent printed at start, or why there are none and what to do.
 *
 * @param {string} tokenFile
 * @returns {{ ok: true, text: string } | { ok: false, problem: string }}
 */
export function runningUrls(tokenFile) {
  const path = runFileFor(tokenFile);
  const record = readRunFile(path);
  if (record === null) {
    return {
      ok: false,
      problem: `no Ringside is running with the token file ${tokenFile} (${path} does not say where one serves): start one with 'npm start'.`,
    };
  }
  if (!alive(record.pid)) {
    return {
      ok: false,
      problem: `the Ringside that served on port ${record.port} (pid ${record.pid}) is no longer running: start one with 'npm start'.`,
    };
  }
  return { ok: true, text: urlLines(record.urls) };
}

/**
 * The two lines every start prints, then two for each further name.
 * Harnesses find the first two in them (agent/test/agent-process.ts): their
 * words stay as they are, and the others' words differ from them.
 *
 * @param {readonly [AgentUrl, ...AgentUrl[]]} urls
 */
export function urlLines([first, ...more]) {
  const further = more.map((urls) => `Also reachable: ${urls.control}\nView-only there: ${urls.view}\n`);
  return `Ringside is running: ${first.control}\nView-only (for an audience): ${first.view}\n${further.join('')}`;
}
