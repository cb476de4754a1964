import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { Connection, socketUrl } from './connection.ts';
import { useRingside } from './store.ts';
import './styles.css';

const connection = new Connection(socketUrl(window.location), {
  onStatus: (status, retryInMs) => useRingside.getState().setStatus(status, retryInMs),
  onMessage: (message) => useRingside.getState().receive(message),
});
useRingside.getState().setSend((message) => connection.send(message));
connection.start();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
