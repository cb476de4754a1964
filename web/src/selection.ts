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
}

export const useSelection = create<Selection & { topic: string | null } & SelectionActions>()((set) => ({
  ...(typeof window === 'undefined' ? DEFAULT_SELECTION : readSelection(window.location.search)),
  topic: null,
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
