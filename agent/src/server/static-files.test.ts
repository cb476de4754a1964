import { describe, expect, it } from 'vitest';
import { staticPath } from './static-files.ts';

const root = '/srv/web';

describe('the file a URL path names', () => {
  it('is under the web root, with / meaning index.html', () => {
    expect(staticPath(root, '/')).toBe('/srv/web/index.html');
    expect(staticPath(root, '/assets/app%20x.js')).toBe('/srv/web/assets/app x.js');
    expect(staticPath(`${root}/`, '/a/./b.js')).toBe('/srv/web/a/b.js');
  });

  it('is none for malformed percent-encoding, NUL or a backslash', () => {
    for (const path of ['/%E0', '/%', '/%zz', '/a%00.html', '/a\u0000', '/..%5c..%5cetc%5cpasswd', '/a\\b']) {
      expect(staticPath(root, path)).toBeNull();
    }
  });

  it('is none for `..` in any spelling that decodes to it', () => {
    for (const path of ['/../etc/passwd', '/assets/../../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E%2fetc', '/..']) {
      expect(staticPath(root, path)).toBeNull();
    }
  });

  it('decodes once, so a doubly encoded `..` is a file name inside the root', () => {
    expect(staticPath(root, '/%252e%252e/etc/passwd')).toBe('/srv/web/%2e%2e/etc/passwd');
  });
});
