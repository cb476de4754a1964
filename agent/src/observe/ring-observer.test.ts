import { expect, it } from 'vitest';
import { FillRing, type RingMemory } from '../xsk/ring.ts';
import { observeRing } from './ring-observer.ts';

function memory(size: number): RingMemory {
  return {
    size,
    producer: new Uint32Array(1),
    consumer: new Uint32Array(1),
    flags: new Uint32Array(1),
    entries: new Uint32Array(size * 2),
    cache: new Uint32Array(2),
  };
}

it('shows a producer ring as the owner sees it, without writing to it', () => {
  const mem = memory(8);
  const fill = new FillRing(mem);
  fill.reserve(3);
  fill.submit(3);
  fill.reserve(2);
  mem.consumer[0] = 1;
  mem.flags[0] = 1;
  const before = [...mem.cache, mem.producer[0], mem.consumer[0]];
  expect(observeRing(mem, 'producer')).toEqual({
    size: 8,
    producer: 3,
    consumer: 1,
    cachedProducer: 5,
    cachedConsumer: 0,
    needWakeup: true,
  });
  expect([...mem.cache, mem.producer[0], mem.consumer[0]]).toEqual(before);
});
