import koffi from 'koffi';
import { ERRNO, NativeError } from './errors.ts';
import { pollReadable, rawSyscalls } from './libc.ts';

/**
 * Another process's file descriptors, reached through a pidfd: a handle on
 * the process that, unlike a pid, cannot come to name another process once
 * this one exits, and that polls readable when it does (man 2 pidfd_open).
 */

// glibc wraps neither pidfd_getfd (2.35+ only) nor kcmp: both go through syscall(2).
const { syscall } = rawSyscalls;

/**
 * include/uapi/asm-generic/unistd.h and arch/x86/entry/syscalls/syscall_64.tbl.
 * pidfd_open and pidfd_getfd came after the tables were unified, so both
 * architectures share them; kcmp is older and differs.
 */
const SYSCALLS: Record<string, { pidfdOpen: number; pidfdGetfd: number; kcmp: number }> = {
  x64: { pidfdOpen: 434, pidfdGetfd: 438, kcmp: 312 },
  arm64: { pidfdOpen: 434, pidfdGetfd: 438, kcmp: 272 },
};

function numbers() {
  const table = SYSCALLS[process.arch];
  if (!table) throw new Error(`pidfd: no syscall numbers for ${process.arch} (Ringside runs on x64 and arm64)`);
  return table;
}

/** include/uapi/linux/kcmp.h */
const KCMP_FILE = 0;

/** A pidfd for `pid`; NativeError ESRCH when there is no such process. */
export function pidfdOpen(pid: number): number {
  const fd = Number(syscall(numbers().pidfdOpen, 'int', pid, 'unsigned int', 0));
  if (fd < 0) throw new NativeError(`pidfd_open(${pid})`, koffi.errno());
  return fd;
}

/**
 * A duplicate, in this process, of the target's file descriptor `targetFd`:
 * the same open file, close-on-exec. Needs PTRACE_MODE_ATTACH_REALCREDS over
 * the target (root with CAP_SYS_PTRACE, and Yama permitting): EPERM otherwise,
 * EBADF when the target has no such fd.
 */
export function pidfdGetfd(pidfd: number, targetFd: number): number {
  const fd = Number(syscall(numbers().pidfdGetfd, 'int', pidfd, 'int', targetFd, 'unsigned int', 0));
  if (fd < 0) throw new NativeError(`pidfd_getfd(fd ${targetFd})`, koffi.errno());
  return fd;
}

/**
 * Whether process `pid`'s fd `theirFd` still names the same open file as our
 * `ourFd`: kcmp(KCMP_FILE) compares the struct file pointers in the kernel,
 * so a closed fd (EBADF) or one reused for another file reads false. null
 * when the kernel lacks kcmp (CONFIG_KCMP); the caller falls back to procfs.
 */
export function sameOpenFile(pid: number, theirFd: number, ourFd: number): boolean | null {
  const result = Number(
    syscall(
      numbers().kcmp,
      'int',
      pid,
      'int',
      process.pid,
      'int',
      KCMP_FILE,
      'unsigned long',
      theirFd,
      'unsigned long',
      ourFd,
    ),
  );
  if (result === 0) return true;
  if (result > 0) return false;
  const errno = koffi.errno();
  if (errno === ERRNO.ENOSYS) return null;
  // Their fd is closed (EBADF), or the process is gone (ESRCH): neither names our file any more.
  if (errno === ERRNO.EBADF || errno === ERRNO.ESRCH) return false;
  throw new NativeError(`kcmp(KCMP_FILE, pid ${pid} fd ${theirFd})`, errno);
}

/** A pidfd polls readable once its process has exited. */
export function processExited(pidfd: number): boolean {
  return pollReadable(pidfd, 0);
}

export function closeFd(fd: number): void {
  rawSyscalls.close(fd);
}
