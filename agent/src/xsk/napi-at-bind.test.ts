import { describe, expect, it } from 'vitest';
import { napiKnownAtBind } from './napi-at-bind.ts';

describe('napiKnownAtBind', () => {
  it('is true from 6.15 for copy mode and from 6.13 for zero-copy', () => {
    expect(napiKnownAtBind('6.18.0-1-amd64', false)).toBe(true);
    expect(napiKnownAtBind('6.15.0', false)).toBe(true);
    expect(napiKnownAtBind('6.14.2', false)).toBe(false);
    expect(napiKnownAtBind('6.13.0', true)).toBe(true);
    expect(napiKnownAtBind('6.12.48+deb13-amd64', true)).toBe(false);
    expect(napiKnownAtBind('7.0.0', false)).toBe(true);
  });

  it('leaves the kernels that learn the NAPI instance on the first receive, and releases it cannot read, unjudged', () => {
    expect(napiKnownAtBind('5.15.0-91-generic', false)).toBe(false);
    expect(napiKnownAtBind('6.1.0-18-amd64', true)).toBe(false);
    expect(napiKnownAtBind('unknown', false)).toBe(false);
  });
});
