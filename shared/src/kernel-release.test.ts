import { describe, expect, it } from 'vitest';
import { releaseAtLeast } from './kernel-release.ts';

describe('a kernel release against the one that brought a feature', () => {
  it('compares major, then minor, whatever the distribution appends', () => {
    expect(releaseAtLeast('6.15.0', '6.15')).toBe(true);
    expect(releaseAtLeast('6.18.0-1-amd64', '6.15')).toBe(true);
    expect(releaseAtLeast('6.12.48+deb13-amd64', '6.13')).toBe(false);
    expect(releaseAtLeast('5.19.0', '6.8')).toBe(false);
    expect(releaseAtLeast('7.0.0', '6.15')).toBe(true);
  });

  it('says nothing of a release that does not read as one', () => {
    expect(releaseAtLeast('', '6.15')).toBeNull();
    expect(releaseAtLeast('linux', '6.15')).toBeNull();
  });
});
