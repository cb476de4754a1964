import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { followReducedMotion } from '../animation.ts';
import { usePageRecording } from '../page-recorder.ts';
import { refreshPalette } from '../palette.ts';
import { mirrorSelection, useSelection } from '../selection.ts';
import { installShortcuts } from '../shortcuts.ts';
import { ReplayApp } from './ReplayApp.tsx';
import '../styles.css';
import './replay.css';

// The live page's set-up (main.tsx) without the connection: the player feeds the store instead.
usePageRecording.setState({ offered: false });
mirrorSelection();
refreshPalette();
useSelection.subscribe((s, before) => {
  if (s.theme !== before.theme) refreshPalette();
});
window.matchMedia('(prefers-color-scheme: light)').addEventListener('change', refreshPalette);
installShortcuts();
followReducedMotion();

const root = document.getElementById('root');
if (!root) throw new Error('replay.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ReplayApp />
  </StrictMode>,
);
