import type { RingState } from '@ringside/shared';
import type { RingMemory } from '../xsk/ring.ts';

const NEED_WAKEUP = 1;

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
    needWakeup: (Atomics.load(memory.flags, 0) & NEED_WAKEUP) !== 0,
  };
}
