import { fstatSync } from 'node:fs';
import { type KernelView, RING_KINDS, type XdpStatistics } from '@ringside/shared';
import { NativeError } from '../native/errors.ts';
import { readXdpStatistics } from '../native/libc.ts';
import { closeFd, pidfdGetfd, pidfdOpen, processExited, sameOpenFile } from '../native/pidfd.ts';
import {
  mapRingView,
  type ReadOnlyRing,
  RING_ENTRY_BYTES,
  type RingName,
  readMmapOffsets,
  unmapRing,
} from '../native/xsk-mapping.ts';
import type { AttachedRing, AttachedRings } from '../observe/attached-umem.ts';
import { kernelViewOf } from '../observe/kernel-view.ts';
import { rxAddresses } from '../observe/read-kernel-view.ts';
import { dataAddress } from '../xsk/ring.ts';
import { bindingOf } from './binding.ts';
import { type DiscoveredXsk, describeHeld } from './discovery.ts';
import { socketInode, yamaPtraceScope } from './procfs.ts';
import { inferUmem, type UmemInference } from './umem-inference.ts';
import type { XskFacts } from './xsk-facts.ts';

/**
 * One XSK of another process, watched read-only: a duplicate of its fd
 * (pidfd_getfd) and PROT_READ maps of the very ring pages its owner uses.
 * Nothing here writes to a ring or calls anything on the socket but
 * getsockopt. A duplicate keeps the kernel socket alive, and with it the
 * owner's queue (a rebind gets EBUSY): so the owner's fd and process are
 * checked every CHECK_MS, and everything is let go the moment either is gone.
 */

export type AttachErrorCode = 'pid-gone' | 'not-xsk' | 'fd-gone' | 'not-permitted' | 'ptrace-scope';

export class AttachError extends Error {
  override readonly name = 'AttachError';

  constructor(
    readonly code: AttachErrorCode,
    message: string,
    /** One sentence naming the fix. */
    readonly fix: string,
  ) {
    super(`${message}: ${fix}`);
  }
}

/** A release within 1 s of the owner letting go needs a look at least this often, with room for a slow tick. */
const CHECK_MS = 250;

/** A ring mapped read-only: what the observation source reads, and where to unmap it. */
type Mapping = ReadOnlyRing & AttachedRing;

function refuse(code: AttachErrorCode, message: string, fix: string): never {
  throw new AttachError(code, message, fix);
}

const PICK_LISTED = 'choose one the discovery list shows now';

/** pidfd_getfd, with each refusal turned into the AttachError that names its fix. */
function duplicate(pid: number, pidfd: number, fd: number): number {
  try {
    return pidfdGetfd(pidfd, fd);
  } catch (error) {
    if (!(error instanceof NativeError)) throw error;
    if (error.code === 'ESRCH') refuse('pid-gone', `process ${pid} has exited`, PICK_LISTED);
    if (error.code === 'EBADF') refuse('fd-gone', `process ${pid} has no fd ${fd} open`, PICK_LISTED);
    if (error.code === 'EPERM') {
      if (yamaPtraceScope() === 3) {
        refuse(
          'ptrace-scope',
          `Yama's ptrace_scope is 3, which lets no process reach another's file descriptors`,
          'boot with kernel.yama.ptrace_scope at 2 or lower (3 cannot be lowered until a reboot)',
        );
      }
      refuse(
        'not-permitted',
        `the kernel refused to duplicate fd ${fd} of process ${pid} (EPERM)`,
        'run Ringside as root, or grant it CAP_SYS_PTRACE, to read another process’s sockets',
      );
    }
    throw error;
  }
}

/**
 * The kernel's view rebuilt once the rings are mapped, with what they show:
 * FILL's and TX's need_wakeup flags, and the UMEM's layout where the kernel
 * wrote RX descriptors. Where the socket is bound stays as discovery found it
 * (xsk_diag, or its inference from the owner's namespace).
 */
function mappedView(facts: XskFacts, found: KernelView, mappings: Record<RingName, Mapping | null>): KernelView {
  const flags = (mapping: Mapping | null) => (mapping ? (mapping.memory.flags[0] as number) : null);
  const view = kernelViewOf({
    ...facts.readings,
    flags: { fill: flags(mappings.fill), tx: flags(mappings.tx) },
    rxAddresses: rxAddresses(mappings.rx?.memory ?? null),
  });
  return { ...view, ...bindingOf(found) };
}

export class AttachedXsk {
  private released = false;
  private goneListeners: ((reason: string) => void)[] = [];
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly info: DiscoveredXsk,
    private readonly pidfd: number,
    private readonly fd: number,
    private readonly mappings: Record<RingName, Mapping | null>,
  ) {
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
  }

  /** Attaches to `target`'s fd; throws AttachError, holding nothing, when it cannot. */
  static open(target: { pid: number; fd: number; inode?: number }): AttachedXsk {
    const { pid, fd } = target;
    let pidfd: number;
    try {
      pidfd = pidfdOpen(pid);
    } catch (error) {
      if (error instanceof NativeError && error.code === 'ESRCH')
        refuse('pid-gone', `process ${pid} is gone`, PICK_LISTED);
      throw error;
    }
    let held: number | null = null;
    const mappings: Record<RingName, Mapping | null> = { fill: null, rx: null, tx: null, completion: null };
    try {
      held = duplicate(pid, pidfd, fd);
      const inode = fstatSync(held).ino;
      if (target.inode !== undefined && inode !== target.inode) {
        refuse('fd-gone', `fd ${fd} of process ${pid} now names another file than socket ${target.inode}`, PICK_LISTED);
      }
      const offsets = readMmapOffsets(held);
      if (offsets === null) refuse('not-xsk', `fd ${fd} of process ${pid} is not an AF_XDP socket`, PICK_LISTED);
      // Its namespace vanishing meanwhile leaves describeHeld without the process's: it reads as gone.
      const described = describeHeld(pid, { fd, inode }, held);
      if (described === null) refuse('pid-gone', `process ${pid} exited while being attached`, PICK_LISTED);
      for (const ring of RING_KINDS) {
        const length = described.facts.readings.rings[ring].mappedBytes;
        const fact = described.info.kernel.rings[ring];
        if (length > 0 && fact.present) {
          const { candidates } = fact;
          const view = mapRingView(held, ring, offsets[ring], length, candidates.at(-1) ?? 0);
          mappings[ring] = { ...view, exact: candidates.length === 1 };
        }
      }
      const kernel = mappedView(described.facts, described.info.kernel, mappings);
      return new AttachedXsk({ ...described.info, kernel }, pidfd, held, mappings);
    } catch (error) {
      for (const mapping of Object.values(mappings)) if (mapping) unmapRing(mapping.address, mapping.length);
      if (held !== null) closeFd(held);
      closeFd(pidfd);
      throw error;
    }
  }

  /**
   * The mapped rings, for the observation source over this socket
   * (observe/attached-umem.ts). Throws once the socket is released (close or
   * onGone): the pages are unmapped then, and reading a view would fault.
   */
  rings(): AttachedRings {
    if (this.released) throw new Error(`${this.info.id} was released`);
    return this.mappings;
  }

  /** getsockopt(XDP_STATISTICS) on the duplicate. */
  statistics(): XdpStatistics {
    if (this.released) throw new Error(`${this.info.id} was released`);
    return readXdpStatistics(this.fd);
  }

  /**
   * The UMEM's chunk size and least number of chunks, from every slot of the
   * rings (umem-inference.ts): what there is when xsk_diag cannot say. null
   * once released.
   */
  umemFromRings(): UmemInference | null {
    if (this.released) return null;
    const fill = new Set<number>();
    let highest = -1;
    for (const ring of RING_KINDS) {
      const mapping = this.mappings[ring];
      if (!mapping) continue;
      const { entries } = mapping.memory;
      const words = RING_ENTRY_BYTES[ring] / 4;
      for (let word = 0; word + 1 < entries.length; word += words) {
        const address = dataAddress(entries[word] as number, entries[word + 1] as number);
        if (ring === 'fill') fill.add(address);
        if (address > highest) highest = address;
      }
    }
    return inferUmem(fill, highest);
  }

  /** Called once, within 1 s of the owner closing the fd or exiting, after everything is released. */
  onGone(listener: (reason: string) => void): void {
    this.goneListeners.push(listener);
  }

  /** Releases the maps, the duplicate and the pidfd at once. Idempotent; no onGone follows. */
  close(): void {
    this.release();
  }

  private release(): boolean {
    if (this.released) return false;
    this.released = true;
    clearInterval(this.timer);
    for (const mapping of Object.values(this.mappings)) if (mapping) unmapRing(mapping.address, mapping.length);
    closeFd(this.fd);
    closeFd(this.pidfd);
    return true;
  }

  /**
   * kcmp(KCMP_FILE) compares the owner's fd with our duplicate in the kernel:
   * one syscall, and exact (a closed fd, or its number reused for any other
   * file, reads different). Where the kernel lacks kcmp, the owner's fd link
   * must still name our socket's inode: a path walk, but just as exact,
   * since socket inodes are not reused while our duplicate holds this one.
   */
  private check(): void {
    const { pid, fd, inode } = this.info;
    let reason: string | null = null;
    if (processExited(this.pidfd)) reason = `process ${pid} (${this.info.command}) exited`;
    else {
      const same = sameOpenFile(pid, fd, this.fd) ?? socketInode(pid, fd) === inode;
      if (!same) reason = `process ${pid} (${this.info.command}) closed fd ${fd}`;
    }
    if (reason === null || !this.release()) return;
    for (const listener of this.goneListeners) listener(reason);
  }
}
