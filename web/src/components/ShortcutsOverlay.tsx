import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectedSocket, shownSockets, useSelection } from '../selection.ts';
import { SHORTCUT_GROUPS, SHORTCUTS } from '../shortcuts.ts';
import { selectAttached, selectCanControl, selectObservedIds, useRingside } from '../store.ts';

/** The `?` overlay: every key of the shortcut table, grouped, and the socket the keys act on now. */
export function ShortcutsOverlay() {
  const open = useSelection((s) => s.help);
  const toggleHelp = useSelection((s) => s.toggleHelp);
  const canControl = useRingside(selectCanControl);
  const target = useSelectedSocket();
  const readOnly = useRingside((s) => target !== null && selectAttached(s, target) !== undefined);
  const closeRef = useRef<HTMLButtonElement>(null);
  // Focus goes into the list while it is open and back where it was when it closes.
  useEffect(() => {
    if (!open) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus();
    return () => before?.focus();
  }, [open]);
  if (!open) return null;
  return (
    <div className="overlay-backdrop" onPointerDown={() => toggleHelp(false)}>
      <div
        className="overlay panel"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts-overlay"
        onPointerDown={(event) => event.stopPropagation()}
      >
        <header className="panel-head">
          <h2 id="shortcuts-title">Keys</h2>
          <span className="muted" data-testid="shortcuts-target">
            {target === null ? 'no socket shown' : `acting on ${target}`}
            {canControl ? '' : ' · view only: keys that change the agent do nothing'}
            {canControl && readOnly ? ' · attached read-only: keys that change a socket do nothing' : ''}
          </span>
          <button ref={closeRef} type="button" data-testid="shortcuts-close" onClick={() => toggleHelp(false)}>
            Close
          </button>
        </header>
        {SHORTCUT_GROUPS.map((group) => (
          <section key={group}>
            <h3>{group}</h3>
            <dl className="shortcut-list">
              {SHORTCUTS.filter((shortcut) => shortcut.group === group).map((shortcut) => (
                <div key={shortcut.label} data-testid={`shortcut-${shortcut.label}`}>
                  <dt>
                    <kbd>{shortcut.label}</kbd>
                  </dt>
                  <dd className={shortcut.control && !canControl ? 'muted' : undefined}>{shortcut.does}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </div>
  );
}

/** The socket the keys act on, as the page shows it. */
export function useSelectedSocket(): string | null {
  const all = useRingside(useShallow(selectObservedIds));
  const selected = useSelection(useShallow((s) => s.sockets));
  const focus = useSelection((s) => s.focus);
  return selectedSocket(focus, shownSockets(selected, all));
}
