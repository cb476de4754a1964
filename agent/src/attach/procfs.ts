import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/**
 * What /proc says of processes: who they are, which of their fds are
 * sockets, which network namespace they are in. Every read tolerates the
 * process going away between two calls (ENOENT, ESRCH): it then reads as gone.
 */

const SOCKET_LINK = /^socket:\[(\d+)\]$/;
const NAMESPACE_LINK = /^net:\[(\d+)\]$/;

function gone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES';
}

/** Every pid on the host, smallest first. */
export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

export interface SocketFd {
  fd: number;
  /** The socket's inode: the N of its socket:[N] link, stable while the socket lives. */
  inode: number;
}

/**
 * The fds of `pid` that are sockets, by readdir and readlink alone (no stat
 * of each target): the cheapest way to see them, and what discovery does for
 * every process every tick. Empty when the process is gone.
 */
export function socketFds(pid: number): SocketFd[] {
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    if (gone(error)) return [];
    throw error;
  }
  const sockets: SocketFd[] = [];
  for (const name of names) {
    const inode = socketInode(pid, Number(name));
    if (inode !== null) sockets.push({ fd: Number(name), inode });
  }
  return sockets;
}

/** The inode of the socket behind `pid`'s `fd`, or null when it is no socket or no longer open. */
export function socketInode(pid: number, fd: number): number | null {
  try {
    const match = SOCKET_LINK.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    return match ? Number(match[1]) : null;
  } catch (error) {
    if (gone(error)) return null;
    throw error;
  }
}

export interface SocketHolder extends SocketFd {
  pid: number;
  /** comm; null when the process went while it was read. */
  command: string | null;
}

/**
 * Every process fd on one of the sockets `inodes`: who keeps a socket alive
 * that its creator closed (the kernel releases a socket with its last fd).
 * Reads every process's fds, so it is for an explanation, not a loop.
 */
export function socketHolders(inodes: ReadonlySet<number>): SocketHolder[] {
  const holders: SocketHolder[] = [];
  for (const pid of listPids()) {
    for (const socket of socketFds(pid)) {
      if (inodes.has(socket.inode)) holders.push({ pid, ...socket, command: processIdentity(pid)?.command ?? null });
    }
  }
  return holders;
}

export interface ProcessIdentity {
  command: string;
  cmdline: string[];
}

/** comm and cmdline; null when the process is gone. A kernel thread has an empty cmdline. */
export function processIdentity(pid: number): ProcessIdentity | null {
  try {
    const command = readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline.at(-1) === '') cmdline.pop();
    return { command, cmdline };
  } catch (error) {
    if (gone(error)) return null;
    throw error;
  }
}

/** The inode of the network namespace `pid` is in; null when the process is gone (or a zombie, which has none). */
export function networkNamespaceOf(pid: number): number | null {
  try {
    const match = NAMESPACE_LINK.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return match ? Number(match[1]) : null;
  } catch (error) {
    if (gone(error)) return null;
    throw error;
  }
}

/**
 * Named namespaces (`ip netns add`): /run/netns/NAME is a bind mount of the
 * namespace's nsfs file, whose inode is the namespace's.
 */
export function namedNamespaces(): Map<number, string> {
  const names = new Map<number, string>();
  let entries: string[];
  try {
    entries = readdirSync('/run/netns');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return names;
    throw error;
  }
  for (const name of entries) {
    try {
      names.set(statSync(`/run/netns/${name}`).ino, name);
    } catch (error) {
      // Removed while we looked, or a name whose mount is gone: not a namespace any more.
      if (!gone(error) && (error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
    }
  }
  return names;
}

/** Yama's ptrace_scope (0 to 3), or null where Yama is not built in. */
export function yamaPtraceScope(): number | null {
  try {
    return Number(readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
