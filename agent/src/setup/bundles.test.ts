import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLES, freshBundle } from './bundles.mjs';

describe('freshBundle', () => {
  let checkout = '';
  afterEach(() => rmSync(checkout, { recursive: true, force: true }));

  /** A checkout with one file at each path, each modified `secondsAgo` ago. */
  function files(entries: Record<string, number>): void {
    checkout ||= mkdtempSync(join(tmpdir(), 'ringside-bundles-'));
    const now = Date.now() / 1000;
    for (const [path, secondsAgo] of Object.entries(entries)) {
      const file = join(checkout, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
      utimesSync(file, now - secondsAgo, now - secondsAgo);
    }
  }

  it('gives the bundle while it is at least as new as every source it is built from', () => {
    files({ 'agent/src/cli.ts': 60, 'shared/src/protocol.ts': 30, 'pnpm-lock.yaml': 90, [BUNDLES.cli.file]: 10 });
    expect(freshBundle('cli', checkout)).toEqual(pathToFileURL(join(checkout, BUNDLES.cli.file)));
  });

  it('gives none when any source, the shared package or the lockfile is newer, or when there is no bundle', () => {
    for (const newer of ['agent/src/dataplane/worker.ts', 'shared/src/protocol.ts', 'pnpm-lock.yaml']) {
      files({ 'agent/src/cli.ts': 60, [BUNDLES.dataplaneWorker.file]: 10, [newer]: 5 });
      expect(freshBundle('dataplaneWorker', checkout), newer).toBeNull();
      rmSync(checkout, { recursive: true });
      checkout = '';
    }
    files({ 'agent/src/cli.ts': 60 });
    expect(freshBundle('cli', checkout)).toBeNull();
  });

  it('does not count files outside the sources, such as the web app or the tests', () => {
    files({ 'agent/src/cli.ts': 60, 'web/src/App.tsx': 1, 'agent/test/x.test.ts': 1, [BUNDLES.cli.file]: 10 });
    expect(freshBundle('cli', checkout)).not.toBeNull();
  });
});
