import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFileFor, runningUrls, urlLines, writeRunFile } from './run-file.mjs';

const LOOPBACK_PAIR = { control: 'http://127.0.0.1:7420/?token=c', view: 'http://127.0.0.1:7420/?token=v' };
const NAMED_PAIR = { control: 'http://box.local:7420/?token=c', view: 'http://box.local:7420/?token=v' };

/** A token file in a directory of its own, so its run file is this test's alone. */
const tokenFile = () => join(mkdtempSync(join(tmpdir(), 'ringside-run-file-')), 'tokens.json');

describe("the running agent's record", () => {
  it('prints the URL pairs it was given, in the lines the start printed', () => {
    const tokens = tokenFile();
    const urls = [LOOPBACK_PAIR, NAMED_PAIR] as const;
    writeRunFile(runFileFor(tokens), { pid: process.pid, port: 7420, urls: [...urls] });
    expect(runningUrls(tokens)).toEqual({ ok: true, text: urlLines(urls) });
    expect(urlLines(urls)).toBe(
      [
        `Ringside is running: ${LOOPBACK_PAIR.control}`,
        `View-only (for an audience): ${LOOPBACK_PAIR.view}`,
        `Also reachable: ${NAMED_PAIR.control}`,
        `View-only there: ${NAMED_PAIR.view}`,
        '',
      ].join('\n'),
    );
  });

  it('is no record when a URL pair is not whole, rather than lines that print "undefined"', () => {
    for (const urls of [
      [],
      [{ control: LOOPBACK_PAIR.control }],
      [LOOPBACK_PAIR, { view: 7 }],
      [LOOPBACK_PAIR, null],
    ]) {
      const tokens = tokenFile();
      writeFileSync(runFileFor(tokens), JSON.stringify({ pid: process.pid, port: 7420, urls }));
      const answer = runningUrls(tokens);
      expect(answer, JSON.stringify(urls)).toMatchObject({
        ok: false,
        problem: expect.stringContaining('no Ringside'),
      });
    }
  });
});
