import { describe, expect, it } from 'vitest';
import { deviceNumbers, lockHolders } from './dpkg-lock.mjs';

// Read on this machine while a process held /var/lib/dpkg/lock-frontend (device fe:00, inode 402117).
const PROC_LOCKS = [
  '1: POSIX  ADVISORY  WRITE 32491 fe:00:402117 0 EOF',
  '1: -> POSIX  ADVISORY  WRITE 32500 fe:00:402117 0 EOF',
  '2: FLOCK  ADVISORY  WRITE 811 00:19:1043 0 EOF',
  '3: POSIX  ADVISORY  WRITE 901 fe:00:402120 0 EOF',
  '',
].join('\n');

describe("who holds apt's locks", () => {
  it('names the holder of a lock file, not the processes waiting for it', () => {
    expect(lockHolders(PROC_LOCKS, [{ major: 254, minor: 0, inode: 402117 }])).toEqual([32491]);
  });

  it('names nobody when the lock files are free', () => {
    expect(lockHolders(PROC_LOCKS, [{ major: 254, minor: 0, inode: 7 }])).toEqual([]);
    expect(lockHolders('', [{ major: 254, minor: 0, inode: 402117 }])).toEqual([]);
  });

  it("splits a stat's device number as the kernel prints it", () => {
    expect(deviceNumbers(65024)).toEqual({ major: 254, minor: 0 });
    expect(deviceNumbers(0x10300)).toEqual({ major: 259, minor: 0 });
  });
});
