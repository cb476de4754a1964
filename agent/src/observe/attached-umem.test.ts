import { FRAME_OWNERS } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import type { RingMemory } from '../xsk/ring.ts';
import { type AttachedRings, AttachedUmemSource, attachedOwners, attachedParts } from './attached-umem.ts';
import type { UmemFrames } from './source.ts';
import { UmemObserver } from './umem-observer.ts';

const CHUNK = 2048;

/** A ring of `size` entries holding `addresses` from index `consumer` on, as another process left it. */
function ring(size: number, wordsPerEntry: number, consumer: number, addresses: number[]): RingMemory {
  const memory: RingMemory = {
    size,
    producer: new Uint32Array([(consumer + addresses.length) >>> 0]),
    consumer: new Uint32Array([consumer]),
    flags: new Uint32Array(1),
    entries: new Uint32Array(size * wordsPerEntry),
    // What a read-only mapping gives for the owner's private cached indices.
    cache: new Uint32Array(2),
  };
  addresses.forEach((address, i) => {
    memory.entries[(((consumer + i) >>> 0) & (size - 1)) * wordsPerEntry] = address;
    if (wordsPerEntry === 4) memory.entries[(((consumer + i) >>> 0) & (size - 1)) * 4 + 2] = 60;
  });
  return memory;
}

function observer(rings: AttachedRings, frames: UmemFrames | null) {
  return new UmemObserver(
    new AttachedUmemSource(
      'pid7.fd3',
      () => rings,
      () => frames,
    ),
  );
}

const exact = (memory: RingMemory) => ({ memory, exact: true });

function rxdrop(): AttachedRings {
  return {
    fill: exact(ring(8, 2, 16, [0, CHUNK + 256, 3 * CHUNK])),
    rx: exact(ring(8, 4, 0xffff_ffff, [5 * CHUNK + 256])),
    tx: null,
    completion: exact(ring(8, 2, 0, [])),
  };
}

describe("another process's UMEM, read by the one reader", () => {
  it('gives each frame in a ring that ring, and every other frame to the application, when the frames are known', () => {
    const parts = attachedParts(observer(rxdrop(), { count: 8, chunkSize: CHUNK }).readNow({ entries: false }));
    const { owners, counts } = attachedOwners(parts, 8);
    expect([...owners].map((code) => FRAME_OWNERS[code])).toEqual([
      'fill',
      'fill',
      'application-held',
      'fill',
      'application-held',
      'rx',
      'application-held',
      'application-held',
    ]);
    expect(counts).toMatchObject({ fill: 3, rx: 1, 'application-held': 4, free: 0, app: 0 });
  });

  it("shows the shared words across the 2^32 wrap, and the owner's cached indices as unknown", () => {
    const parts = attachedParts(observer(rxdrop(), null).readNow({ entries: false }));
    expect(parts.states.rx).toEqual({
      size: 8,
      producer: 0,
      consumer: 0xffff_ffff,
      cachedProducer: null,
      cachedConsumer: null,
      needWakeup: false,
    });
    expect(parts.states.tx).toBeNull();
  });

  it("counts the frames in each ring and names no frame's owner when the UMEM's frames are unknown", () => {
    let asked = 0;
    const source = new AttachedUmemSource('pid7.fd3', rxdrop, () => {
      asked++;
      return null;
    });
    const reading = new UmemObserver(source).readNow({ entries: true });
    // The frames are asked once per reading, and none is made up from the entries.
    expect(asked).toBe(1);
    expect(reading.frameCount).toBe(0);
    expect(attachedParts(reading).frames.fill).toEqual(new Int32Array(0));
    const { owners, counts } = attachedOwners(attachedParts(reading), reading.frameCount);
    expect(owners.length).toBe(0);
    expect(counts).toMatchObject({ fill: 3, rx: 1, tx: 0, completion: 0, 'application-held': 0 });
    // The entries are still there to list, addresses as the kernel means them.
    expect(attachedParts(reading).entries?.fill?.addresses).toEqual([0, CHUNK + 256, 3 * CHUNK]);
  });

  it('reads no slot of a ring whose size is not exact, and still its words', () => {
    const rings = { ...rxdrop(), rx: { memory: ring(8, 4, 0, [CHUNK, 2 * CHUNK]), exact: false } };
    const parts = attachedParts(observer(rings, { count: 8, chunkSize: CHUNK }).readNow({ entries: true }));
    expect(parts.states.rx?.producer).toBe(2);
    expect(parts.frames.rx).toEqual(new Int32Array(0));
    expect(parts.entries?.rx?.addresses).toEqual([]);
    expect(attachedOwners(parts, 8).counts.rx).toBe(0);
  });

  it("has no FILL or COMPLETION of a socket that uses another socket's pair", () => {
    const rings = { ...rxdrop(), fill: null, completion: null };
    const parts = attachedParts(observer(rings, null).readNow({ entries: false }));
    expect(parts.states.fill).toBeNull();
    expect(parts.states.completion).toBeNull();
    expect(parts.states.rx?.producer).toBe(0);
  });
});
