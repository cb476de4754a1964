import type { FactSource, KernelView } from '@ringside/shared';
import type { DumpedXsk } from '../native/sock-diag.ts';
import type { MmapOffsets } from '../native/xsk-mapping.ts';
import { type KernelReadings, kernelViewOf } from '../observe/kernel-view.ts';
import { type SocketReadings, socketReadings } from '../observe/read-kernel-view.ts';

/**
 * What can be known of an XSK from a duplicate of its fd, and from xsk_diag
 * where the kernel has it, built by the one builder of the kernel's view
 * (observe/kernel-view.ts) that Ringside's own sockets use. At discovery no
 * interface is known and no ring is mapped: those facts stay unknown, saying
 * why, rather than guessed.
 */

/** UMEM facts (xsk_diag alone reports them; a duplicate of the socket shows only its rings). */
export interface UmemFacts {
  id: number | null;
  size: number | null;
  chunkSize: number | null;
  headroom: number | null;
  refs: number | null;
  source: FactSource;
}

export interface XskFacts {
  kernel: KernelView;
  umem: UmemFacts;
  /** What `kernel` was built from: among it, the bytes of each ring the kernel lets us map (0: no such ring). */
  readings: KernelReadings;
}

/**
 * The kernel's view of the socket behind `fd` (a duplicate). `diag` is the
 * socket's entry in its namespace's xsk_diag dump, or null with `diagMissing`
 * saying why (no xsk_diag in this kernel, or the socket lives in a namespace
 * other than its process's, which was the one dumped).
 */
export function xskFacts(fd: number, offsets: MmapOffsets, diag: DumpedXsk | null, diagMissing: string): XskFacts {
  return factsOf(socketReadings(fd, offsets), diag, diagMissing);
}

/** The facts, each with its source, from what was read and what xsk_diag said (null: it said nothing, for `diagMissing`). */
export function factsOf(socket: SocketReadings, diag: DumpedXsk | null, diagMissing: string): XskFacts {
  const readings: KernelReadings = {
    ...socket,
    diag: diag ? { socket: diag } : { missing: diagMissing },
    device: null,
    flags: null,
    rxAddresses: null,
  };
  const umem: UmemFacts = diag?.umem
    ? {
        id: diag.umem.id,
        size: diag.umem.size,
        chunkSize: diag.umem.chunkSize,
        headroom: diag.umem.headroom,
        refs: diag.umem.refs,
        source: 'socket-diag',
      }
    : { id: null, size: null, chunkSize: null, headroom: null, refs: null, source: 'unknown' };
  return { kernel: kernelViewOf(readings), umem, readings };
}
