import { invalidTxOutcome } from '@ringside/shared/lesson-fixture';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from './catalogue.ts';
import { lessonReport } from './report.ts';

const invalidTx = loadCatalogue().scenarios.find((scenario) => scenario.name === 'STAT_TX_INVALID');

describe('a lesson report on the terminal', () => {
  it('puts expected, observed and upstream side by side, each number named as the page names it, and says each finding and difference from upstream, with why', () => {
    if (!invalidTx) throw new Error('STAT_TX_INVALID is missing');
    const report = lessonReport(invalidTx, invalidTxOutcome);
    expect(report).toMatch(/^ {2}lesson-tx: completedInvalid +4 +4 +0$/m);
    expect(report).toMatch(/^ {2}lesson-tx: tx_ring_empty_descs +≥ 1 +0 *$/m);
    expect(report).toContain('finding: lesson-tx: tx_ring_empty_descs should be ≥ 1 on this kernel, and is 0');
    expect(report).toContain(
      'differs from upstream: lesson-tx: completedInvalid is 4 here, where testapp_stats_tx_invalid_descs expects 0',
    );
    expect(report).toContain('why: On this kernel an invalid TX descriptor');
    expect(report).toContain('Result: 1 number(s) not as expected on this kernel');
  });

  it('says a run without findings behaved as this kernel is expected to', () => {
    if (!invalidTx) throw new Error('STAT_TX_INVALID is missing');
    expect(lessonReport(invalidTx, { ...invalidTxOutcome, findings: [] })).toContain(
      'Result: as this kernel is expected to behave',
    );
  });
});
