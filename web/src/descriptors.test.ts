import type { FrameBytesMessage, RingEntries, SocketDetailMessage } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import {
  descriptorNaming,
  frameInSlot,
  groupAtSlot,
  locateFrame,
  nextFrameHeldBy,
  packetFragments,
  packetGroups,
  packetGroupsShown,
  packetPlace,
  shownBytes,
  slotAfterKey,
  slotEntry,
} from './descriptors.ts';

const CHUNK = 4096;
const listed = (addresses: number[], lengths: number[] = []): RingEntries => ({
  addresses,
  lengths,
  options: lengths.map(() => 0),
});
const entries = (parts: Partial<SocketDetailMessage['entries']>): SocketDetailMessage['entries'] => ({
  fill: listed([]),
  rx: null,
  tx: null,
  completion: listed([]),
  ...parts,
});

describe('the entry in a ring slot', () => {
  it('counts from the consumer: entry i sits at slot (consumer + i) mod size', () => {
    const ring = { size: 8, consumer: 6, producer: 9 };
    expect([6, 7, 0, 1].map((slot) => slotEntry(ring, slot))).toEqual([
      { index: 0, used: 3, occupied: true },
      { index: 1, used: 3, occupied: true },
      { index: 2, used: 3, occupied: true },
      { index: 3, used: 3, occupied: false },
    ]);
  });

  it('stays in step across the 32-bit wrap of the counters', () => {
    const ring = { size: 2048, consumer: 0xffff_fffe, producer: 1 };
    expect(slotEntry(ring, 2046)).toEqual({ index: 0, used: 3, occupied: true });
    expect(slotEntry(ring, 0)).toEqual({ index: 2, used: 3, occupied: true });
    expect(slotEntry(ring, 1).occupied).toBe(false);
  });

  it('shows a ring read fuller than it can be as full, not as more than one turn', () => {
    expect(slotEntry({ size: 8, consumer: 0, producer: 12 }, 7)).toEqual({ index: 7, used: 8, occupied: true });
  });
});

describe('the descriptor that names a frame', () => {
  const detail = entries({
    fill: listed([5 * CHUNK]),
    rx: listed([3 * CHUNK + 256, 7 * CHUNK + 256], [60, 128]),
    tx: listed([7 * CHUNK], [64]),
  });

  it('is found by the chunk its address falls in, in the rings’ order', () => {
    expect(descriptorNaming(detail, 7, CHUNK)).toEqual({ ring: 'rx', index: 1, address: 7 * CHUNK + 256, length: 128 });
    expect(descriptorNaming(detail, 5, CHUNK)).toEqual({
      ring: 'fill',
      index: 0,
      address: 5 * CHUNK,
      length: undefined,
    });
  });

  it('is looked for only on the rings asked, and is null when none names the frame', () => {
    expect(descriptorNaming(detail, 7, CHUNK, ['tx'])?.ring).toBe('tx');
    expect(descriptorNaming(detail, 5, CHUNK, ['rx', 'tx'])).toBeNull();
    expect(descriptorNaming(detail, 9, CHUNK)).toBeNull();
  });
});

describe('where a frame starts in its chunk', () => {
  const message = (parts: Partial<FrameBytesMessage>): FrameBytesMessage => ({
    type: 'frameBytes',
    requestId: 'r1',
    socketId: 'xsk0',
    frame: 3,
    address: 3 * CHUNK,
    owner: 'app',
    length: null,
    offset: null,
    bytes: '',
    ...parts,
  });
  const chunk = new Uint8Array(CHUNK);

  it('is the descriptor the agent read with the bytes, when there was one', () => {
    const located = locateFrame(message({ owner: 'tx', offset: 0, length: 64 }), chunk, 0, null);
    expect(located).toEqual({ offset: 0, length: 64, how: 'from its descriptor on TX, read with the bytes' });
  });

  it('is a descriptor on RX or TX from the detail stream, else', () => {
    const detail = entries({ fill: listed([3 * CHUNK]), rx: listed([3 * CHUNK + 256], [60]) });
    const located = locateFrame(message({}), chunk, 0, detail);
    expect(located).toEqual({ offset: 256, length: 60, how: 'from its descriptor on RX' });
  });

  it('is a guess with no descriptor, and says so', () => {
    const located = locateFrame(message({}), chunk, 0, entries({ fill: listed([3 * CHUNK]) }));
    expect(located.offset).toBeNull();
    expect(located.how).toBe('no Ethernet frame found where one would be');
  });
});

describe('the next frame an owner holds', () => {
  const owners = Uint8Array.from([0, 2, 1, 2, 0, 2]);

  it('is the first after the one shown, wrapping round to the start', () => {
    expect(nextFrameHeldBy(owners, 2, 1)).toBe(3);
    expect(nextFrameHeldBy(owners, 2, 5)).toBe(1);
    expect(nextFrameHeldBy(owners, 2, null)).toBe(1);
  });

  it('is null when the owner holds no frame', () => {
    expect(nextFrameHeldBy(owners, 4, 0)).toBeNull();
  });
});

describe('the bytes the hex dump shows', () => {
  it('start at the frame and run to its end, or 256 bytes on, whichever is further', () => {
    expect(shownBytes({ offset: 256, length: 60, how: '' }, CHUNK, false)).toEqual({
      start: 256,
      end: 512,
      frameEnd: 316,
    });
    expect(shownBytes({ offset: 256, length: 1500, how: '' }, CHUNK, false)).toEqual({
      start: 256,
      end: 1756,
      frameEnd: 1756,
    });
    expect(shownBytes({ offset: 0, length: null, how: '' }, CHUNK, false)).toEqual({
      start: 0,
      end: 256,
      frameEnd: 256,
    });
  });

  it('are the whole chunk when asked, or from its start when the frame was not found', () => {
    expect(shownBytes({ offset: 256, length: 60, how: '' }, CHUNK, true)).toEqual({
      start: 0,
      end: CHUNK,
      frameEnd: 316,
    });
    expect(shownBytes({ offset: null, length: null, how: '' }, CHUNK, false)).toEqual({
      start: 0,
      end: 256,
      frameEnd: 0,
    });
  });
});

describe('the frame a ring slot points to', () => {
  const ring = { size: 4, consumer: 3, producer: 5, cachedProducer: 5, cachedConsumer: 3, needWakeup: false };
  const detail = {
    rings: { fill: ring, rx: ring, tx: null, completion: ring },
    entries: entries({ rx: listed([7 * CHUNK + 256, 2 * CHUNK + 256], [60, 60]) }),
  };

  it('is the chunk of the descriptor in the slot, counted from the consumer', () => {
    expect(frameInSlot(detail, 'rx', 3, CHUNK)).toBe(7);
    expect(frameInSlot(detail, 'rx', 0, CHUNK)).toBe(2);
  });

  it('is null for an empty slot or a ring the socket lacks', () => {
    expect(frameInSlot(detail, 'rx', 1, CHUNK)).toBeNull();
    expect(frameInSlot(detail, 'tx', 3, CHUNK)).toBeNull();
  });
});

describe('the keyboard’s cursor on a ring', () => {
  const ring = { size: 8, consumer: 14, producer: 19 };

  it('steps one slot round the dial, past the ring’s end both ways', () => {
    expect(slotAfterKey(ring, 7, 'ArrowRight')).toBe(0);
    expect(slotAfterKey(ring, 7, 'ArrowDown')).toBe(0);
    expect(slotAfterKey(ring, 0, 'ArrowLeft')).toBe(7);
    expect(slotAfterKey(ring, 0, 'ArrowUp')).toBe(7);
  });

  it('goes to the oldest entry on Home and the newest on End, and starts at the oldest', () => {
    expect(slotAfterKey(ring, 3, 'Home')).toBe(6);
    expect(slotAfterKey(ring, 3, 'End')).toBe(2);
    expect(slotAfterKey(ring, null, 'ArrowRight')).toBe(6);
    expect(slotAfterKey({ size: 8, consumer: 5, producer: 5 }, 0, 'End')).toBe(5);
  });

  it('ignores other keys', () => {
    expect(slotAfterKey(ring, 3, 'Enter')).toBeNull();
  });
});

describe('a multi-buffer packet among a ring’s descriptors', () => {
  const C = 1; // XDP_PKT_CONTD

  it('places each descriptor of a chain in its packet, and none of a packet of one', () => {
    const options = [0, C, C, 0, 0];
    expect(packetPlace(options, 0)).toBeNull();
    expect([1, 2, 3].map((index) => packetPlace(options, index))).toEqual([
      { position: 1, count: 3, complete: true },
      { position: 2, count: 3, complete: true },
      { position: 3, count: 3, complete: true },
    ]);
    expect(packetPlace(options, 4)).toBeNull();
  });

  it('says a packet is incomplete while its last descriptor has not reached the ring', () => {
    expect(packetPlace([0, C, C], 2)).toEqual({ position: 2, count: 2, complete: false });
  });

  it('groups each packet of several descriptors by the slots it sits in, and draws nothing for a packet of one', () => {
    const ring = { size: 16, consumer: 4, producer: 9 };
    expect(packetGroups(ring, [0, C, C, 0, 0])).toEqual([{ entry: 1, slot: 5, count: 3, complete: true }]);
  });

  it('runs a group past the ring’s end into slot 0', () => {
    const ring = { size: 8, consumer: 14, producer: 20 };
    const groups = packetGroups(ring, [0, C, C, 0, C, 0]);
    expect(groups).toEqual([
      { entry: 1, slot: 7, count: 3, complete: true },
      { entry: 4, slot: 2, count: 2, complete: true },
    ]);
    expect([7, 0, 1, 2].map((slot) => groupAtSlot(groups, slot, 8)?.slot ?? null)).toEqual([7, 7, 7, 2]);
    expect(groupAtSlot(groups, 6, 8)).toBeNull();
  });

  it('leaves a packet whose last descriptor has not arrived open', () => {
    const ring = { size: 8, consumer: 0, producer: 4 };
    expect(packetGroups(ring, [0, 0, C, C])).toEqual([{ entry: 2, slot: 2, count: 2, complete: false }]);
    // One descriptor so far is a packet still arriving, not a packet of one.
    expect(packetGroups(ring, [0, 0, 0, C])).toEqual([{ entry: 3, slot: 3, count: 1, complete: false }]);
  });

  it('starts a chain begun before the consumer at the consumer, counting only the descriptors still listed', () => {
    const ring = { size: 8, consumer: 5, producer: 9 };
    expect(packetGroups(ring, [C, 0, C, 0])).toEqual([
      { entry: 0, slot: 5, count: 2, complete: true },
      { entry: 2, slot: 7, count: 2, complete: true },
    ]);
    // The place the hover card names agrees with the group drawn.
    expect(packetPlace([C, 0, C, 0], 1)).toEqual({ position: 2, count: 2, complete: true });
  });

  it('finds no group on an empty ring, whatever options a stale list still carries', () => {
    expect(packetGroups({ size: 8, consumer: 3, producer: 3 }, [C, C, 0])).toEqual([]);
    expect(groupAtSlot([], 3, 8)).toBeNull();
  });

  it('keeps of each group the descriptors still between a later consumer and producer', () => {
    const read = { size: 8, consumer: 10, producer: 16 };
    const groups = packetGroups(read, [C, C, 0, C, C, 0]);
    // The consumer has taken two descriptors and the producer stands where it did: the first packet keeps one.
    expect(packetGroupsShown(groups, read, { consumer: 12, producer: 16 })).toEqual([
      { entry: 1, slot: 5, count: 3, complete: true },
    ]);
    // Sweeping, the ring shows fewer descriptors than were read: the second packet is cut open by the producer.
    expect(packetGroupsShown(groups, read, { consumer: 10.4, producer: 14.6 })).toEqual([
      { entry: 0, slot: 2, count: 3, complete: true },
      { entry: 3, slot: 5, count: 1, complete: false },
    ]);
    expect(packetGroupsShown(groups, read, { consumer: 16, producer: 16 })).toEqual([]);
    // The consumer halfway past a slot still shows it: the producer's last slot is not dropped for that half.
    expect(packetGroupsShown(groups, read, { consumer: 12.5, producer: 16 })).toEqual([
      { entry: 1, slot: 5, count: 3, complete: true },
    ]);
  });

  it('keeps groups in step across the 32-bit wrap of the counters', () => {
    const read = { size: 8, consumer: 0xffff_fffe, producer: 2 };
    const groups = packetGroups(read, [C, C, 0, 0]);
    expect(groups).toEqual([{ entry: 0, slot: 6, count: 3, complete: true }]);
    // A pose sweeps as a real number past 2^32 rather than wrapping.
    expect(packetGroupsShown(groups, read, { consumer: 0xffff_ffff, producer: 0x1_0000_0002 })).toEqual([
      { entry: 0, slot: 7, count: 2, complete: true },
    ]);
  });

  it('follows a packet across its frames from any one of them, in the order its descriptors came', () => {
    const rx: RingEntries = {
      addresses: [5 * CHUNK + 256, 1 * CHUNK + 256, 3 * CHUNK + 256, 2 * CHUNK + 256],
      lengths: [60, 3840, 3840, 1320],
      options: [0, C, C, 0],
    };
    const fragments = { position: 2, count: 3, complete: true, ring: 'rx', frames: [1, 3, 2] };
    expect(packetFragments(entries({ rx }), 3, CHUNK)).toEqual(fragments);
    expect(packetFragments(entries({ rx }), 2, CHUNK)).toEqual({ ...fragments, position: 3 });
    expect(packetFragments(entries({ rx }), 5, CHUNK)).toBeNull();
    expect(packetFragments(entries({ rx }), 4, CHUNK)).toBeNull();
  });
});
