import { useShallow } from 'zustand/react/shallow';
import { useRingside } from '../store.ts';
import { ConnectionStatus } from './ConnectionStatus.tsx';
import { EventLog } from './EventLog.tsx';
import { Notices } from './Notices.tsx';
import { SnapshotControls } from './SnapshotControls.tsx';
import { SocketPanel } from './SocketPanel.tsx';
import { TrafficControls } from './TrafficControls.tsx';

export function App() {
  return (
    <div className="app">
      <header className="topbar">
        <h1>Ringside</h1>
        <HostFacts />
        <ConnectionStatus />
      </header>
      <Notices />
      <div className="layout">
        <main className="sockets">
          <SocketList />
        </main>
        <aside className="sidebar">
          <TrafficControls />
          <SnapshotControls />
          <EventLog />
        </aside>
      </div>
    </div>
  );
}

function HostFacts() {
  const hello = useRingside((s) => s.hello);
  if (!hello) return <span className="host" />;
  return (
    <span className="host muted">
      {hello.host.hostname} · Linux {hello.host.kernel} · {hello.mode} mode · {hello.role}
    </span>
  );
}

function SocketList() {
  const hasState = useRingside((s) => s.agentState !== null);
  // Only the ids: a new snapshot or state with the same sockets leaves the list alone.
  const socketIds = useRingside(useShallow((s) => s.agentState?.sockets.map((socket) => socket.id) ?? []));
  if (!hasState) return <p className="muted">Waiting for the agent…</p>;
  if (socketIds.length === 0) return <p className="muted">The agent has no sockets open.</p>;
  return socketIds.map((id) => <SocketPanel key={id} socketId={id} />);
}
