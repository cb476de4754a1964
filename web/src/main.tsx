import { App } from './components/App.tsx';
import { Connection, socketUrl } from './connection.ts';
import { receiveOwners } from './owners.ts';
import { startPage } from './page.tsx';
import { recordReceived } from './page-recorder.ts';
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

startPage(<App />);
