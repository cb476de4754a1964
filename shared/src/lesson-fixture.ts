import type { LessonOutcome, LessonSummary } from './protocol.ts';

/**
 * One lesson and one run of it, for the tests of what shows an outcome (the
 * rows, the page's verdict, the terminal's report): the STAT_TX_INVALID
 * lesson as this kernel runs it, where the invalid descriptors come back on
 * COMPLETION (a difference from upstream) and no poll found TX empty (a finding).
 * Test data only: the package's index does not export it.
 */
export const invalidTxLesson: LessonSummary = {
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

export const invalidTxOutcome: LessonOutcome = {
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
        stats: {
          rxDropped: 0,
          rxInvalidDescs: 0,
          txInvalidDescs: 4,
          rxRingFull: 0,
          rxFillRingEmptyDescs: 0,
          txRingEmptyDescs: 0,
        },
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
