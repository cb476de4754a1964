import { decodeSnapshot, emptyOwnerCounts, encodeSnapshot, type RingState } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import type { AttachedParts } from '../observe/attached-umem.ts';
import { type AttachedReading, attachedSample, producersOf } from './attached-sample.ts';

const stats = {
  rxDropped: 0,
  rxInvalidDescs: 0,
  txInvalidDescs: 0,
  rxRingFull: 3,
  rxFillRingEmptyDescs: 9,
  txRingEmptyDescs: 0,
};
const state = (size: number, producer: number, consumer: number): RingState => ({
  size,
  producer,
  consumer,
  cachedProducer: null,
  cachedConsumer: null,
  needWakeup: false,
});

function parts(rxProducer: number): AttachedParts {
  return {
    states: { fill: state(8, 20, 16), rx: state(8, rxProducer, 0xffff_ffff), tx: null, completion: state(8, 0, 0) },
    frames: { fill: null, rx: null, tx: null, completion: null },
    entries: null,
  };
}

describe("an attached socket's sample", () => {
  it('moves its packet rates with the producers, across the 2^32 wrap, and leaves what only the application knows unknown', () => {
    const before = producersOf(parts(0xffff_fff0));
    const reading: AttachedReading = { parts: parts(0x0000_0002), stats, frameCount: 0 };
    const sample = attachedSample('pid7.fd3', reading, emptyOwnerCounts(), before, 0.5);
    expect(sample.rates).toEqual({ rxPps: 36, rxBps: null, txPps: 0, txBps: null });
    expect(sample.totals).toBeNull();
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
