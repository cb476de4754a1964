import { describe, expect, it } from 'vitest';
import { countsSince, sourceSince } from './readings.ts';

const stats = {
  rxDropped: 1,
  rxInvalidDescs: 0,
  txInvalidDescs: 2,
  rxRingFull: 0,
  rxFillRingEmptyDescs: 1,
  txRingEmptyDescs: 5,
};

describe('what a lesson counts', () => {
  it('counts since the quiet setup, but takes ring entries as they stand at the end', () => {
    const before = {
      received: 10,
      sent: 3,
      completed: 3,
      completedInvalid: 0,
      stats,
      rings: { fill: 2048, rx: 0, tx: null, completion: 0 },
    };
    const after = {
      received: 74,
      sent: 3,
      completed: 3,
      completedInvalid: 1,
      stats: { ...stats, rxDropped: 33, txRingEmptyDescs: 9 },
      rings: { fill: 0, rx: 0, tx: null, completion: 0 },
    };
    expect(countsSince(before, after)).toEqual({
      received: 64,
      sent: 0,
      completed: 0,
      completedInvalid: 1,
      stats: {
        rxDropped: 32,
        rxInvalidDescs: 0,
        txInvalidDescs: 0,
        rxRingFull: 0,
        rxFillRingEmptyDescs: 0,
        txRingEmptyDescs: 4,
      },
      rings: { fill: 0, rx: 0, tx: null, completion: 0 },
    });
  });

  it('counts a socket made during the lesson from nothing', () => {
    const made = {
      received: 5,
      sent: 0,
      completed: 0,
      completedInvalid: 0,
      stats,
      rings: { fill: 1, rx: 0, tx: null, completion: 0 },
    };
    expect(countsSince(null, made)).toEqual(made);
    expect(sourceSince({ sent: 100, completed: 90, received: 0 }, { sent: 164, completed: 164, received: 2 })).toEqual({
      sent: 64,
      completed: 74,
      received: 2,
    });
  });
});
