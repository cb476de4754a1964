import { SetTraffic } from '@ringside/shared';
import { type FormEvent, useState } from 'react';
import { useRingside } from '../store.ts';

export function TrafficControls() {
  const traffic = useRingside((s) => s.agentState?.traffic ?? null);
  const canControl = useRingside((s) => s.hello?.role === 'control' && s.status === 'connected');
  const viewOnly = useRingside((s) => s.hello?.role === 'view');
  const setTraffic = useRingside((s) => s.setTraffic);
  // What the user is typing; null shows the agent's current rate.
  const [draft, setDraft] = useState<string | null>(null);
  if (!traffic) return null;

  const rateText = draft ?? String(traffic.ratePps);
  const rate = Number(rateText);
  const rateValid = SetTraffic.shape.ratePps.safeParse(rate).success;

  const applyRate = (event: FormEvent) => {
    event.preventDefault();
    if (!rateValid) return;
    setTraffic({ ratePps: rate });
    setDraft(null);
  };

  return (
    <section className="panel controls">
      <h2>Traffic</h2>
      <p className="muted">
        {traffic.frameSize}-byte frames from {traffic.ifname}
        {viewOnly ? ' · view only' : ''}
      </p>
      <button
        type="button"
        data-testid="traffic-toggle"
        disabled={!canControl}
        onClick={() => setTraffic({ paused: !traffic.paused })}
      >
        {traffic.paused ? 'Resume traffic' : 'Pause traffic'}
      </button>
      <form className="row" onSubmit={applyRate}>
        <label>
          <span>rate</span>
          <input
            type="number"
            data-testid="traffic-rate"
            min={1}
            step={1}
            value={rateText}
            disabled={!canControl}
            onChange={(event) => setDraft(event.target.value)}
          />
          <span className="muted">pps</span>
        </label>
        <button type="submit" data-testid="traffic-rate-apply" disabled={!canControl || !rateValid}>
          Apply
        </button>
      </form>
      <SentFrames />
    </section>
  );
}

function SentFrames() {
  const sentFrames = useRingside((s) => s.snapshot?.traffic?.sentFrames);
  const pps = useRingside((s) => s.snapshot?.traffic?.pps);
  if (sentFrames === undefined || pps === undefined) return null;
  return (
    <dl className="readings">
      <dt>sent frames</dt>
      <dd data-testid="traffic-sent">{sentFrames}</dd>
      <dt>measured pps</dt>
      <dd>{Math.round(pps)}</dd>
    </dl>
  );
}
