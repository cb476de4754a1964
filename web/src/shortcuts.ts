import { Stage } from '@ringside/shared';
import { shownSockets, useSelection } from './selection.ts';
import { selectCanControl, selectSample, useRingside } from './store.ts';

/** Keys, as listed in the page's help: they act on the first socket shown. */
export const SHORTCUTS: { key: string; action: string }[] = [
  { key: 'p', action: 'pause every stage, or resume them all when any is paused' },
  { key: 's', action: 'step: one batch of every stage' },
  { key: '1–4', action: 'pause or resume refill FILL, drain RX, submit TX, reap COMPLETION' },
  { key: 't', action: 'pause or resume the lab traffic' },
];

function typingInto(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))
  );
}

export function installShortcuts(): void {
  window.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typingInto(event.target)) return;
    const store = useRingside.getState();
    // A view connection changes nothing, whatever key it presses.
    if (!selectCanControl(store)) return;
    const all = store.agentState?.sockets.map((socket) => socket.id) ?? [];
    const socketId = shownSockets(useSelection.getState().sockets, all)[0];
    if (event.key === 't') {
      const traffic = store.agentState?.traffic;
      if (traffic) store.setTraffic({ paused: !traffic.paused });
      return;
    }
    if (socketId === undefined) return;
    const paused = selectSample(store, socketId)?.pausedStages ?? [];
    if (event.key === 'p') {
      store.setStages(socketId, [...Stage.options], paused.length === 0);
    } else if (event.key === 's') {
      store.step(socketId);
    } else if (/^[1-4]$/.test(event.key)) {
      const stage = Stage.options[Number(event.key) - 1] as Stage;
      store.setStages(socketId, [stage], !paused.includes(stage));
    } else {
      return;
    }
    event.preventDefault();
  });
}
