import type { LessonOutcome, LessonSummary } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { labelOf, lessonVerdict } from './lessons.ts';

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
  it("gives no verdict from another lesson's run", () => {
    expect(lessonVerdict(lesson, { ...outcome, name: 'SEND_RECEIVE' }, null)).toBe('not run yet');
  });

  it('says the verdict in one line', () => {
    expect(lessonVerdict(lesson, outcome, null)).toBe('1 finding(s) on this kernel; 1 differ from upstream');
    expect(lessonVerdict(lesson, outcome, 'STAT_TX_INVALID')).toBe('running…');
    expect(lessonVerdict(lesson, { ...outcome, error: 'refused' }, null)).toBe('failed: refused');
  });

  it('names counters, totals, rings and program counters in the spec words', () => {
    expect(labelOf('sockets.tx.stats.txInvalidDescs')).toBe('tx: tx_invalid_descs');
    expect(labelOf('sockets.tx.stats.txRingEmptyDescs')).toBe('tx: tx_ring_empty_descs');
    expect(labelOf('sockets.tx.completedInvalid')).toBe('tx: completedInvalid');
    expect(labelOf('source.received')).toBe('source: received');
    expect(labelOf('sockets.rx.rings.fill')).toBe('rx: FILL entries');
    expect(labelOf('program.noSocket')).toBe('program: noSocket');
  });
});
