import { describe, expect, it } from 'vitest';
import { DataplaneCrash } from './dataplane-worker.ts';

describe('what a crashed data-plane worker is said to have done', () => {
  const cause = new Error('the thread ended with exit code 1');

  it('restarted: its frames are free again', () => {
    expect(new DataplaneCrash(cause, true).message).toMatch(
      /crashed \(the thread ended with exit code 1\) and was restarted/,
    );
  });

  it('left down after its restarts, counting the crashes and the restarts apart', () => {
    expect(new DataplaneCrash(cause, false).message).toMatch(
      /crashed .* 4 times in \d+ s, restarted 3 times, and was left down/,
    );
  });

  it('left down because the worker started in its place failed too, naming both failures', () => {
    const message = new DataplaneCrash(cause, false, new Error('bundle missing')).message;
    expect(message).toMatch(
      /crashed \(the thread ended with exit code 1\) and the worker started in its place failed too \(bundle missing\)/,
    );
    expect(message).not.toMatch(/times in/);
  });
});
