import { describe, expect, it } from 'vitest';
import { chromiumAdvice, chromiumPath } from './chromium.mjs';

const installed =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('the Chromium the tests drive', () => {
  it("is Debian's package on Debian (x86_64 and arm64 alike)", () => {
    expect(chromiumPath({}, installed('/usr/bin/chromium'))).toBe('/usr/bin/chromium');
  });

  it('is the snap on Ubuntu, which has no /usr/bin/chromium', () => {
    expect(chromiumPath({}, installed('/snap/bin/chromium', '/usr/bin/chromium-browser'))).toBe('/snap/bin/chromium');
  });

  it('is RINGSIDE_CHROMIUM when set, and an error when that does not exist', () => {
    const env = { RINGSIDE_CHROMIUM: '/opt/chrome/chrome' };
    expect(chromiumPath(env, installed('/opt/chrome/chrome', '/usr/bin/chromium'))).toBe('/opt/chrome/chrome');
    expect(() => chromiumPath(env, installed('/usr/bin/chromium'))).toThrow(
      /RINGSIDE_CHROMIUM is \/opt\/chrome\/chrome/,
    );
  });

  it('is none, with what to do, when nothing is installed', () => {
    expect(chromiumPath({}, installed())).toBeNull();
    expect(chromiumAdvice('ubuntu')).toMatch(/snap install chromium.*RINGSIDE_CHROMIUM/);
    expect(chromiumAdvice('debian')).toMatch(/apt-get install chromium.*RINGSIDE_CHROMIUM/);
  });
});
