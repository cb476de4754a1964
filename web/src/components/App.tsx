import { type MouseEvent, type ReactNode, useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { shownSockets, useSelection } from '../selection.ts';
import { VIEW_KEYS } from '../shortcuts.ts';
import { selectObservedIds, useRingside } from '../store.ts';
import { VIEWS, type View } from '../url-state.ts';
import { AudienceUrls } from './AudienceUrls.tsx';
import { ConnectionStatus } from './ConnectionStatus.tsx';
import { NewSocketPanel, SocketControlsPanel } from './ControlsView.tsx';
import { CountersPanel } from './CountersView.tsx';
import { EventLog } from './EventLog.tsx';
import { ExplanationPanel } from './Explain.tsx';
import { HostSockets } from './HostSockets.tsx';
import { LedgerViolations } from './LedgerViolations.tsx';
import { LessonsPanel } from './Lessons.tsx';
import { Notices } from './Notices.tsx';
import { PacketInspectorPanel } from './PacketInspector.tsx';
import { RecordButton } from './RecordButton.tsx';
import { ShortcutsOverlay, useSelectedSocket } from './ShortcutsOverlay.tsx';
import { SnapshotControls } from './SnapshotControls.tsx';
import { SocketPanel } from './SocketPanel.tsx';
import { TopologyPanel } from './TopologyView.tsx';
import { TrafficControls } from './TrafficControls.tsx';
import { UmemPanel } from './UmemMap.tsx';

/**
 * The views: `panel` is drawn once per shown socket, `after` once below them.
 * The topology is one picture of every socket, so it has only `after`.
 */
const VIEW_PANELS: Record<View, { label: string; panel: ((socketId: string) => ReactNode) | null; after?: ReactNode }> =
  {
    rings: { label: 'Rings', panel: (id) => <SocketPanel key={id} socketId={id} /> },
    umem: { label: 'UMEM map', panel: (id) => <UmemPanel key={id} socketId={id} /> },
    counters: { label: 'Counters', panel: (id) => <CountersPanel key={id} socketId={id} /> },
    topology: { label: 'Topology', panel: null, after: <TopologyPanel /> },
    inspector: { label: 'Packet inspector', panel: (id) => <PacketInspectorPanel key={id} socketId={id} /> },
    controls: {
      label: 'Controls',
      panel: (id) => <SocketControlsPanel key={id} socketId={id} />,
      after: <NewSocketPanel />,
    },
  };

export function App() {
  return (
    <div className="app">
      <header className="topbar">
        <h1>Ringside</h1>
        <HostFacts />
        <LagIndicator />
        <ConnectionStatus />
        <RecordButton />
      </header>
      <nav className="toolbar">
        <ViewTabs />
        <SocketPicker />
        <Appearance />
      </nav>
      <Notices />
      <LedgerViolations />
      <div className="layout">
        <main className="views">
          <Views />
          <HostSockets />
        </main>
        <aside className="sidebar">
          <AudienceUrls />
          <LessonsPanel />
          <ExplanationPanel />
          <TrafficControls />
          <SnapshotControls />
          <Shortcuts />
          <EventLog />
        </aside>
      </div>
      <ShortcutsOverlay />
    </div>
  );
}

function HostFacts() {
  const hello = useRingside((s) => s.hello);
  if (!hello) return <span className="host" />;
  return (
    <span className="host muted">
      {hello.host.hostname} · Linux {hello.host.kernel} · {hello.mode} mode ·{' '}
      <span data-testid="role">{hello.role === 'view' ? 'view only' : 'control'}</span>
    </span>
  );
}

/** The agent skips snapshots for a page that reads too slowly, and says so; the page says so too. */
function LagIndicator() {
  const lagging = useRingside((s) => s.lagging);
  // A recording is not live, and skipped nothing: the replay bar says where in it the page is.
  const replaying = useRingside((s) => s.status === 'replaying');
  if (replaying) return null;
  return (
    <span className={lagging ? 'lag lagging' : 'lag'} data-testid="lag" data-lagging={lagging !== null}>
      {lagging ? `lagging: snapshots skipped since #${lagging.fromSeq}` : 'live'}
    </span>
  );
}

/**
 * A click shows its view alone, as the view's key does; Shift+click puts it
 * beside the others or takes it away, as Shift with the key does. Either way
 * the view chosen is brought into sight (see Views).
 */
function ViewTabs() {
  const views = useSelection(useShallow((s) => s.views));
  const toggleView = useSelection((s) => s.toggleView);
  const showOnly = useSelection((s) => s.showOnly);
  const choose = (view: View, event: MouseEvent) => (event.shiftKey ? toggleView(view) : showOnly(view));
  return (
    <fieldset className="tabs">
      <legend className="tabs-legend">Views</legend>
      {VIEWS.map((view) => (
        <button
          key={view}
          type="button"
          data-testid={`view-${view}`}
          aria-pressed={views.includes(view)}
          title={`${VIEW_PANELS[view].label} alone (${VIEW_KEYS[view]}); Shift+click: beside the others, or away`}
          onClick={(event) => choose(view, event)}
        >
          {VIEW_PANELS[view].label}
        </button>
      ))}
    </fieldset>
  );
}

/** The view a change of views brings in: the first one added, else the one left alone; null when neither. */
function arrivedView(before: readonly View[], now: readonly View[]): View | null {
  const added = now.find((view) => !before.includes(view));
  if (added) return added;
  return now.length === 1 && before.length > 1 ? (now[0] as View) : null;
}

function SocketPicker() {
  const all = useRingside(useShallow(selectObservedIds));
  const selected = useSelection(useShallow((s) => s.sockets));
  const toggleSocket = useSelection((s) => s.toggleSocket);
  const shown = shownSockets(selected, all);
  return (
    <fieldset className="tabs">
      <legend className="tabs-legend">Sockets</legend>
      {all.map((id) => (
        <button
          key={id}
          type="button"
          data-testid={`pick-${id}`}
          aria-pressed={shown.includes(id)}
          onClick={() => toggleSocket(id, all)}
        >
          {id}
        </button>
      ))}
    </fieldset>
  );
}

function Appearance() {
  const theme = useSelection((s) => s.theme);
  const presenter = useSelection((s) => s.presenter);
  const setTheme = useSelection((s) => s.setTheme);
  const togglePresenter = useSelection((s) => s.togglePresenter);
  return (
    <div className="tabs">
      <select
        data-testid="theme"
        aria-label="Theme"
        value={theme}
        onChange={(event) => setTheme(event.target.value as typeof theme)}
      >
        <option value="auto">system theme</option>
        <option value="dark">dark</option>
        <option value="light">light</option>
      </select>
      <button type="button" data-testid="presenter" aria-pressed={presenter} onClick={togglePresenter}>
        Presenter
      </button>
    </div>
  );
}

function Views() {
  const hasState = useRingside((s) => s.agentState !== null);
  // Only the ids: a new snapshot or state with the same sockets leaves the views alone.
  const all = useRingside(useShallow(selectObservedIds));
  const selected = useSelection(useShallow((s) => s.sockets));
  const views = useSelection(useShallow((s) => s.views));
  const target = useSelectedSocket();
  // A view chosen (a button, a key, a frame picked for the inspector) may land below the fold: it is scrolled to.
  const sections = useRef(new Map<View, HTMLElement>());
  const before = useRef(views);
  useEffect(() => {
    const arrived = arrivedView(before.current, views);
    before.current = views;
    if (arrived) sections.current.get(arrived)?.scrollIntoView({ block: 'nearest' });
  }, [views]);
  if (!hasState) return <p className="muted">Waiting for the agent…</p>;
  const shown = shownSockets(selected, all);
  return VIEWS.filter((view) => views.includes(view)).map((view) => {
    const { panel, after } = VIEW_PANELS[view];
    return (
      <section
        key={view}
        className="view"
        data-testid={`view-${view}-panels`}
        ref={(section) => {
          if (section) sections.current.set(view, section);
          else sections.current.delete(view);
        }}
      >
        {panel && shown.length === 0 && (
          <p className="muted">
            {all.length === 0
              ? 'The agent has no sockets open.'
              : `None of the sockets in the URL (${selected.join(', ')}) exist.`}
          </p>
        )}
        {panel &&
          shown.map((id) => (
            // Clicking or tabbing into it makes the socket the one the keys act on (see installShortcuts).
            <div
              key={id}
              // Marked only when there is a choice: with one socket shown, the keys can mean no other.
              className={id === target && shown.length > 1 ? 'socket-slot selected' : 'socket-slot'}
              data-socket-slot={id}
              data-testid={`slot-${view}-${id}`}
              data-selected={id === target}
            >
              {panel(id)}
            </div>
          ))}
        {after}
      </section>
    );
  });
}

function Shortcuts() {
  const toggleHelp = useSelection((s) => s.toggleHelp);
  const target = useSelectedSocket();
  return (
    <section className="panel shortcuts">
      <h2>Keys</h2>
      <p className="muted">
        Keys act on the selected socket{target === null ? '' : ` (${target})`}: click its panel, or press <kbd>[</kbd>{' '}
        <kbd>]</kbd>.
      </p>
      <button type="button" data-testid="shortcuts-open" onClick={() => toggleHelp(true)}>
        Every key <kbd>?</kbd>
      </button>
    </section>
  );
}
