import { describe, expect, it } from 'vitest';
import { CompletionRing, FillRing, type RingMemory, RxRing, TxRing, unalignedOffset } from './ring.ts';

/** Ring memory in plain buffers; the test plays the kernel by moving the other side's word. */
function memory(size: number, wordsPerEntry: number, start = 0): RingMemory {
  const producer = new Uint32Array([start]);
  const consumer = new Uint32Array([start]);
  return {
    size,
    producer,
    consumer,
    flags: new Uint32Array(1),
    entries: new Uint32Array(size * wordsPerEntry),
    cache: new Uint32Array(2),
  };
}

const NEAR_WRAP = 0xffff_fffa;

describe('producer rings (FILL, TX)', () => {
  it('reserves all or nothing and publishes only on submit', () => {
    const mem = memory(8, 2);
    const fill = new FillRing(mem);
    expect(fill.reserve(5)).toBe(5);
    expect(fill.claimIndex).toBe(0);
    expect(fill.reserve(4)).toBe(0);
    expect(mem.producer[0]).toBe(0);
    fill.submit(5);
    expect(mem.producer[0]).toBe(5);
  });

  it('sees space the kernel freed only after refreshing the consumer word', () => {
    const mem = memory(4, 2);
    const fill = new FillRing(mem);
    fill.reserve(4);
    fill.submit(4);
    expect(fill.freeEntries(1)).toBe(0);
    mem.consumer[0] = 3;
    expect(fill.freeEntries(1)).toBe(3);
    expect(fill.cachedConsumer).toBe(3 + 4);
  });

  it('counts free space across the 32-bit wrap of producer and consumer', () => {
    const mem = memory(8, 2, NEAR_WRAP);
    const fill = new FillRing(mem);
    for (let round = 0; round < 4; round++) {
      expect(fill.reserve(8)).toBe(8);
      for (let i = 0; i < 8; i++) fill.setAddress(fill.claimIndex + i, (round * 8 + i) * 4096);
      fill.submit(8);
      expect(fill.reserve(1)).toBe(0);
      mem.consumer[0] = ((mem.consumer[0] as number) + 8) >>> 0;
    }
    expect(mem.producer[0]).toBe((NEAR_WRAP + 32) >>> 0);
    expect(fill.address(((NEAR_WRAP + 31) >>> 0) as number)).toBe(31 * 4096);
  });

  it('writes TX descriptors into the slot the index masks to', () => {
    const mem = memory(4, 4, NEAR_WRAP);
    const tx = new TxRing(mem);
    tx.reserve(4);
    tx.setDescriptor(tx.claimIndex + 3, 2 ** 33 + 256, 60, 1);
    const slot = ((NEAR_WRAP + 3) >>> 0) & 3;
    expect(Array.from(mem.entries.subarray(slot * 4, slot * 4 + 4))).toEqual([256, 2, 60, 1]);
    expect(tx.address(tx.claimIndex + 3)).toBe(2 ** 33 + 256);
  });

  it('reports need_wakeup from the flags word', () => {
    const mem = memory(4, 4);
    const tx = new TxRing(mem);
    expect(tx.needsWakeup()).toBe(false);
    mem.flags[0] = 1;
    expect(tx.needsWakeup()).toBe(true);
  });
});

describe('consumer rings (RX, COMPLETION)', () => {
  it('peeks what the kernel produced, across the 32-bit wrap', () => {
    const mem = memory(8, 4, NEAR_WRAP);
    const rx = new RxRing(mem);
    expect(rx.peek(16)).toBe(0);
    for (let i = 0; i < 7; i++) {
      const slot = ((NEAR_WRAP + i) >>> 0) & 7;
      mem.entries.set([i * 2048 + 256, 0, 64 + i, 0], slot * 4);
    }
    mem.producer[0] = (NEAR_WRAP + 7) >>> 0;
    expect(rx.peek(4)).toBe(4);
    expect(rx.claimIndex).toBe(NEAR_WRAP);
    expect(rx.peek(16)).toBe(3);
    expect(rx.claimIndex).toBe((NEAR_WRAP + 4) >>> 0);
    const last = (rx.claimIndex + 2) >>> 0;
    expect(rx.dataAddress(last)).toBe(6 * 2048 + 256);
    expect(rx.length(last)).toBe(70);
    rx.release(7);
    expect(mem.consumer[0]).toBe((NEAR_WRAP + 7) >>> 0);
  });

  it('splits an unaligned-mode address into chunk base and offset', () => {
    const mem = memory(2, 4);
    const rx = new RxRing(mem);
    // base 0x1_0000_1000 with offset 300 in the top 16 bits, as the kernel writes it.
    mem.entries.set([0x1000, 1 | (300 << 16), 100, 0], 0);
    mem.producer[0] = 1;
    rx.peek(1);
    expect(rx.baseAddress(0)).toBe(2 ** 32 + 0x1000);
    expect(rx.dataAddress(0)).toBe(2 ** 32 + 0x1000 + 300);
    expect(unalignedOffset(mem.entries[1] as number)).toBe(300);
  });

  it('gives back cancelled entries to be peeked again', () => {
    const mem = memory(4, 2);
    const completion = new CompletionRing(mem);
    mem.entries.set([4096, 0, 8192, 0], 0);
    mem.producer[0] = 2;
    expect(completion.peek(2)).toBe(2);
    completion.cancel(1);
    expect(completion.peek(2)).toBe(1);
    expect(completion.address(completion.claimIndex)).toBe(8192);
  });
});

it('refuses a ring size that is not a power of two', () => {
  expect(() => new FillRing(memory(6, 2))).toThrow(/power of two/);
});
