import { fstatSync } from 'node:fs';
import type { RingEntries, XdpStatistics } from '@ringside/shared';
import { NativeError } from '../native/errors.ts';
import { readXdpStatistics, viewAt } from '../native/libc.ts';
import { closeFd, pidfdGetfd, pidfdOpen, processExited, sameOpenFile } from '../native/pidfd.ts';
import type { MappedRing } from '../native/ring-memory.ts';
import {
  type MmapOffsets,
  mapRingReadOnly,
  RING_ENTRY_BYTES,
  type RingName,
  readMmapOffsets,
  unmapRing,
} from '../native/xsk-mapping.ts';
import { readRingEntries } from '../observe/ring-observer.ts';
import { dataAddress } from '../xsk/ring.ts';
import { type DiscoveredXsk, describeHeld } from './discovery.ts';
import { socketInode, yamaPtraceScope } from './procfs.ts';
import { inferUmem, type UmemInference } from './umem-inference.ts';
import { RING_NAMES } from './xsk-facts.ts';

/**
 * One XSK of another process, watched read-only: a duplicate of its fd
 * (pidfd_getfd) and PROT_READ maps of the very ring pages its owner uses.
 * Nothing here writes to a ring or calls anything on the socket but
 * getsockopt. A duplicate keeps the kernel socket alive, and with it the
 * owner's queue (a rebind gets EBUSY): so the owner's fd and process are
 * checked every CHECK_MS, and everything is let go the moment either is gone.
 */

export type AttachErrorCode = 'pid-gone' | 'not-xsk' | 'fd-gone' | 'netns-gone' | 'not-permitted' | 'ptrace-scope';

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

/** The shared words of a foreign ring. Cached indices are the owner's private memory: not here. */
export interface ForeignRing {
  size: number;
  /** False when the mapping's length fits several power-of-two sizes (small rings): `size` is then the largest. */
  sizeExact: boolean;
  producer: number;
  consumer: number;
  needWakeup: boolean;
}

type PerRing<T> = Record<RingName, T>;

/** A release within 1 s of the owner letting go needs a look at least this often, with room for a slow tick. */
const CHECK_MS = 250;
const NEED_WAKEUP = 1;

interface Mapping {
  address: number;
  length: number;
  memory: MappedRing;
  exact: boolean;
}

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

function mapRing(fd: number, ring: RingName, offsets: MmapOffsets, length: number, candidates: number[]): Mapping {
  const address = mapRingReadOnly(fd, ring, length);
  const size = candidates.at(-1) ?? 0;
  const word = (offset: number) => new Uint32Array(viewAt(address + offset, 4));
  const { producer, consumer, flags, desc } = offsets[ring];
  return {
    address,
    length,
    exact: candidates.length === 1,
    memory: {
      size,
      producer: word(producer),
      consumer: word(consumer),
      flags: word(flags),
      entries: new Uint32Array(viewAt(address + desc, size * RING_ENTRY_BYTES[ring])),
      // The owner's cached indices live in its own memory; nothing of ours stands for them.
      cache: new Uint32Array(2),
    },
  };
}

export class AttachedXsk {
  private released = false;
  private goneListeners: ((reason: string) => void)[] = [];
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly info: DiscoveredXsk,
    private readonly pidfd: number,
    private readonly fd: number,
    private readonly mappings: PerRing<Mapping | null>,
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
    const mappings: PerRing<Mapping | null> = { fill: null, rx: null, tx: null, completion: null };
    try {
      held = duplicate(pid, pidfd, fd);
      const inode = fstatSync(held).ino;
      if (target.inode !== undefined && inode !== target.inode) {
        refuse('fd-gone', `fd ${fd} of process ${pid} now names another file than socket ${target.inode}`, PICK_LISTED);
      }
      const offsets = readMmapOffsets(held);
      if (offsets === null) refuse('not-xsk', `fd ${fd} of process ${pid} is not an AF_XDP socket`, PICK_LISTED);
      const described = describeNamespaced(pid, { fd, inode }, held);
      if (described === null) refuse('pid-gone', `process ${pid} exited while being attached`, PICK_LISTED);
      for (const ring of RING_NAMES) {
        const length = described.facts.mappable[ring];
        const fact = described.info.kernel.rings[ring];
        if (length > 0 && fact.present) mappings[ring] = mapRing(held, ring, offsets, length, fact.candidates);
      }
      return new AttachedXsk(described.info, pidfd, held, mappings);
    } catch (error) {
      for (const mapping of Object.values(mappings)) if (mapping) unmapRing(mapping.address, mapping.length);
      if (held !== null) closeFd(held);
      closeFd(pidfd);
      throw error;
    }
  }

  /** The shared ring words now: producer, then consumer, as the own reader reads them. */
  rings(): PerRing<ForeignRing | null> {
    const read = (mapping: Mapping | null): ForeignRing | null => {
      if (this.released || !mapping) return null;
      const { memory } = mapping;
      return {
        size: memory.size,
        sizeExact: mapping.exact,
        producer: Atomics.load(memory.producer, 0),
        consumer: Atomics.load(memory.consumer, 0),
        needWakeup: (Atomics.load(memory.flags, 0) & NEED_WAKEUP) !== 0,
      };
    };
    const m = this.mappings;
    return { fill: read(m.fill), rx: read(m.rx), tx: read(m.tx), completion: read(m.completion) };
  }

  /**
   * The mapped rings in the shape the observation layer reads (RingMemory),
   * for an ObservationSource over this socket. Valid until the socket is
   * released (close or onGone): the pages are unmapped then, and reading a
   * view afterwards would fault.
   */
  memories(): PerRing<MappedRing | null> {
    const memory = (mapping: Mapping | null) => (this.released || !mapping ? null : mapping.memory);
    const m = this.mappings;
    return { fill: memory(m.fill), rx: memory(m.rx), tx: memory(m.tx), completion: memory(m.completion) };
  }

  /** getsockopt(XDP_STATISTICS) on the duplicate. */
  statistics(): XdpStatistics {
    if (this.released) throw new Error(`${this.info.id} was released`);
    return readXdpStatistics(this.fd);
  }

  /**
   * Every entry between consumer and producer of each ring, oldest first;
   * null for a ring the socket lacks or whose size is not known exactly
   * (the ring index modulo a guessed size would name the wrong slots).
   */
  entries(): PerRing<RingEntries | null> {
    const read = (mapping: Mapping | null, kind: 'address' | 'descriptor'): RingEntries | null => {
      if (this.released || !mapping?.exact) return null;
      const producer = Atomics.load(mapping.memory.producer, 0);
      const consumer = Atomics.load(mapping.memory.consumer, 0);
      return readRingEntries(mapping.memory, consumer, producer, kind);
    };
    const m = this.mappings;
    return {
      fill: read(m.fill, 'address'),
      rx: read(m.rx, 'descriptor'),
      tx: read(m.tx, 'descriptor'),
      completion: read(m.completion, 'address'),
    };
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
    for (const ring of RING_NAMES) {
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

/** describeHeld, with a namespace that vanished while it was read turned into its AttachError. */
function describeNamespaced(pid: number, socket: { fd: number; inode: number }, held: number) {
  try {
    return describeHeld(pid, socket, held);
  } catch (error) {
    // The namespace's file is opened to enter it (fs: ENOENT), or setns finds it gone (NativeError).
    if ((error as { code?: string }).code === 'ENOENT') {
      refuse('netns-gone', `a network namespace of process ${pid} vanished while it was read`, PICK_LISTED);
    }
    throw error;
  }
}
