import { useEffect, useState } from 'react';
import { App } from '../components/App.tsx';
import { openRecording, useReplay } from './player.ts';
import { RecordingPicker } from './RecordingPicker.tsx';
import { ReplayBar } from './ReplayBar.tsx';

/**
 * The replay page: no agent, no network. A recording chosen (or dropped
 * anywhere on the page) feeds the same views the live page has, under its
 * timeline.
 */
export function ReplayApp() {
  const loaded = useReplay((s) => s.timeline !== null);
  const dragging = useDropAnywhere();
  return (
    <div className={dragging ? 'replay dragging' : 'replay'}>
      {loaded ? (
        <>
          <ReplayBar />
          <App />
        </>
      ) : (
        <main className="replay-start panel">
          <h1>Ringside replay</h1>
          <p>
            Open a recording made with the page's Record button or with <code>npm start -- --record FILE</code>, or drop
            it here. Nothing leaves this page: it needs no agent and no network.
          </p>
          <RecordingPicker label="Recording" />
        </main>
      )}
    </div>
  );
}

/** A file dropped anywhere on the window is opened; says whether one is being dragged over it. */
function useDropAnywhere(): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    const over = (event: DragEvent) => {
      // Without this the browser opens the dropped file itself, in place of the page.
      event.preventDefault();
      setDragging(true);
    };
    const leave = () => setDragging(false);
    const drop = (event: DragEvent) => {
      event.preventDefault();
      setDragging(false);
      const file = event.dataTransfer?.files[0];
      if (file) void openRecording(file);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}
