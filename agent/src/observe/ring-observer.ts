import type { RingState } from '@ringside/shared';
import { XDP_RING_NEED_WAKEUP } from '../native/uapi.ts';
import { dataAddress, type RingMemory } from '../xsk/ring.ts';

/**
 * Reads a ring the way an observer must: without writing anything. The owner
 * keeps a producer ring's cached consumer as consumer + size; it is shown as
 * the consumer it stands for.
 */
export function observeRing(memory: RingMemory, side: 'producer' | 'consumer'): RingState {
  const cachedProducer = memory.cache[0] as number;
  const cachedConsumer = memory.cache[1] as number;
  return {
    size: memory.size,
    producer: Atomics.load(memory.producer, 0),
    consumer: Atomics.load(memory.consumer, 0),
    cachedProducer,
    cachedConsumer: side === 'producer' ? (cachedConsumer - memory.size) >>> 0 : cachedConsumer,
    needWakeup: (Atomics.load(memory.flags, 0) & XDP_RING_NEED_WAKEUP) !== 0,
  };
}

/** The entries of a ring from index `from` up to `to` (free-running indices), oldest first. */
export interface RingEntries {
  /** Data addresses (with an unaligned-mode offset added, as the kernel means them). */
  addresses: number[];
  /** Descriptor rings only: lengths and options; empty for FILL and COMPLETION. */
  lengths: number[];
  options: number[];
}

export function readRingEntries(
  memory: RingMemory,
  from: number,
  to: number,
  kind: 'address' | 'descriptor',
): RingEntries {
  const words = kind === 'address' ? 2 : 4;
  // A ring given without its slots (an attached ring whose size is not exact) lists none.
  const count = Math.min((to - from) >>> 0, memory.size, memory.entries.length / words);
  const mask = memory.size - 1;
  const entries: RingEntries = { addresses: new Array(count), lengths: [], options: [] };
  for (let i = 0; i < count; i++) {
    const word = ((from + i) & mask) * words;
    entries.addresses[i] = dataAddress(memory.entries[word] as number, memory.entries[word + 1] as number);
    if (kind === 'descriptor') {
      entries.lengths.push(memory.entries[word + 2] as number);
      entries.options.push(memory.entries[word + 3] as number);
    }
  }
  return entries;
}

/**
 * The frame index of every entry from `from` up to `to`, straight from ring
 * memory: what the ledger needs, without the per-entry objects of
 * readRingEntries. Sampling every socket at 60 Hz makes that difference.
 */
export function readRingFrames(
  memory: RingMemory,
  from: number,
  to: number,
  kind: 'address' | 'descriptor',
  frameSize: number,
): Int32Array {
  const words = kind === 'address' ? 2 : 4;
  // A ring given without its slots (an attached ring whose size is not exact) lists none.
  const count = Math.min((to - from) >>> 0, memory.size, memory.entries.length / words);
  const mask = memory.size - 1;
  const entries = memory.entries;
  const frames = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const word = ((from + i) & mask) * words;
    frames[i] = Math.floor(dataAddress(entries[word] as number, entries[word + 1] as number) / frameSize);
  }
  return frames;
}
