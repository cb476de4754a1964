import { startPageRecording, stopPageRecording, usePageRecording } from '../page-recorder.ts';
import { useRingside } from '../store.ts';

/**
 * Records what this page receives, to replay with no agent (npm run
 * build:replay). It only reads, so a view page may record too.
 */
export function RecordButton() {
  const recording = usePageRecording((s) => s.startedAt !== null);
  const kilobytes = usePageRecording((s) => Math.round(s.bytes / 1024));
  const ready = useRingside((s) => s.hello !== null && s.agentState !== null);
  const offered = usePageRecording((s) => s.offered);
  if (!offered) return null;
  return (
    <button
      type="button"
      className={recording ? 'record recording' : 'record'}
      data-testid="record"
      aria-pressed={recording}
      disabled={!ready && !recording}
      title="Record what this page receives, to replay it with no agent"
      onClick={() => (recording ? stopPageRecording() : startPageRecording())}
    >
      {recording ? `Stop and save (${kilobytes} KB)` : 'Record'}
    </button>
  );
}
