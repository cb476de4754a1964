import type { KernelView } from '@ringside/shared';
import { NativeError } from '../native/errors.ts';
import { closeFd, pidfdGetfd, pidfdOpen } from '../native/pidfd.ts';
import { type DumpedXsk, dumpXsks } from '../native/sock-diag.ts';
import { readMmapOffsets } from '../native/xsk-mapping.ts';
import { bindingCandidates, bindingOf, type InferredBinding, inferBinding } from './binding.ts';
import {
  listPids,
  namedNamespaces,
  networkNamespaceOf,
  type ProcessIdentity,
  processIdentity,
  type SocketFd,
  socketFds,
} from './procfs.ts';
import { type UmemFacts, type XskFacts, xskFacts } from './xsk-facts.ts';

/**
 * Every XSK on the host: /proc/*\/fd names each process's sockets by inode;
 * a socket never seen before is duplicated (pidfd_getfd), asked
 * XDP_MMAP_OFFSETS (only an XSK answers), probed, and its duplicate closed
 * before the next one is made. What was learned is kept per
 * (pid, fd, inode), so a steady host costs a readdir and a readlink per
 * socket fd per call, and no syscall on any socket.
 */

export interface DiscoveredXsk {
  /** Stable while the socket lives: `${pid}-${fd}-${inode}` (inode of the socket, from /proc/PID/fd link socket:[N]). */
  id: string;
  pid: number;
  command: string;
  cmdline: string[];
  fd: number;
  inode: number;
  /**
   * The network namespace of the process (/proc/PID/ns/net) and its name
   * under /run/netns when it has one. A socket made in another namespace
   * (Ringside's own, made inside the lab's) is bound there instead.
   */
  netns: { inode: number; name: string | null };
  /** What is known of it, each fact with its source. */
  kernel: KernelView;
  /** UMEM facts where known (socket diag), else null values with source 'unknown'. */
  umem: UmemFacts;
}

/**
 * An owner sets its rings up and binds within moments of socket(): a socket
 * seen that young is probed again on later calls until it is this old, so
 * rings added after the first look are not missed.
 */
const SETTLE_MS = 2000;
/** Processes scanned between two yields to the event loop. */
const PIDS_PER_SLICE = 32;

interface Learned {
  /** null: not an XSK. */
  facts: XskFacts | null;
  firstSeen: number;
  /** Whether the binding was inferred for these facts (inferBinding), whether or not it could be. */
  bindingTried: boolean;
}

/** The same rings, sizes and options: a re-probe that found nothing new keeps what was learned before. */
function sameFacts(a: XskFacts | null, b: XskFacts | null): boolean {
  if (a === null || b === null) return a === b;
  const shape = (facts: XskFacts) =>
    JSON.stringify([facts.readings.rings, facts.kernel.rings, facts.kernel.zeroCopy, facts.umem]);
  return shape(a) === shape(b);
}

const learned = new Map<string, Learned>();

export const xskId = (pid: number, fd: number, inode: number) => `${pid}-${fd}-${inode}`;

/** The xsk_diag dumps of one discovery call, by socket inode, or why there are none. */
class DiagDumps {
  private readonly byInode = new Map<number, DumpedXsk>();
  private readonly dumped = new Set<string>();
  missing: string | null = null;

  /** Dumps the namespace of `pid`, and every named one, once per call. */
  lookup(pid: number, inode: number): DumpedXsk | null {
    if (this.missing !== null) return null;
    for (const path of [`/proc/${pid}/ns/net`, ...[...namedNamespaces().values()].map((n) => `/run/netns/${n}`)]) {
      if (this.byInode.has(inode) || this.missing !== null) break;
      if (this.dumped.has(path)) continue;
      this.dumped.add(path);
      const answer = dumpInto(path);
      if (answer === null) continue;
      if (!answer.available) this.missing = answer.reason;
      else for (const socket of answer.sockets) this.byInode.set(socket.inode, socket);
    }
    return this.byInode.get(inode) ?? null;
  }

  why(): string {
    return this.missing ?? 'not in the xsk_diag dump of its process namespace or of any named one';
  }
}

/** A namespace's dump; null when the namespace vanished meanwhile (its process exited, or `ip netns del`). */
function dumpInto(path: string): ReturnType<typeof dumpXsks> | null {
  try {
    return dumpXsks(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw error;
  }
}

/** Facts about one socket, through a duplicate of its fd that is closed before returning. */
function learn(pidfd: number, socket: SocketFd, pid: number, dumps: DiagDumps): XskFacts | null | 'gone' {
  let duplicate: number;
  try {
    duplicate = pidfdGetfd(pidfd, socket.fd);
  } catch (error) {
    // EBADF: closed meanwhile; EPERM: a process we may not look into; ESRCH: exited.
    if (error instanceof NativeError && ['EBADF', 'EPERM', 'ESRCH'].includes(error.code)) return 'gone';
    throw error;
  }
  try {
    const offsets = readMmapOffsets(duplicate);
    if (offsets === null) return null;
    const diag = dumps.lookup(pid, socket.inode);
    return xskFacts(duplicate, offsets, diag, dumps.why());
  } finally {
    closeFd(duplicate);
  }
}

/** The XSKs among `pid`'s sockets, learning each new one; a process that went away has none. */
function xsksOf(pid: number, sockets: readonly SocketFd[], now: number, dumps: DiagDumps): Map<SocketFd, XskFacts> {
  const found = new Map<SocketFd, XskFacts>();
  const fresh = sockets.filter((socket) => {
    const known = learned.get(xskId(pid, socket.fd, socket.inode));
    if (!known) return true;
    if (known.facts === null) return false;
    // A socket with no ring at all is not set up yet, however old: look again until it is.
    return (
      now - known.firstSeen < SETTLE_MS ||
      Object.values(known.facts.readings.rings).every((ring) => ring.mappedBytes === 0)
    );
  });
  if (fresh.length > 0) {
    let pidfd: number;
    try {
      pidfd = pidfdOpen(pid);
    } catch (error) {
      if (error instanceof NativeError && error.code === 'ESRCH') return found;
      throw error;
    }
    try {
      for (const socket of fresh) {
        const facts = learn(pidfd, socket, pid, dumps);
        if (facts === 'gone') continue;
        const id = xskId(pid, socket.fd, socket.inode);
        const before = learned.get(id);
        if (before && sameFacts(before.facts, facts)) continue;
        learned.set(id, { facts, firstSeen: before?.firstSeen ?? now, bindingTried: false });
      }
    } finally {
      closeFd(pidfd);
    }
  }
  for (const socket of sockets) {
    const facts = learned.get(xskId(pid, socket.fd, socket.inode))?.facts;
    if (facts) found.set(socket, facts);
  }
  return found;
}

function describe(
  pid: number,
  socket: SocketFd,
  facts: XskFacts,
  identity: ProcessIdentity,
  netnsInode: number,
  names: Map<number, string>,
): DiscoveredXsk {
  return {
    id: xskId(pid, socket.fd, socket.inode),
    pid,
    command: identity.command,
    cmdline: identity.cmdline,
    fd: socket.fd,
    inode: socket.inode,
    netns: { inode: netnsInode, name: names.get(netnsInode) ?? null },
    kernel: facts.kernel,
    umem: facts.umem,
  };
}

/**
 * One socket of `pid`, described through `duplicate`, a duplicate the caller
 * holds (AttachedXsk). Returns the facts too: which rings can be mapped.
 */
export function describeHeld(
  pid: number,
  socket: SocketFd,
  duplicate: number,
): { info: DiscoveredXsk; facts: XskFacts } | null {
  const offsets = readMmapOffsets(duplicate);
  const identity = processIdentity(pid);
  const netns = networkNamespaceOf(pid);
  if (offsets === null || identity === null || netns === null) return null;
  const dumps = new DiagDumps();
  const facts = xskFacts(duplicate, offsets, dumps.lookup(pid, socket.inode), dumps.why());
  const known = learned.get(xskId(pid, socket.fd, socket.inode))?.facts;
  if (known && facts.kernel.ifname.source === 'unknown') facts.kernel = { ...facts.kernel, ...bindingOf(known.kernel) };
  return { info: describe(pid, socket, facts, identity, netns, namedNamespaces()), facts };
}

/**
 * Where xsk_diag did not say, the interface (and queue) each new XSK receives
 * on, inferred from its owner's namespace (binding.ts), once per socket. It
 * runs `ip` and bpftool, so discovery does not wait for it: the facts, with
 * the binding, replace the learned ones when it is in, and a later call
 * returns them.
 */
function inferBindings(discovered: readonly DiscoveredXsk[]): void {
  const byNamespace = new Map<string, Promise<InferredBinding | null>>();
  for (const xsk of discovered) {
    const entry = learned.get(xsk.id);
    const namespace = xsk.netns.name;
    if (!entry?.facts || entry.bindingTried || xsk.kernel.ifname.source !== 'unknown' || namespace === null) continue;
    entry.bindingTried = true;
    let inferring = byNamespace.get(namespace);
    if (!inferring) {
      inferring = bindingCandidates(namespace).then(
        (candidates) => inferBinding(candidates, namespace),
        // The namespace went away meanwhile: nothing to infer from.
        () => null,
      );
      byNamespace.set(namespace, inferring);
    }
    const facts = entry.facts;
    void inferring.then((binding) => {
      const now = learned.get(xsk.id);
      if (!binding || now?.facts !== facts) return;
      learned.set(xsk.id, { ...now, facts: { ...facts, kernel: { ...facts.kernel, ...binding } } });
    });
  }
}

/** Every XSK on the host (every process, every namespace), or one process's. Never holds anything after returning. */
export async function discoverXsks(filter: { pid?: number } = {}): Promise<DiscoveredXsk[]> {
  const pids = filter.pid === undefined ? listPids() : [filter.pid];
  const names = namedNamespaces();
  const dumps = new DiagDumps();
  const seen = new Set<string>();
  const discovered: DiscoveredXsk[] = [];
  for (let i = 0; i < pids.length; i++) {
    if (i % PIDS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const pid = pids[i] as number;
    const sockets = socketFds(pid);
    for (const socket of sockets) seen.add(xskId(pid, socket.fd, socket.inode));
    const xsks = xsksOf(pid, sockets, Date.now(), dumps);
    if (xsks.size === 0) continue;
    const identity = processIdentity(pid);
    const netns = networkNamespaceOf(pid);
    if (identity === null || netns === null) continue;
    for (const [socket, facts] of xsks) discovered.push(describe(pid, socket, facts, identity, netns, names));
  }
  inferBindings(discovered);
  // What was learned of sockets no longer there goes; a filtered call keeps other processes' entries.
  for (const id of learned.keys()) {
    const pid = Number(id.split('-')[0]);
    if (!seen.has(id) && (filter.pid === undefined || pid === filter.pid)) learned.delete(id);
  }
  return discovered;
}
