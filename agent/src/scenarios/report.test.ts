import { describe, expect, it } from 'vitest';
import { loadCatalogue } from './catalogue.ts';
import { lessonReport } from './report.ts';

const invalidTx = loadCatalogue().scenarios.find((scenario) => scenario.name === 'STAT_TX_INVALID');

describe('a lesson report on the terminal', () => {
  it('puts expected, observed and upstream side by side and says each difference from upstream, with why', () => {
    if (!invalidTx) throw new Error('STAT_TX_INVALID is missing');
    const stats = {
      rxDropped: 0,
      rxInvalidDescs: 0,
      txInvalidDescs: 4,
      rxRingFull: 0,
      rxFillRingEmptyDescs: 0,
      txRingEmptyDescs: 3,
    };
    const report = lessonReport(invalidTx, {
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
      findings: [],
      upstreamFindings: [{ path: 'sockets.tx.completedInvalid', expected: 0, observed: 4 }],
      error: null,
    });
    expect(report).toMatch(/^ {2}sockets\.tx\.completedInvalid +4 +4 +0$/m);
    expect(report).toMatch(/^ {2}sockets\.tx\.stats\.txRingEmptyDescs +≥ 1 +3 *$/m);
    expect(report).toContain(
      'differs from upstream: sockets.tx.completedInvalid is 4 here, where testapp_stats_tx_invalid_descs expects 0',
    );
    expect(report).toContain('why: On this kernel an invalid TX descriptor');
    expect(report).toContain('Result: as this kernel is expected to behave');
  });
});
