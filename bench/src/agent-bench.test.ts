import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { residentMb } from './agent-bench.ts';

describe("the soak's memory readings", () => {
  it('split resident memory into anonymous and file-backed pages, in MB', () => {
    const status =
      'Name:\tnode\nVmRSS:\t  315392 kB\nRssAnon:\t  262144 kB\nRssFile:\t   51200 kB\nRssShmem:\t    2048 kB\n';
    expect(residentMb(status)).toEqual({ rss: 308, anon: 256, file: 50 });
  });

  it("read this process's own status, whose parts add up to its RSS", () => {
    const { rss, anon, file } = residentMb(readFileSync('/proc/self/status', 'utf8'));
    expect(anon).toBeGreaterThan(0);
    expect(anon + file).toBeLessThanOrEqual(rss + 0.01);
  });

  it('refuse a status without the fields rather than read zero', () => {
    expect(() => residentMb('Name:\tnode\nVmRSS:\t 1024 kB\n')).toThrow(/RssAnon/);
  });
});
