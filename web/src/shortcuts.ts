import { Stage } from '@ringside/shared';
import { neighbourSocket, selectedSocket, shownSockets, useSelection } from './selection.ts';
import { selectAttached, selectCanControl, selectObservedIds, selectSample, useRingside } from './store.ts';
import { VIEWS, type View } from './url-state.ts';

/** What a key can do to the page and, through the store, to the agent. */
export interface KeyTarget {
  /** The socket the keys act on (see `selectedSocket`), null when none is shown. */
  socketId: string | null;
  /** The selected socket is another process's, attached read-only: keys that would change it do nothing. */
  readOnly: boolean;
  pausedStages: readonly Stage[];
  /** Null: the agent runs no lab traffic. */
  trafficPaused: boolean | null;
  setStages(socketId: string, stages: Stage[], paused: boolean): void;
  step(socketId: string): void;
  setTraffic(paused: boolean): void;
  /** Makes the socket after (1) or before (-1) the selected one the selected one. */
  selectNeighbour(step: 1 | -1): void;
  showOnly(view: View): void;
  toggleView(view: View): void;
  toggleHelp(open?: boolean): void;
  /** Tells the user why a key did nothing. */
  refuse(message: string): void;
}

export type ShortcutGroup = 'selected socket' | 'lab' | 'views' | 'page';

export interface Shortcut {
  /** `KeyboardEvent.key` values that trigger it. */
  keys: readonly string[];
  /** The keys as the overlay writes them. */
  label: string;
  does: string;
  group: ShortcutGroup;
  /** A key that changes the agent does nothing on a view-only page. */
  control: boolean;
  run(key: string, target: KeyTarget): void;
}

/** The key that shows each view alone; with Shift it adds or removes the view beside the others. */
export const VIEW_KEYS = {
  rings: 'r',
  umem: 'u',
  counters: 'c',
  topology: 'o',
  inspector: 'i',
  controls: 'e',
} as const satisfies Record<View, string>;

const VIEW_NAMES: Record<View, string> = {
  rings: 'rings',
  umem: 'UMEM map',
  counters: 'counters',
  topology: 'topology',
  inspector: 'packet inspector',
  controls: 'controls',
};

const STAGE_KEYS = ['1', '2', '3', '4'] as const;

/** Every key the page answers to: the overlay lists this table and the handler looks keys up in it. */
export const SHORTCUTS: readonly Shortcut[] = [
  {
    keys: ['p'],
    label: 'p',
    does: 'pause every stage, or resume them all when any is paused',
    group: 'selected socket',
    control: true,
    run: (_key, t) => {
      if (t.socketId !== null) t.setStages(t.socketId, [...Stage.options], t.pausedStages.length === 0);
    },
  },
  {
    keys: ['s'],
    label: 's',
    does: 'step: one batch of every stage',
    group: 'selected socket',
    control: true,
    run: (_key, t) => {
      if (t.socketId !== null) t.step(t.socketId);
    },
  },
  {
    keys: STAGE_KEYS,
    label: '1–4',
    does: 'pause or resume refill FILL, drain RX, submit TX, reap COMPLETION',
    group: 'selected socket',
    control: true,
    run: (key, t) => {
      const stage = Stage.options[STAGE_KEYS.indexOf(key as (typeof STAGE_KEYS)[number])];
      if (t.socketId !== null && stage) t.setStages(t.socketId, [stage], !t.pausedStages.includes(stage));
    },
  },
  {
    keys: [']'],
    label: ']',
    does: 'select the next socket shown',
    group: 'selected socket',
    control: false,
    run: (_key, t) => t.selectNeighbour(1),
  },
  {
    keys: ['['],
    label: '[',
    does: 'select the previous socket shown',
    group: 'selected socket',
    control: false,
    run: (_key, t) => t.selectNeighbour(-1),
  },
  {
    keys: ['t'],
    label: 't',
    does: 'pause or resume the lab traffic',
    group: 'lab',
    control: true,
    run: (_key, t) => {
      if (t.trafficPaused !== null) t.setTraffic(!t.trafficPaused);
    },
  },
  ...VIEWS.map(
    (view): Shortcut => ({
      keys: [VIEW_KEYS[view], VIEW_KEYS[view].toUpperCase()],
      label: VIEW_KEYS[view],
      does: `show the ${VIEW_NAMES[view]} alone (Shift: beside the others)`,
      group: 'views',
      control: false,
      run: (key, t) => (key === VIEW_KEYS[view] ? t.showOnly(view) : t.toggleView(view)),
    }),
  ),
  {
    keys: ['?'],
    label: '?',
    does: 'show or hide this list of keys',
    group: 'page',
    control: false,
    run: (_key, t) => t.toggleHelp(),
  },
  {
    keys: ['Escape'],
    label: 'Esc',
    does: 'close this list',
    group: 'page',
    control: false,
    run: (_key, t) => t.toggleHelp(false),
  },
];

export const SHORTCUT_GROUPS: readonly ShortcutGroup[] = ['selected socket', 'lab', 'views', 'page'];

/** The shortcut a key triggers, if any, and whether this page may use it. */
export function shortcutFor(key: string, canControl: boolean): Shortcut | null {
  const found = SHORTCUTS.find((shortcut) => shortcut.keys.includes(key));
  if (!found || (found.control && !canControl)) return null;
  return found;
}

/**
 * Runs a shortcut on the page. A key that would change the selected socket
 * does nothing to one Ringside only watches (another process's), and says so.
 */
export function runShortcut(shortcut: Shortcut, key: string, target: KeyTarget): void {
  if (shortcut.control && shortcut.group === 'selected socket' && target.readOnly) {
    target.refuse(`${target.socketId} is another process's socket, attached read-only: ${key} changes nothing there`);
    return;
  }
  shortcut.run(key, target);
}

function typingInto(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))
  );
}

/** The page as the keys see it at the moment of a key press. */
function currentTarget(): KeyTarget {
  const store = useRingside.getState();
  const selection = useSelection.getState();
  const shown = shownSockets(selection.sockets, selectObservedIds(store));
  const socketId = selectedSocket(selection.focus, shown);
  const traffic = store.agentState?.traffic ?? null;
  return {
    socketId,
    readOnly: socketId !== null && selectAttached(store, socketId) !== undefined,
    pausedStages: socketId === null ? [] : (selectSample(store, socketId)?.pausedStages ?? []),
    trafficPaused: traffic ? traffic.paused : null,
    setStages: store.setStages,
    step: store.step,
    setTraffic: (paused) => store.setTraffic({ paused }),
    selectNeighbour: (step) => {
      const next = neighbourSocket(selection.focus, shown, step);
      if (next !== null) selection.focusSocket(next);
    },
    showOnly: selection.showOnly,
    toggleView: selection.toggleView,
    toggleHelp: selection.toggleHelp,
    refuse: (message) => store.notify('read-only', message),
  };
}

export function installShortcuts(): void {
  window.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typingInto(event.target)) return;
    // A view connection changes nothing, whatever key it presses.
    const shortcut = shortcutFor(event.key, selectCanControl(useRingside.getState()));
    if (!shortcut) return;
    runShortcut(shortcut, event.key, currentTarget());
    event.preventDefault();
  });
  // A click or a tab into a socket's panel (marked by the views with `data-socket-slot`) selects that socket.
  const select = (event: Event) => {
    const slot = event.target instanceof Element ? event.target.closest<HTMLElement>('[data-socket-slot]') : null;
    const socketId = slot?.dataset.socketSlot;
    if (socketId) useSelection.getState().focusSocket(socketId);
  };
  document.addEventListener('pointerdown', select);
  document.addEventListener('focusin', select);
}
