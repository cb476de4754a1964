import { viewAt } from './libc.ts';
import type { RingLayout } from './libxdp.ts';
import { XDP_ADDR_SIZE, XDP_DESC_SIZE } from './structs.ts';

type RingEntryKind = 'address' | 'descriptor';

/**
 * One ring as mapped memory, the shape every ring of `xsk/` is built over
 * (where it is called `RingMemory`; tests build it over plain arrays).
 */
export interface MappedRing {
  size: number;
  /** One-element views over the kernel-shared words. */
  producer: Uint32Array;
  consumer: Uint32Array;
  flags: Uint32Array;
  /** The entries: 2 words per FILL/COMPLETION address, 4 per RX/TX descriptor. */
  entries: Uint32Array;
  /**
   * The application's cached producer and consumer ([0] and [1]), in a
   * SharedArrayBuffer of the caller's, so the sampler shows them without
   * asking the thread that drives the ring.
   */
  cache: Uint32Array;
}

/**
 * Typed-array views over a ring that libxdp mapped. Works in any thread of the
 * process: the mapping is process-wide and the layout is plain numbers.
 */
export function ringMemoryAt(layout: RingLayout, entry: RingEntryKind, cache: Uint32Array): MappedRing {
  const entryBytes = entry === 'address' ? XDP_ADDR_SIZE : XDP_DESC_SIZE;
  return {
    size: layout.size,
    producer: new Uint32Array(viewAt(layout.producer, 4)),
    consumer: new Uint32Array(viewAt(layout.consumer, 4)),
    flags: new Uint32Array(viewAt(layout.flags, 4)),
    entries: new Uint32Array(viewAt(layout.descs, layout.size * entryBytes)),
    cache,
  };
}

/** Bytes of one UMEM, for reading and writing frame data. */
export function umemBytesAt(address: number, length: number): Uint8Array {
  return new Uint8Array(viewAt(address, length));
}
