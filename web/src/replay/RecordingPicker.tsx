import { openRecording, useReplay } from './player.ts';

/** A file input for a recording; what cannot be replayed is said beside it. */
export function RecordingPicker({ label }: { label: string }) {
  const error = useReplay((s) => s.error);
  return (
    <span className="recording-picker">
      <label>
        {label}{' '}
        <input
          type="file"
          data-testid="replay-file"
          accept=".ringside,application/octet-stream"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void openRecording(file);
          }}
        />
      </label>
      {error && (
        <span className="replay-error" role="alert" data-testid="replay-error">
          {error}
        </span>
      )}
    </span>
  );
}
