import { describe, expect, it } from 'vitest';
import { largestSingleBufferMtu, needsFrags } from './frags.ts';

describe('the frags-aware program variant', () => {
  it('is the one to load above the MTU veth allows a single-buffer program (3506 with 4 KiB pages)', () => {
    expect(largestSingleBufferMtu(4096)).toBe(3506);
    expect(needsFrags(3506, 4096, false)).toBe(false);
    expect(needsFrags(3507, 4096, false)).toBe(true);
    expect(needsFrags(9000, 4096, false)).toBe(true);
  });

  it('is the one to load whenever a socket asks for multi-buffer, whatever the MTU', () => {
    expect(needsFrags(1500, 4096, true)).toBe(true);
    expect(needsFrags(1500, 4096, false)).toBe(false);
  });

  it('follows the page size: 64 KiB pages hold a 9000-byte frame in one buffer', () => {
    expect(needsFrags(9000, 65536, false)).toBe(false);
  });
});
