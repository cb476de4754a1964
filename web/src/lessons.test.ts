import { invalidTxLesson as lesson, invalidTxOutcome as outcome } from '@ringside/shared/lesson-fixture';
import { describe, expect, it } from 'vitest';
import { labelOf, lessonVerdict } from './lessons.ts';

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
