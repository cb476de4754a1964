import { describe, expect, it } from 'vitest';
import { ringSizeText } from './kernel-facts.ts';

describe("a ring's size as the kernel let it be read", () => {
  it('is one number when exact, the candidates marked when the mapping fits several, a dash when absent', () => {
    expect(ringSizeText({ candidates: [2048], exact: true, present: true, source: 'mmap-probe' })).toEqual({
      text: '2048',
      exact: true,
    });
    expect(ringSizeText({ candidates: [32, 64, 128], exact: false, present: true, source: 'mmap-probe' })).toEqual({
      text: '32|64|128?',
      exact: false,
    });
    expect(ringSizeText({ candidates: [], exact: false, present: false, source: 'mmap-probe' }).text).toBe('–');
    expect(ringSizeText({ candidates: [], exact: false, present: true, source: 'unknown' })).toEqual({
      text: '?',
      exact: false,
    });
  });
});
