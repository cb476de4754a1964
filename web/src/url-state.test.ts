import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION, readSelection, writeSelection } from './url-state.ts';

describe('the selection in the URL', () => {
  it('reads sockets, views, theme and presenter, keeping views in page order', () => {
    expect(readSelection('?token=t&socket=xsk0,xsk1&view=umem,rings&theme=light&presenter=1')).toEqual({
      sockets: ['xsk0', 'xsk1'],
      views: ['rings', 'umem'],
      frames: {},
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
      frames: { xsk1: 12 },
      theme: 'dark',
      presenter: true,
    });
    const params = new URLSearchParams(search);
    expect(params.get('token')).toBe('abc');
    expect(readSelection(search)).toEqual({
      sockets: ['xsk1'],
      views: ['rings', 'counters'],
      frames: { xsk1: 12 },
      theme: 'dark',
      presenter: true,
    });
  });

  it('reads the inspected frame of each socket and ignores what is not a frame number', () => {
    expect(readSelection('?view=inspector,topology&frame=xsk0:12,twin:0,bad:-1,worse:x,alone').frames).toEqual({
      xsk0: 12,
      twin: 0,
    });
    expect(readSelection('?view=inspector,topology').views).toEqual(['topology', 'inspector']);
  });

  it('leaves defaults out of the URL', () => {
    expect(writeSelection('?token=abc&socket=xsk0&presenter=1', DEFAULT_SELECTION)).toBe('?token=abc');
  });
});
