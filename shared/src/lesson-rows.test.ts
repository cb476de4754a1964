import { describe, expect, it } from 'vitest';
import { invalidTxLesson, invalidTxOutcome } from './lesson-fixture.ts';
import { lessonRowLabel, lessonRows } from './lesson-rows.ts';

describe("a lesson's rows", () => {
  it('lists this kernel and upstream side by side, marking findings and upstream differences apart', () => {
    expect(lessonRows(invalidTxLesson, invalidTxOutcome)).toEqual([
      {
        path: 'sockets.tx.completedInvalid',
        expected: '4',
        observed: 4,
        upstream: '0',
        mismatch: false,
        differsFromUpstream: true,
      },
      {
        path: 'sockets.tx.stats.txInvalidDescs',
        expected: '4',
        observed: 4,
        upstream: '4',
        mismatch: false,
        differsFromUpstream: false,
      },
      {
        path: 'sockets.tx.stats.txRingEmptyDescs',
        expected: '≥ 1',
        observed: 0,
        upstream: null,
        mismatch: true,
        differsFromUpstream: false,
      },
      {
        path: 'source.received',
        expected: null,
        observed: 32,
        upstream: '32',
        mismatch: false,
        differsFromUpstream: false,
      },
    ]);
  });

  it("shows no reading from another lesson's run", () => {
    const rows = lessonRows(invalidTxLesson, { ...invalidTxOutcome, name: 'SEND_RECEIVE' });
    expect(rows.every((row) => row.observed === null && !row.mismatch && !row.differsFromUpstream)).toBe(true);
  });

  it('shows no reading from a run that failed before reading', () => {
    const rows = lessonRows(invalidTxLesson, { ...invalidTxOutcome, observed: null });
    expect(rows.map((row) => row.observed)).toEqual([null, null, null, null]);
  });

  it('names counters, totals, rings and program counters in the spec words, each socket by the name it runs under', () => {
    expect(lessonRowLabel('sockets.tx.stats.txInvalidDescs')).toBe('lesson-tx: tx_invalid_descs');
    expect(lessonRowLabel('sockets.tx.stats.txRingEmptyDescs')).toBe('lesson-tx: tx_ring_empty_descs');
    expect(lessonRowLabel('sockets.tx.completedInvalid')).toBe('lesson-tx: completedInvalid');
    expect(lessonRowLabel('source.received')).toBe('source: received');
    // Not "rx: FILL entries", which reads as the RX ring's.
    expect(lessonRowLabel('sockets.rx.rings.fill')).toBe('lesson-rx: FILL entries');
    expect(lessonRowLabel('program.noSocket')).toBe('program: noSocket');
  });
});
