import { create } from 'zustand';
import { DEFAULT_SELECTION, readSelection, type Selection, type View, writeSelection } from './url-state.ts';

/** What the user chose to look at, mirrored in the URL (replaceState: no history entry per click). */
interface SelectionActions {
  toggleSocket(socketId: string, all: readonly string[]): void;
  toggleView(view: View): void;
  setTheme(theme: Selection['theme']): void;
  togglePresenter(): void;
  /**
   * Shows `frame` of `socketId` in the packet inspector, opening the
   * inspector if it is closed. Whatever lets a user pick a frame (the UMEM
   * map, a ring slot, a violation) calls this.
   */
  selectFrame(socketId: string, frame: number): void;
  /** The explanation shown in the side panel. */
  explain(topic: string | null): void;
  /** The socket the keys act on: the one last clicked, focused or chosen with a key. */
  focusSocket(socketId: string): void;
  /** Shows `view` alone, as a key that switches views does. */
  showOnly(view: View): void;
  /** Opens or closes the overlay that lists the keys. */
  toggleHelp(open?: boolean): void;
}

/** What the page keeps besides the URL's selection: none of it is worth sharing in a link. */
interface PageFocus {
  topic: string | null;
  /** See `focusSocket`; null until the user picks one (then the first socket shown is meant). */
  focus: string | null;
  help: boolean;
}

export const useSelection = create<Selection & PageFocus & SelectionActions>()((set) => ({
  ...(typeof window === 'undefined' ? DEFAULT_SELECTION : readSelection(window.location.search)),
  topic: null,
  focus: null,
  help: false,
  toggleSocket: (socketId, all) =>
    set((s) => {
      const shown = s.sockets.length === 0 ? [...all] : s.sockets;
      const next = shown.includes(socketId) ? shown.filter((id) => id !== socketId) : [...shown, socketId];
      // Showing every socket is the default, kept out of the URL so new sockets appear too.
      const everything = all.every((id) => next.includes(id));
      return { sockets: everything ? [] : all.filter((id) => next.includes(id)) };
    }),
  toggleView: (view) =>
    set((s) => {
      const views = s.views.includes(view) ? s.views.filter((v) => v !== view) : [...s.views, view];
      return { views: views.length > 0 ? views : [view] };
    }),
  setTheme: (theme) => set({ theme }),
  togglePresenter: () => set((s) => ({ presenter: !s.presenter })),
  selectFrame: (socketId, frame) =>
    set((s) => ({
      frames: { ...s.frames, [socketId]: frame },
      views: s.views.includes('inspector') ? s.views : [...s.views, 'inspector'],
    })),
  explain: (topic) => set({ topic }),
  focusSocket: (socketId) => set((s) => (s.focus === socketId ? s : { focus: socketId })),
  showOnly: (view) => set({ views: [view] }),
  toggleHelp: (open) => set((s) => ({ help: open ?? !s.help })),
}));

/** Keeps the URL and the document's theme in step with the selection. */
export function mirrorSelection(): void {
  const apply = (selection: Selection) => {
    const search = writeSelection(window.location.search, selection);
    if (search !== window.location.search) {
      window.history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
    }
    const root = document.documentElement;
    if (selection.theme === 'auto') delete root.dataset.theme;
    else root.dataset.theme = selection.theme;
    root.classList.toggle('presenter', selection.presenter);
  };
  apply(useSelection.getState());
  useSelection.subscribe(apply);
}

/** The sockets to show: the URL's choice among those that exist, or all of them. */
export function shownSockets(selected: readonly string[], all: readonly string[]): string[] {
  if (selected.length === 0) return [...all];
  return all.filter((id) => selected.includes(id));
}

/**
 * The socket the keys act on: the one the user chose while it is shown,
 * otherwise the first socket shown; null when none is.
 */
export function selectedSocket(focus: string | null, shown: readonly string[]): string | null {
  if (focus !== null && shown.includes(focus)) return focus;
  return shown[0] ?? null;
}

/** The socket `step` places after (1) or before (-1) the selected one among those shown, wrapping round. */
export function neighbourSocket(focus: string | null, shown: readonly string[], step: 1 | -1): string | null {
  const current = selectedSocket(focus, shown);
  if (current === null) return null;
  const at = shown.indexOf(current);
  return shown[(at + step + shown.length) % shown.length] ?? null;
}
