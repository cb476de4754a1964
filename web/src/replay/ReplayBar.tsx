import { pause, play, SPEEDS, seek, setSpeed, step, useReplay } from './player.ts';
import { RecordingPicker } from './RecordingPicker.tsx';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The timeline of a recording: scrub, play and pause, one snapshot on or back, the speed; and what is replayed. */
export function ReplayBar() {
  const timeline = useReplay((s) => s.timeline);
  const fileName = useReplay((s) => s.fileName);
  const at = useReplay((s) => s.at);
  const index = useReplay((s) => s.index);
  const playing = useReplay((s) => s.playing);
  const speed = useReplay((s) => s.speed);
  if (!timeline) return null;
  const { header } = timeline;
  return (
    <section className="replay-bar" data-testid="replay-bar">
      <p className="replay-note" data-testid="replay-note">
        Replaying <strong>{fileName}</strong>, recorded {new Date(header.startedAt).toLocaleString()} on{' '}
        {header.hello.host.hostname} (Linux {header.hello.host.kernel}) by the {header.recordedBy}: a recording, so
        nothing can be changed.
      </p>
      {timeline.truncatedTail && (
        <p className="muted" data-testid="replay-truncated">
          {timeline.truncatedTail}.
        </p>
      )}
      <div className="replay-controls">
        <button type="button" data-testid="replay-step-back" onClick={() => step(-1)} aria-label="One snapshot back">
          ◀|
        </button>
        <button type="button" data-testid="replay-play" onClick={playing ? pause : play} aria-pressed={playing}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" data-testid="replay-step" onClick={() => step(1)} aria-label="One snapshot on">
          |▶
        </button>
        <input
          type="range"
          className="replay-scrub"
          data-testid="replay-scrub"
          aria-label="Time in the recording (ms)"
          min={0}
          max={timeline.duration}
          step={1}
          value={Math.round(at)}
          onChange={(event) => {
            pause();
            seek(Number(event.target.value));
          }}
        />
        <span className="replay-time" data-testid="replay-time" data-at={Math.round(at)}>
          {seconds(at)} / {seconds(timeline.duration)}
        </span>
        <span className="muted" data-testid="replay-snapshot" data-index={index}>
          snapshot {index + 1} of {timeline.snapshotCount}
        </span>
        <select
          data-testid="replay-speed"
          aria-label="Speed"
          value={speed}
          onChange={(event) => setSpeed(Number(event.target.value))}
        >
          {SPEEDS.map((choice) => (
            <option key={choice} value={choice}>
              {choice}×
            </option>
          ))}
        </select>
        <RecordingPicker label="Open another" />
      </div>
    </section>
  );
}
