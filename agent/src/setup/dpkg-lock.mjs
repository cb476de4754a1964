// @ts-check
// Who holds apt's and dpkg's locks. A fresh VM runs unattended upgrades at
// first boot, holding them for minutes: the set-up step waits for that
// process by name rather than failing. The locks are fcntl() locks, which
// /proc/locks lists by device and inode.

export const APT_LOCK_FILES = [
  '/var/lib/dpkg/lock-frontend',
  '/var/lib/dpkg/lock',
  '/var/lib/apt/lists/lock',
  '/var/cache/apt/archives/lock',
];

/**
 * The processes holding a lock on one of `files`.
 *
 * @param {string} procLocks the contents of /proc/locks
 * @param {{ major: number, minor: number, inode: number }[]} files
 * @returns {number[]} their pids, each once
 */
export function lockHolders(procLocks, files) {
  const wanted = new Set(files.map(({ major, minor, inode }) => `${major}:${minor}:${inode}`));
  const pids = new Set();
  for (const line of procLocks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 32491 fe:00:402117 0 EOF"; a waiter's line has "->" after its number.
    const match = /^\d+:\s+(->\s+)?\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (!match || match[1] || !match[2] || !match[3] || !match[4] || !match[5]) continue;
    const key = `${Number.parseInt(match[3], 16)}:${Number.parseInt(match[4], 16)}:${match[5]}`;
    if (wanted.has(key)) pids.add(Number(match[2]));
  }
  return [...pids];
}

/**
 * The major and minor numbers of a `stat().dev` (glibc's dev_t encoding).
 *
 * @param {number} dev
 */
export function deviceNumbers(dev) {
  const value = BigInt(dev);
  return {
    major: Number(((value >> 8n) & 0xfffn) | ((value >> 32n) & ~0xfffn)),
    minor: Number((value & 0xffn) | ((value >> 12n) & ~0xffn)),
  };
}
