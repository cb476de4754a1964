import { describe, expect, it } from 'vitest';
import { pairedRatios } from './dataplane.ts';

describe('pairedRatios', () => {
  it('divides each round’s JS run by its C run, whichever ran first', () => {
    const runs = [
      { implementation: 'js', mpps: 0.5 },
      { implementation: 'native', mpps: 1 },
      { implementation: 'native', mpps: 0.4 },
      { implementation: 'js', mpps: 0.4 },
    ] as const;
    expect(pairedRatios(runs)).toEqual([0.5, 1]);
  });

  it('divides by the reference receiver’s run when asked, ignoring other implementations', () => {
    const runs = [
      { implementation: 'reference', mpps: 0.5 },
      { implementation: 'js', mpps: 0.4 },
      { implementation: 'js', mpps: 0.3 },
      { implementation: 'native', mpps: 0.3 },
    ] as const;
    expect(pairedRatios(runs, 'reference')).toEqual([0.8]);
  });

  it('skips a round without both runs', () => {
    expect(pairedRatios([{ implementation: 'js', mpps: 1 }])).toEqual([]);
  });
});
