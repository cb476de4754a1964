import { MAX_RATE_PPS, SetTraffic } from '@ringside/shared';
import { type FormEvent, useState } from 'react';
import { selectCanControl, useRingside } from '../store.ts';
import { RequestOutcomeText } from './RequestOutcomeText.tsx';

export function TrafficControls() {
  const traffic = useRingside((s) => s.agentState?.traffic ?? null);
  const canControl = useRingside(selectCanControl);
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
      <p className="muted" data-testid="traffic-summary">
        {traffic.frameSize}-byte frames from {traffic.ifname} on queue {traffic.queueIds.join(', ')} to UDP{' '}
        {traffic.destinationPorts.join(', ')}
        {viewOnly ? ' · view only' : ''}
      </p>
      {traffic.dataPlane?.state === 'down' && (
        <p className="notice stacked" data-testid="traffic-down">
          <span className="notice-code">traffic source down</span>
          <span className="notice-message">
            since {new Date(traffic.dataPlane.since).toLocaleTimeString()}: {traffic.dataPlane.reason}.
            {canControl && ' Any change below starts it again.'}
          </span>
        </p>
      )}
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
            max={MAX_RATE_PPS}
            step={1}
            value={rateText}
            disabled={!canControl}
            aria-invalid={!rateValid}
            onChange={(event) => setDraft(event.target.value)}
          />
          <span className="muted">pps</span>
        </label>
        <button type="submit" data-testid="traffic-rate-apply" disabled={!canControl || !rateValid}>
          Apply
        </button>
        <span className="problem" data-testid="traffic-rate-problem">
          {rateValid ? '' : `rate: a whole number of frames per second, 1 to ${MAX_RATE_PPS}`}
        </span>
      </form>
      <TrafficPath />
      <SentFrames />
    </section>
  );
}

/** Reads a list of ports as typed ("4242, 5000"); null when any item is not a port. */
function readPorts(text: string): number[] | null {
  const items = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((item) => Number(item));
  return SetTraffic.shape.destinationPorts.safeParse(items).success ? items : null;
}

/**
 * Which lab queues the source sends on (on veth, a frame sent on queue i
 * arrives on queue i) and which UDP ports it sends to: the two things that
 * decide where the XDP program sends each frame.
 */
function TrafficPath() {
  const traffic = useRingside((s) => s.agentState?.traffic ?? null);
  const queues = useRingside((s) => s.agentState?.lab?.queues ?? 0);
  const canControl = useRingside(selectCanControl);
  const setTraffic = useRingside((s) => s.setTraffic);
  const outcome = useRingside((s) => s.outcomes.traffic);
  const [chosen, setChosen] = useState<number[] | null>(null);
  const [portsText, setPortsText] = useState<string | null>(null);
  if (!traffic) return null;
  const queueIds = chosen ?? traffic.queueIds;
  const portsShown = portsText ?? traffic.destinationPorts.join(', ');
  const ports = readPorts(portsShown);
  const queuesValid = SetTraffic.shape.queueIds.safeParse(queueIds).success;
  const toggle = (queue: number) =>
    setChosen(
      queueIds.includes(queue) ? queueIds.filter((q) => q !== queue) : [...queueIds, queue].sort((a, b) => a - b),
    );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (!ports || !queuesValid) return;
    setTraffic({ queueIds, destinationPorts: ports });
    setChosen(null);
    setPortsText(null);
  };
  return (
    <form className="traffic-path" data-testid="traffic-path" onSubmit={apply}>
      <fieldset className="row">
        <legend>sends on queue</legend>
        {queueNumbers(queues).map((queue) => (
          <label key={queue}>
            <input
              type="checkbox"
              data-testid={`traffic-queue-${queue}`}
              checked={queueIds.includes(queue)}
              disabled={!canControl}
              onChange={() => toggle(queue)}
            />
            {queue}
          </label>
        ))}
      </fieldset>
      <label className="row">
        <span>UDP ports</span>
        <input
          type="text"
          data-testid="traffic-ports"
          value={portsShown}
          disabled={!canControl}
          onChange={(event) => setPortsText(event.target.value)}
        />
      </label>
      <span className="problem" data-testid="traffic-path-problem">
        {!queuesValid ? 'choose at least one queue' : ports === null ? 'ports: 1 to 16 numbers from 1 to 65535' : ''}
      </span>
      <button type="submit" data-testid="traffic-path-apply" disabled={!canControl || !ports || !queuesValid}>
        Apply
      </button>
      <RequestOutcomeText outcome={outcome} testId="traffic-outcome" />
    </form>
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

const queueNumbers = (count: number) => Array.from({ length: count }, (_, queue) => queue);
