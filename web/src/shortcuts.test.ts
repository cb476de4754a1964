import { Stage } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { neighbourSocket, selectedSocket } from './selection.ts';
import { type KeyTarget, runShortcut, SHORTCUTS, shortcutFor, VIEW_KEYS } from './shortcuts.ts';
import { VIEWS } from './url-state.ts';

/** A page reduced to what the keys call, recording each call. */
function recordingTarget(socketId: string | null, pausedStages: Stage[] = [], readOnly = false) {
  const calls: unknown[][] = [];
  const target: KeyTarget = {
    socketId,
    readOnly,
    pausedStages,
    trafficPaused: false,
    setStages: (...args) => calls.push(['setStages', ...args]),
    step: (...args) => calls.push(['step', ...args]),
    setTraffic: (...args) => calls.push(['setTraffic', ...args]),
    selectNeighbour: (...args) => calls.push(['selectNeighbour', ...args]),
    showOnly: (...args) => calls.push(['showOnly', ...args]),
    toggleView: (...args) => calls.push(['toggleView', ...args]),
    toggleHelp: (...args) => calls.push(['toggleHelp', ...args]),
    refuse: (...args) => calls.push(['refuse', ...args]),
  };
  return { target, calls };
}

const press = (key: string, target: KeyTarget, canControl = true) => {
  const shortcut = shortcutFor(key, canControl);
  if (shortcut) runShortcut(shortcut, key, target);
};

describe('the table of keys', () => {
  it('gives every key one meaning', () => {
    const keys = SHORTCUTS.flatMap((shortcut) => shortcut.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has a key for every view', () => {
    for (const view of VIEWS) expect(shortcutFor(VIEW_KEYS[view], false)?.group).toBe('views');
  });

  it('acts on the selected socket, not the first one shown', () => {
    const { target, calls } = recordingTarget('xsk1', ['rxDrain']);
    press('2', target);
    press('s', target);
    press('p', target);
    expect(calls).toEqual([
      ['setStages', 'xsk1', ['rxDrain'], false],
      ['step', 'xsk1'],
      ['setStages', 'xsk1', [...Stage.options], false],
    ]);
  });

  it('pauses every stage when none is paused', () => {
    const { target, calls } = recordingTarget('xsk0');
    press('p', target);
    expect(calls).toEqual([['setStages', 'xsk0', [...Stage.options], true]]);
  });

  it('lets a view-only page switch views and read the keys, and nothing else', () => {
    const { target, calls } = recordingTarget('xsk0');
    for (const key of ['p', 's', '1', 't', 'u', 'U', '?', ']']) press(key, target, false);
    expect(calls).toEqual([['showOnly', 'umem'], ['toggleView', 'umem'], ['toggleHelp'], ['selectNeighbour', 1]]);
  });

  it('changes nothing on a socket attached read-only, says so, and still moves, shows and lets the lab be paused', () => {
    const { target, calls } = recordingTarget('pid42.fd7', [], true);
    for (const key of ['p', 's', '2']) press(key, target);
    expect(calls).toEqual(
      ['p', 's', '2'].map((key) => [
        'refuse',
        `pid42.fd7 is another process's socket, attached read-only: ${key} changes nothing there`,
      ]),
    );
    calls.length = 0;
    for (const key of [']', 'u', 't']) press(key, target);
    expect(calls).toEqual([
      ['selectNeighbour', 1],
      ['showOnly', 'umem'],
      ['setTraffic', true],
    ]);
  });

  it('does nothing to a socket when none is shown', () => {
    const { target, calls } = recordingTarget(null);
    for (const key of ['p', 's', '3']) press(key, target);
    expect(calls).toEqual([]);
  });
});

describe('the selected socket', () => {
  it('is the one chosen while it is shown, else the first shown', () => {
    expect(selectedSocket('xsk1', ['xsk0', 'xsk1'])).toBe('xsk1');
    expect(selectedSocket('gone', ['xsk0', 'xsk1'])).toBe('xsk0');
    expect(selectedSocket(null, [])).toBeNull();
  });

  it('moves to the next or previous socket shown, wrapping round', () => {
    expect(neighbourSocket(null, ['a', 'b', 'c'], 1)).toBe('b');
    expect(neighbourSocket('c', ['a', 'b', 'c'], 1)).toBe('a');
    expect(neighbourSocket('a', ['a', 'b', 'c'], -1)).toBe('c');
  });
});
