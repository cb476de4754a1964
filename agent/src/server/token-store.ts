import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { newToken } from './access.ts';

export interface Tokens {
  control: string;
  view: string;
}

/**
 * The tokens outlive a restart of the agent, so a page left open reconnects
 * and resyncs on its own instead of needing a new URL. They live in a file
 * only root can read; `rotate` replaces them (every open page must then be
 * given the new URL).
 */
export function loadTokens(path: string, rotate: boolean): Tokens {
  if (!rotate && existsSync(path)) {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<Tokens>;
    if (typeof saved.control === 'string' && typeof saved.view === 'string' && saved.control !== saved.view) {
      return { control: saved.control, view: saved.view };
    }
  }
  const tokens = { control: newToken(), view: newToken() };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(tokens)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return tokens;
}
