import { expect, it } from 'vitest';
import { ReferenceRing } from '../src/native/libxdp-reference-rings.ts';
import { ConsumerRing, ProducerRing, type RingMemory } from '../src/xsk/ring.ts';
import { describeKernel } from './kernel.ts';

/** A deterministic pseudo-random sequence (xorshift32), so a failure replays. */
function random(seed: number) {
  let state = seed || 1;
  return (limit: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % limit;
  };
}

function memory(size: number, start: number): RingMemory {
  return {
    size,
    producer: new Uint32Array([start]),
    consumer: new Uint32Array([start]),
    flags: new Uint32Array(1),
    entries: new Uint32Array(size * 4),
    cache: new Uint32Array(2),
  };
}

const STARTS = [0, 0xffff_ff00, 0x7fff_fff0];
const STEPS = 5000;

describeKernel("ring operations agree with libxdp 1.3's own", () => {
  it.each(STARTS)('producer rings (FILL, TX) starting at %i', (start) => {
    const next = random(start + 7);
    const size = 64;
    const mem = memory(size, start);
    const ours = new ProducerRing(mem);
    const theirs = new ReferenceRing(size, 'producer', start);
    let pending = 0; // reserved, not yet submitted
    try {
      for (let step = 0; step < STEPS; step++) {
        const action = next(4);
        if (action === 0) {
          const count = next(size + 8);
          const expected = theirs.reserve(count);
          expect(ours.reserve(count), `step ${step}: reserve(${count})`).toBe(expected.reserved);
          if (expected.reserved > 0) expect(ours.claimIndex).toBe(expected.index);
          pending += expected.reserved;
        } else if (action === 1 && pending > 0) {
          const count = 1 + next(pending);
          ours.submit(count);
          theirs.submit(count);
          pending -= count;
        } else if (action === 2) {
          const wanted = next(size + 1);
          expect(ours.freeEntries(wanted), `step ${step}: free(${wanted})`).toBe(theirs.freeEntries(wanted));
        } else {
          // The kernel consumes some of what was submitted.
          const submitted = ((mem.producer[0] as number) - (mem.consumer[0] as number)) >>> 0;
          const count = next(submitted + 1);
          mem.consumer[0] = ((mem.consumer[0] as number) + count) >>> 0;
          theirs.advanceKernel(count);
        }
        expect({
          producer: mem.producer[0],
          consumer: mem.consumer[0],
          cachedProducer: ours.cachedProducer,
          cachedConsumer: ours.cachedConsumer,
        }).toEqual(theirs.state());
      }
    } finally {
      theirs.free();
    }
  });

  it.each(STARTS)('consumer rings (RX, COMPLETION) starting at %i', (start) => {
    const next = random(start + 11);
    const size = 64;
    const mem = memory(size, start);
    const ours = new ConsumerRing(mem);
    const theirs = new ReferenceRing(size, 'consumer', start);
    let peeked = 0; // peeked, not yet released
    try {
      for (let step = 0; step < STEPS; step++) {
        const action = next(4);
        if (action === 0) {
          const max = next(size + 8);
          const expected = theirs.peek(max);
          expect(ours.peek(max), `step ${step}: peek(${max})`).toBe(expected.entries);
          if (expected.entries > 0) expect(ours.claimIndex).toBe(expected.index);
          peeked += expected.entries;
        } else if (action === 1 && peeked > 0) {
          const count = 1 + next(peeked);
          if (next(2) === 0) {
            ours.release(count);
            theirs.release(count);
          } else {
            ours.cancel(count);
            theirs.cancel(count);
          }
          peeked -= count;
        } else if (action === 2) {
          // The kernel produces into the free part of the ring.
          const free = size - (((mem.producer[0] as number) - (mem.consumer[0] as number)) >>> 0);
          const count = next(free + 1);
          mem.producer[0] = ((mem.producer[0] as number) + count) >>> 0;
          theirs.advanceKernel(count);
        }
        expect({
          producer: mem.producer[0],
          consumer: mem.consumer[0],
          cachedProducer: ours.cachedProducer,
          cachedConsumer: ours.cachedConsumer,
        }).toEqual(theirs.state());
      }
    } finally {
      theirs.free();
    }
  });
});
