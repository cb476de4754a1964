import { describe, expect, it } from 'vitest';
import { frameNamed, KEEP_MS, mergeViolations, reportedViolations } from './violations.ts';

const text = 'frame 17 is in fill but the application last gave it to TX';

describe('mergeViolations', () => {
  it('keeps a violation after the ledger stops reporting it, marked as past', () => {
    const first = mergeViolations([], [{ socketId: 'xsk0', violations: [text] }], 1000);
    expect(first).toEqual([{ socketId: 'xsk0', text, firstSeen: 1000, lastSeen: 1000, current: true }]);
    const again = mergeViolations(first, [{ socketId: 'xsk0', violations: [text] }], 1100);
    expect(again[0]).toMatchObject({ firstSeen: 1000, lastSeen: 1100, current: true });
    const gone = mergeViolations(again, [], 1200);
    expect(gone[0]).toMatchObject({ lastSeen: 1100, current: false });
  });

  it('forgets a violation KEEP_MS after it was last seen', () => {
    const seen = mergeViolations([], [{ socketId: 'xsk0', violations: [text] }], 0);
    expect(mergeViolations(seen, [], KEEP_MS)).toHaveLength(1);
    expect(mergeViolations(seen, [], KEEP_MS + 1)).toEqual([]);
  });

  it('keeps the same words of two sockets apart, newest first', () => {
    const a = mergeViolations([], [{ socketId: 'a', violations: [text] }], 0);
    const both = mergeViolations(a, [{ socketId: 'b', violations: [text] }], 10);
    expect(both.map((seen) => [seen.socketId, seen.current])).toEqual([
      ['b', true],
      ['a', false],
    ]);
  });
});

describe('reportedViolations', () => {
  it('takes violations from consistent readings only: one the data plane moved through caught frames mid-hand-over', () => {
    const sample = (socketId: string, consistent: boolean) => ({
      socketId,
      ledger: { violations: [text], consistent },
    });
    expect(reportedViolations([sample('xsk0', true), sample('xsk1', false)])).toEqual([
      { socketId: 'xsk0', violations: [text] },
    ]);
    expect(reportedViolations([{ socketId: 'xsk0', ledger: { violations: [], consistent: true } }])).toEqual([]);
  });
});

describe('frameNamed', () => {
  it('reads the frame number the agent names', () => {
    expect(frameNamed(text)).toBe(17);
    expect(frameNamed('fill holds an address outside the UMEM (frame 4096)')).toBe(4096);
    expect(frameNamed('the ledger could not be read')).toBeNull();
  });
});
