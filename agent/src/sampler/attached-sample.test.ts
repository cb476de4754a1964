import { decodeSnapshot, encodeSnapshot, FRAME_OWNERS, type RingEntries } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { type AttachedReading, attachedLedger, attachedSample, producersOf } from './attached-sample.ts';

const stats = {
  rxDropped: 0,
  rxInvalidDescs: 0,
  txInvalidDescs: 0,
  rxRingFull: 3,
  rxFillRingEmptyDescs: 9,
  txRingEmptyDescs: 0,
};
const words = (size: number, producer: number, consumer: number) => ({ size, producer, consumer, needWakeup: false });
const addresses = (...list: number[]): RingEntries => ({ addresses: list, lengths: [], options: [] });

function reading(entries: AttachedReading['entries'] = null): AttachedReading {
  return {
    rings: { fill: words(8, 20, 16), rx: words(8, 0x0000_0002, 0xffff_ffff), tx: null, completion: words(8, 0, 0) },
    stats,
    entries,
  };
}

describe("an attached socket's sample", () => {
  it("counts the frames in each ring and no frame's owner when the UMEM's frames are unknown", () => {
    const { owners, counts } = attachedLedger(reading(), null);
    expect(owners.length).toBe(0);
    expect(counts).toMatchObject({ fill: 4, rx: 3, tx: 0, completion: 0, 'application-held': 0 });
  });

  it('gives each frame in a ring that ring, and every other frame to the application, when the frames are known', () => {
    const entries = {
      fill: addresses(0, 2048 + 256, 3 * 2048),
      rx: addresses(5 * 2048 + 256),
      tx: null,
      completion: addresses(),
    };
    const { owners, counts } = attachedLedger(reading(entries), { count: 8, chunkSize: 2048 });
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

  it('moves its packet rates with the producers, across the 2^32 wrap, and leaves what only the application knows unknown', () => {
    const before = producersOf({ ...reading(), rings: { ...reading().rings, rx: words(8, 0xffff_fff0, 0) } });
    const sample = attachedSample('pid7.fd3', reading(), attachedLedger(reading(), null).counts, before, 0.5);
    expect(sample.rates).toEqual({ rxPps: 36, rxBps: null, txPps: 0, txBps: null });
    expect(sample.totals).toBeNull();
    expect(sample.rings.fill).toEqual({ ...words(8, 20, 16), cachedProducer: null, cachedConsumer: null });
    expect(sample.rings.tx).toBeNull();
    expect(sample.pausedStages).toEqual([]);

    const snapshot = {
      type: 'snapshot' as const,
      seq: 1,
      sampledAt: 2,
      sockets: [sample],
      traffic: null,
      programs: [],
    };
    const decoded = decodeSnapshot(encodeSnapshot(snapshot, new Map([['pid7.fd3', new Uint8Array(0)]]), null), null);
    expect(decoded.snapshot).toEqual(snapshot);
  });
});
