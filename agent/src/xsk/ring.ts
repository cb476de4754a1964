/**
 * The four AF_XDP rings in TypeScript, with the semantics of libxdp's inline
 * helpers in xdp/xsk.h. Each ring is single-producer/single-consumer: one
 * thread drives it. The shared producer and consumer words are free-running
 * 32-bit counters, so every difference is taken modulo 2^32 (`>>> 0`).
 *
 * Memory order: `Atomics.load` of the other side's word acquires and
 * `Atomics.store` of our own word releases, which is what the kernel's
 * smp_load_acquire/smp_store_release on the other side pairs with.
 */

import type { MappedRing } from '../native/ring-memory.ts';
import { XDP_RING_NEED_WAKEUP } from '../native/uapi.ts';

/** A ring's words and entries: mapped by native/ring-memory.ts, or plain arrays of the same shape in tests. */
export type RingMemory = MappedRing;

const TWO_32 = 2 ** 32;
/** Unaligned mode keeps an offset in the top 16 bits of an address (XSK_UNALIGNED_BUF_OFFSET_SHIFT = 48). */
const OFFSET_SHIFT_IN_HIGH_WORD = 16;
const HIGH_WORD_BASE_MASK = 0xffff;

abstract class Ring {
  readonly size: number;
  readonly mask: number;
  /** First ring index of the last successful reserve or peek. */
  claimIndex = 0;
  protected readonly producer: Uint32Array;
  protected readonly consumer: Uint32Array;
  protected readonly flags: Uint32Array;
  protected readonly entries: Uint32Array;
  protected readonly cache: Uint32Array;

  constructor(memory: RingMemory) {
    if (memory.size <= 0 || (memory.size & (memory.size - 1)) !== 0) {
      throw new RangeError(`ring size ${memory.size} is not a power of two`);
    }
    this.size = memory.size;
    this.mask = memory.size - 1;
    this.producer = memory.producer;
    this.consumer = memory.consumer;
    this.flags = memory.flags;
    this.entries = memory.entries;
    this.cache = memory.cache;
  }

  get cachedProducer(): number {
    return this.cache[0] as number;
  }

  get cachedConsumer(): number {
    return this.cache[1] as number;
  }

  /** The kernel-visible words, read as an observer would. */
  sharedProducer(): number {
    return Atomics.load(this.producer, 0);
  }

  sharedConsumer(): number {
    return Atomics.load(this.consumer, 0);
  }

  needsWakeup(): boolean {
    return (Atomics.load(this.flags, 0) & XDP_RING_NEED_WAKEUP) !== 0;
  }
}

/**
 * The application produces into FILL and TX. `cachedConsumer` is kept as the
 * consumer plus the ring size, so that `cachedConsumer - cachedProducer` is
 * the free space (as libxdp does).
 */
export class ProducerRing extends Ring {
  constructor(memory: RingMemory) {
    super(memory);
    this.cache[0] = Atomics.load(this.producer, 0);
    this.cache[1] = (Atomics.load(this.consumer, 0) + this.size) >>> 0;
  }

  /** Free entries, refreshing the consumer only when the cached view has fewer than `wanted`. */
  freeEntries(wanted: number): number {
    const cache = this.cache;
    const free = ((cache[1] as number) - (cache[0] as number)) >>> 0;
    if (free >= wanted) return free;
    cache[1] = (Atomics.load(this.consumer, 0) + this.size) >>> 0;
    return ((cache[1] as number) - (cache[0] as number)) >>> 0;
  }

  /** Claims `count` entries starting at `claimIndex`, or none: returns `count` or 0. */
  reserve(count: number): number {
    if (this.freeEntries(count) < count) return 0;
    const cache = this.cache;
    this.claimIndex = cache[0] as number;
    cache[0] = ((cache[0] as number) + count) >>> 0;
    return count;
  }

  /** Publishes `count` reserved entries to the kernel. */
  submit(count: number): void {
    // Our own word, which only this thread writes: read plainly (an Atomics call costs 5 to 10 ns on Node 20).
    Atomics.store(this.producer, 0, ((this.producer[0] as number) + count) >>> 0);
  }
}

/** The application consumes from RX and COMPLETION. */
export class ConsumerRing extends Ring {
  constructor(memory: RingMemory) {
    super(memory);
    this.cache[0] = Atomics.load(this.producer, 0);
    this.cache[1] = Atomics.load(this.consumer, 0);
  }

  /** Entries ready to read, at most `max`; refreshes the producer only when the cached view is empty. */
  available(max: number): number {
    const cache = this.cache;
    let entries = ((cache[0] as number) - (cache[1] as number)) >>> 0;
    if (entries === 0) {
      cache[0] = Atomics.load(this.producer, 0);
      entries = ((cache[0] as number) - (cache[1] as number)) >>> 0;
    }
    return Math.min(entries, max);
  }

  /** Claims up to `max` entries starting at `claimIndex`; returns how many. */
  peek(max: number): number {
    const entries = this.available(max);
    if (entries > 0) {
      this.claimIndex = this.cache[1] as number;
      this.cache[1] = ((this.cache[1] as number) + entries) >>> 0;
    }
    return entries;
  }

  /** Gives back the last `count` peeked entries unread. */
  cancel(count: number): void {
    this.cache[1] = ((this.cache[1] as number) - count) >>> 0;
  }

  /** Returns `count` read entries to the kernel. */
  release(count: number): void {
    // Our own word, read plainly as in submit.
    Atomics.store(this.consumer, 0, ((this.consumer[0] as number) + count) >>> 0);
  }
}

/** A 64-bit UMEM address from two 32-bit words, as the data pointer it denotes (xsk_umem__add_offset_to_addr). */
export function dataAddress(low: number, high: number): number {
  return baseAddress(low, high) + unalignedOffset(high);
}

/** The chunk's base address, without an unaligned-mode offset (xsk_umem__extract_addr). */
export function baseAddress(low: number, high: number): number {
  return low + (high & HIGH_WORD_BASE_MASK) * TWO_32;
}

/** The unaligned-mode offset an address's high word carries, 0 in aligned mode (xsk_umem__extract_offset). */
export function unalignedOffset(high: number): number {
  return high >>> OFFSET_SHIFT_IN_HIGH_WORD;
}

/** FILL: the application hands the kernel UMEM addresses to receive into. */
export class FillRing extends ProducerRing {
  setAddress(index: number, address: number): void {
    const word = (index & this.mask) * 2;
    this.entries[word] = address >>> 0;
    this.entries[word + 1] = Math.floor(address / TWO_32);
  }

  /** The address in a slot, for observers. */
  address(index: number): number {
    const word = (index & this.mask) * 2;
    return baseAddress(this.entries[word] as number, this.entries[word + 1] as number);
  }
}

/** COMPLETION: the kernel hands back addresses it finished transmitting. */
export class CompletionRing extends ConsumerRing {
  address(index: number): number {
    const word = (index & this.mask) * 2;
    return baseAddress(this.entries[word] as number, this.entries[word + 1] as number);
  }
}

/** RX: the kernel hands the application received frames as struct xdp_desc. */
export class RxRing extends ConsumerRing {
  /** Where the frame's data starts in the UMEM. */
  dataAddress(index: number): number {
    const word = (index & this.mask) * 4;
    return dataAddress(this.entries[word] as number, this.entries[word + 1] as number);
  }

  /** The address to recycle to FILL: without the unaligned-mode offset. */
  baseAddress(index: number): number {
    const word = (index & this.mask) * 4;
    return baseAddress(this.entries[word] as number, this.entries[word + 1] as number);
  }

  length(index: number): number {
    return this.entries[(index & this.mask) * 4 + 2] as number;
  }

  options(index: number): number {
    return this.entries[(index & this.mask) * 4 + 3] as number;
  }
}

/** TX: the application hands the kernel frames to send as struct xdp_desc. */
export class TxRing extends ProducerRing {
  setDescriptor(index: number, address: number, length: number, options = 0): void {
    const word = (index & this.mask) * 4;
    this.entries[word] = address >>> 0;
    // Every address but those of UMEMs past 4 GiB: no division.
    this.entries[word + 1] = address < TWO_32 ? 0 : Math.floor(address / TWO_32);
    this.entries[word + 2] = length;
    this.entries[word + 3] = options;
  }

  /** A descriptor whose address needs all 64 bits (no double holds 2^64 − 2), given as its two 32-bit words. */
  setDescriptorWords(index: number, addressLow: number, addressHigh: number, length: number, options: number): void {
    this.entries.set([addressLow, addressHigh, length, options], (index & this.mask) * 4);
  }

  address(index: number): number {
    const word = (index & this.mask) * 4;
    return baseAddress(this.entries[word] as number, this.entries[word + 1] as number);
  }

  length(index: number): number {
    return this.entries[(index & this.mask) * 4 + 2] as number;
  }
}
