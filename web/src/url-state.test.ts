import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION, readSelection, writeSelection } from './url-state.ts';

describe('the selection in the URL', () => {
  it('reads sockets, views, theme and presenter, keeping views in page order', () => {
    expect(readSelection('?token=t&socket=xsk0,xsk1&view=umem,rings&theme=light&presenter=1')).toEqual({
      sockets: ['xsk0', 'xsk1'],
      views: ['rings', 'umem'],
      theme: 'light',
      presenter: true,
    });
  });

  it('falls back to the defaults for what is missing or unknown', () => {
    expect(readSelection('?token=t&view=nope&theme=pink')).toEqual(DEFAULT_SELECTION);
  });

  it('writes the selection and keeps the token', () => {
    const search = writeSelection('?token=abc', {
      sockets: ['xsk1'],
      views: ['counters', 'rings'],
      theme: 'dark',
      presenter: true,
    });
    const params = new URLSearchParams(search);
    expect(params.get('token')).toBe('abc');
    expect(readSelection(search)).toEqual({
      sockets: ['xsk1'],
      views: ['rings', 'counters'],
      theme: 'dark',
      presenter: true,
    });
  });

  it('leaves defaults out of the URL', () => {
    expect(writeSelection('?token=abc&socket=xsk0&presenter=1', DEFAULT_SELECTION)).toBe('?token=abc');
  });
});
