import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
};

/** Headers every answer of the agent carries, the page's and the refusals alike. */
export const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  // The page may not be framed by another site.
  'content-security-policy': "frame-ancestors 'none'",
} as const;

export type StaticFile =
  | { status: 200; body: Buffer; headers: Record<string, string> }
  | { status: 400 | 404; reason: string };

/**
 * The file under `root` a URL path names, or null for a path that is not a
 * plain one: malformed percent-encoding, a NUL, a backslash or a `..`
 * segment in any spelling that decodes to one. Decoded once, as a browser
 * encodes once: `%252e%252e` names a file called `%2e%2e`, which stays inside.
 */
export function staticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || /[\0\\]/.test(decoded) || decoded.split('/').includes('..')) return null;
  const base = resolve(root);
  const path = resolve(base, `.${decoded === '/' ? '/index.html' : decoded}`);
  return path.startsWith(base + sep) ? path : null;
}

/** Reads the built web app's file for `urlPath`; never throws. */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile> {
  const path = staticPath(root, urlPath);
  if (path === null) return { status: 400, reason: 'this path is not one the agent serves' };
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    // Missing, a directory or unreadable: all the same to a browser.
    return { status: 404, reason: 'not found' };
  }
  const immutable = path.startsWith(resolve(root, 'assets') + sep);
  return {
    status: 200,
    body,
    headers: {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    },
  };
}
