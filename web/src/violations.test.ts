import { describe, expect, it } from 'vitest';
import {
  frameNamed,
  KEEP_MS,
  ledgerReports,
  mergeViolations,
  nextUnjudgedSince,
  UNJUDGED_NOTICE_MS,
  unjudgedLongEnough,
} from './violations.ts';

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

describe('ledgerReports', () => {
  const sample = (socketId: string, consistent: boolean) => ({ socketId, ledger: { violations: [text], consistent } });

  it('takes violations from consistent readings only: one the data plane moved through may catch frames mid-hand-over', () => {
    expect(ledgerReports([sample('xsk0', true), sample('xsk1', false)])).toEqual({
      reported: [{ socketId: 'xsk0', violations: [text] }],
      unjudged: new Set(['xsk1']),
    });
    expect(ledgerReports([{ socketId: 'xsk0', ledger: { violations: [], consistent: true } }]).reported).toEqual([]);
  });

  it('leaves what an unjudged socket reported as it was: a violation still current is not marked past', () => {
    const seen = mergeViolations([], [{ socketId: 'xsk0', violations: [text] }], 1000);
    const { reported, unjudged } = ledgerReports([sample('xsk0', false)]);
    expect(mergeViolations(seen, reported, 1100, unjudged)[0]).toMatchObject({ lastSeen: 1000, current: true });
    // The next consistent reading judges it again: without the violation, it is past.
    const cleared = ledgerReports([{ socketId: 'xsk0', ledger: { violations: [], consistent: true } }]);
    expect(mergeViolations(seen, cleared.reported, 1200, cleared.unjudged)[0]).toMatchObject({ current: false });
  });
});

describe('frameNamed', () => {
  it('reads the frame number the agent names', () => {
    expect(frameNamed(text)).toBe(17);
    expect(frameNamed('fill holds an address outside the UMEM (frame 4096)')).toBe(4096);
    expect(frameNamed('the ledger could not be read')).toBeNull();
  });
});

describe('nextUnjudgedSince', () => {
  it('keeps when each socket started going unjudged, and drops it once a whole reading judges it again', () => {
    const first = nextUnjudgedSince({}, new Set(['xsk0']), 1000);
    expect(first).toEqual({ xsk0: 1000 });
    const later = nextUnjudgedSince(first, new Set(['xsk0', 'xsk1']), 1500);
    expect(later).toEqual({ xsk0: 1000, xsk1: 1500 });
    expect(nextUnjudgedSince(later, new Set(['xsk1']), 2000)).toEqual({ xsk1: 1500 });
  });

  it('returns the same object while nothing changes, so the page does not re-render on every snapshot', () => {
    const since = nextUnjudgedSince({}, new Set(['xsk0']), 1000);
    expect(nextUnjudgedSince(since, new Set(['xsk0']), 1100)).toBe(since);
    const none = {};
    expect(nextUnjudgedSince(none, new Set(), 1100)).toBe(none);
  });
});

describe('unjudgedLongEnough', () => {
  it(`says so only after ${UNJUDGED_NOTICE_MS} ms unjudged: one inconsistent reading among whole ones is routine`, () => {
    expect(unjudgedLongEnough(undefined, 10_000)).toBe(false);
    expect(unjudgedLongEnough(1000, undefined)).toBe(false);
    expect(unjudgedLongEnough(1000, 1000 + UNJUDGED_NOTICE_MS - 1)).toBe(false);
    expect(unjudgedLongEnough(1000, 1000 + UNJUDGED_NOTICE_MS)).toBe(true);
  });
});
