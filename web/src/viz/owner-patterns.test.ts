import { FRAME_OWNERS } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { inkOver, MIN_PATTERN_SIDE, OWNER_PATTERNS, patternMask } from './owner-patterns.ts';

describe('owner patterns', () => {
  it('tell every owner apart without colour, in a cell of 8 device pixels', () => {
    const masks = FRAME_OWNERS.map((owner) => String(patternMask(OWNER_PATTERNS[owner], 8)));
    expect(new Set(masks).size).toBe(FRAME_OWNERS.length);
  });

  it('mark some pixels of a cell and leave others, so colour still shows', () => {
    for (const owner of FRAME_OWNERS) {
      const mask = patternMask(OWNER_PATTERNS[owner], 8);
      if (owner === 'free') {
        expect(mask).toBeNull();
        continue;
      }
      const marked = mask?.reduce((sum, bit) => sum + bit, 0) ?? 0;
      expect(marked, owner).toBeGreaterThan(0);
      expect(marked, owner).toBeLessThan(64);
    }
  });

  it('leave cells too small to read a mark plain', () => {
    expect(patternMask('grid', MIN_PATTERN_SIDE - 1)).toBeNull();
    expect(patternMask('grid', MIN_PATTERN_SIDE)).not.toBeNull();
  });

  it('draw the mark darker over a light colour and lighter over a dark one', () => {
    expect(inkOver(230, 180, 80)).toEqual([104, 81, 36]);
    const [r] = inkOver(40, 40, 40);
    expect(r).toBeGreaterThan(40);
  });
});
