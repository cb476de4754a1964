import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBuildInfo, writeBuildInfo } from './build-info.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ringside-build-info-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the build info the set-up writes for the agent', () => {
  it('reads back what the set-up wrote', () => {
    const path = join(dir, 'build', 'build-info.json');
    writeBuildInfo({ version: '0.1.0', commit: 'abc123def456' }, path);
    expect(readBuildInfo(path)).toEqual({ version: '0.1.0', commit: 'abc123def456' });
  });

  it.each([
    ['no file', null],
    ['broken JSON', '{"version": "0.1'],
    ['null', 'null'],
    ['other types', '{"version": 1, "commit": ""}'],
  ])('says unknown, rather than failing, for %s', (name, text) => {
    const path = join(dir, `${name}.json`);
    if (text !== null) writeFileSync(path, text);
    expect(readBuildInfo(path)).toEqual({ version: 'unknown', commit: 'unknown' });
  });
});
