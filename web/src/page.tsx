import { type ReactNode, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { followReducedMotion } from './animation.ts';
import { refreshPalette } from './palette.ts';
import { mirrorSelection, useSelection } from './selection.ts';
import { installShortcuts } from './shortcuts.ts';

/**
 * What every Ringside page does once, live or replaying: the selection in the
 * URL, the theme's colours, the keys and reduced motion, then `app` in #root.
 * Where the store's messages come from is the entry point's own business.
 */
export function startPage(app: ReactNode): void {
  mirrorSelection();
  // Canvases take their colours from the theme: read them again whenever it may have changed.
  refreshPalette();
  useSelection.subscribe((s, before) => {
    if (s.theme !== before.theme) refreshPalette();
  });
  window.matchMedia('(prefers-color-scheme: light)').addEventListener('change', refreshPalette);
  installShortcuts();
  followReducedMotion();
  const root = document.getElementById('root');
  if (!root) throw new Error(`${document.location.pathname} has no #root element`);
  createRoot(root).render(<StrictMode>{app}</StrictMode>);
}
