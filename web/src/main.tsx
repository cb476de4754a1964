import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { followReducedMotion } from './animation.ts';
import { App } from './components/App.tsx';
import { Connection, socketUrl } from './connection.ts';
import { receiveOwners } from './owners.ts';
import { recordReceived } from './page-recorder.ts';
import { refreshPalette } from './palette.ts';
import { mirrorSelection, useSelection } from './selection.ts';
import { installShortcuts } from './shortcuts.ts';
import { useRingside } from './store.ts';
import './styles.css';

const connection = new Connection(socketUrl(window.location), {
  onStatus: (status, retryInMs) => useRingside.getState().setStatus(status, retryInMs),
  onMessage: (message) => useRingside.getState().receive(message),
  onOwners: receiveOwners,
  onReceived: recordReceived,
});
useRingside.getState().setSend((message) => connection.send(message));
connection.start();

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
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
