import type { LessonOutcome, LessonSummary } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { labelOf, lessonRows, lessonVerdict } from './lessons.ts';

const lesson: LessonSummary = {
  name: 'STAT_TX_INVALID',
  title: 'tx_invalid_descs',
  explanation: { text: 'x', section: 'XDP_STATISTICS getsockopt' },
  expect: { sockets: { tx: { completedInvalid: 4, stats: { txInvalidDescs: 4, txRingEmptyDescs: { atLeast: 1 } } } } },
  upstream: {
    test: 'testapp_stats_tx_invalid_descs',
    expect: { sockets: { tx: { completedInvalid: 0, stats: { txInvalidDescs: 4 } } }, source: { received: 32 } },
    differs: 'they come back here',
  },
};

const stats = {
  rxDropped: 0,
  rxInvalidDescs: 0,
  txInvalidDescs: 4,
  rxRingFull: 0,
  rxFillRingEmptyDescs: 0,
  txRingEmptyDescs: 0,
};
const outcome: LessonOutcome = {
  name: 'STAT_TX_INVALID',
  startedAt: 0,
  finishedAt: 1,
  observed: {
    sockets: {
      tx: {
        received: 0,
        sent: 32,
        completed: 32,
        completedInvalid: 4,
        stats,
        rings: { fill: 0, rx: null, tx: 0, completion: 0 },
      },
    },
    source: { sent: 0, completed: 0, received: 32 },
    program: null,
  },
  findings: [{ path: 'sockets.tx.stats.txRingEmptyDescs', expected: { atLeast: 1 }, observed: 0 }],
  upstreamFindings: [{ path: 'sockets.tx.completedInvalid', expected: 0, observed: 4 }],
  error: null,
};

describe('a lesson on the page', () => {
  it('lists this kernel and upstream side by side, marking findings and upstream differences apart', () => {
    expect(lessonRows(lesson, outcome)).toEqual([
      {
        path: 'sockets.tx.completedInvalid',
        label: 'tx: completedInvalid',
        expected: '4',
        observed: 4,
        upstream: '0',
        mismatch: false,
        differsFromUpstream: true,
      },
      {
        path: 'sockets.tx.stats.txInvalidDescs',
        label: 'tx: tx_invalid_descs',
        expected: '4',
        observed: 4,
        upstream: '4',
        mismatch: false,
        differsFromUpstream: false,
      },
      {
        path: 'sockets.tx.stats.txRingEmptyDescs',
        label: 'tx: tx_ring_empty_descs',
        expected: '≥ 1',
        observed: 0,
        upstream: null,
        mismatch: true,
        differsFromUpstream: false,
      },
      {
        path: 'source.received',
        label: 'source: received',
        expected: null,
        observed: 32,
        upstream: '32',
        mismatch: false,
        differsFromUpstream: false,
      },
    ]);
  });

  it("shows no reading from another lesson's run", () => {
    const rows = lessonRows(lesson, { ...outcome, name: 'SEND_RECEIVE' });
    expect(rows.every((row) => row.observed === null && !row.mismatch)).toBe(true);
    expect(lessonVerdict(lesson, { ...outcome, name: 'SEND_RECEIVE' }, null)).toBe('not run yet');
  });

  it('says the verdict in one line', () => {
    expect(lessonVerdict(lesson, outcome, null)).toBe('1 finding(s) on this kernel; 1 differ from upstream');
    expect(lessonVerdict(lesson, outcome, 'STAT_TX_INVALID')).toBe('running…');
    expect(lessonVerdict(lesson, { ...outcome, error: 'refused' }, null)).toBe('failed: refused');
  });

  it('names rings and program counters in the spec words', () => {
    expect(labelOf('sockets.rx.rings.fill')).toBe('rx: FILL entries');
    expect(labelOf('program.noSocket')).toBe('program: noSocket');
  });
});
