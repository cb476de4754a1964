import { DEFAULT_TRAFFIC, MAX_RATE_PPS, TxTraffic } from '@ringside/shared';
import { type FormEvent, useState } from 'react';
import { selectCanControl, selectSocket, useRingside } from '../store.ts';
import { ExplainButton } from './Explain.tsx';
import { KernelMismatches, OwnKernelView } from './KernelView.tsx';
import './teaching.css';
import { RequestOutcomeText } from './RequestOutcomeText.tsx';
import { SocketForm } from './SocketForm.tsx';
import { SocketHead } from './SocketPanel.tsx';

export function SocketControlsPanel({ socketId }: { socketId: string }) {
  const workload = useRingside((s) => selectSocket(s, socketId)?.workload);
  if (!workload) return null;
  return (
    <section className="panel" data-testid={`controls-${socketId}`}>
      <SocketHead socketId={socketId} />
      <KernelMismatches socketId={socketId} />
      <SocketForm socketId={socketId} />
      <OwnKernelView socketId={socketId} />
      <div className="row actions">
        {workload === 'txonly' && <SocketTraffic socketId={socketId} />}
        <InjectInvalid socketId={socketId} ring="tx" />
        <InjectInvalid socketId={socketId} ring="fill" />
        <DestroySocket socketId={socketId} />
      </div>
      <FeedSameFrame socketId={socketId} />
    </section>
  );
}

export function NewSocketPanel() {
  return (
    <section className="panel" data-testid="controls-new">
      <header className="panel-head">
        <h2>New socket</h2>
      </header>
      <SocketForm socketId={null} />
    </section>
  );
}

function Outcome({ origin }: { origin: string }) {
  const outcome = useRingside((s) => s.outcomes[origin]);
  return <RequestOutcomeText outcome={outcome} testId={`outcome-${origin}`} done="done" />;
}

/** A txonly socket's own send rate and frame length, changed without rebuilding it. */
function SocketTraffic({ socketId }: { socketId: string }) {
  const traffic = useRingside((s) => selectSocket(s, socketId)?.request.traffic);
  const canControl = useRingside(selectCanControl);
  const command = useRingside((s) => s.command);
  const [rate, setRate] = useState<string | null>(null);
  const rateText = rate ?? String(traffic?.ratePps ?? DEFAULT_TRAFFIC.ratePps);
  const valid = TxTraffic.shape.ratePps.safeParse(Number(rateText)).success;
  const origin = `socket-traffic:${socketId}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    command({ type: 'setSocketTraffic', socketId, ratePps: Number(rateText) }, origin);
    setRate(null);
  };
  return (
    <form className="row" onSubmit={submit}>
      <label>
        <span>TX rate</span>
        <input
          type="text"
          inputMode="numeric"
          data-testid="socket-traffic-rate"
          value={rateText}
          disabled={!canControl}
          onChange={(event) => setRate(event.target.value)}
        />
        <span className="muted">pps</span>
      </label>
      <button type="submit" disabled={!canControl || !valid}>
        Set rate
      </button>
      <span className="problem">{valid ? '' : `rate must be from 1 to ${MAX_RATE_PPS}`}</span>
      <Outcome origin={origin} />
    </form>
  );
}

const INVALID_ENTRIES = {
  tx: {
    type: 'injectInvalidTx',
    label: 'Inject invalid TX',
    title: 'Put one TX descriptor outside the UMEM on the ring: tx_invalid_descs rises',
  },
  fill: {
    type: 'injectInvalidFill',
    label: 'Post invalid FILL address',
    title:
      'Post one address outside the UMEM on FILL: the kernel skips it and receives into the next entry; no XDP_STATISTICS counter moves (rx_invalid_descs counts RX, which the kernel writes)',
  },
} as const;

/** A ring entry outside the UMEM, on purpose, to watch what the kernel does with it. */
function InjectInvalid({ socketId, ring }: { socketId: string; ring: keyof typeof INVALID_ENTRIES }) {
  const canControl = useRingside(selectCanControl);
  const command = useRingside((s) => s.command);
  const { type, label, title } = INVALID_ENTRIES[ring];
  const origin = `inject-${ring}:${socketId}`;
  return (
    <span className="row">
      <button
        type="button"
        data-testid={`inject-invalid-${ring}`}
        disabled={!canControl}
        title={title}
        onClick={() => command({ type, socketId }, origin)}
      >
        {label}
      </button>
      <Outcome origin={origin} />
    </span>
  );
}

/** Two clicks, so a stray one cannot end a socket during a talk. */
function DestroySocket({ socketId }: { socketId: string }) {
  const canControl = useRingside(selectCanControl);
  const destroySocket = useRingside((s) => s.destroySocket);
  const [armed, setArmed] = useState(false);
  const origin = `destroy:${socketId}`;
  return (
    <span className="row">
      <button
        type="button"
        className={armed ? 'danger' : ''}
        data-testid="destroy-socket"
        disabled={!canControl}
        onBlur={() => setArmed(false)}
        onClick={() => {
          if (!armed) return setArmed(true);
          setArmed(false);
          destroySocket(socketId, origin);
        }}
      >
        {armed ? `Really destroy ${socketId}?` : 'Destroy socket'}
      </button>
      <Outcome origin={origin} />
    </span>
  );
}

/**
 * The FAQ's corrupted packets, on demand. The agent refuses until asked
 * deliberately, and says why; that refusal is the lesson's first half.
 */
function FeedSameFrame({ socketId }: { socketId: string }) {
  const canControl = useRingside(selectCanControl);
  const command = useRingside((s) => s.command);
  const origin = `same-frame:${socketId}`;
  const outcome = useRingside((s) => s.outcomes[origin]);
  const [deliberately, setDeliberately] = useState(false);
  const problems = outcome?.state === 'refused' ? (outcome.problems ?? []) : [];
  return (
    <fieldset className="teaching" data-testid="feed-same-frame">
      <legend>
        Teaching: one frame in FILL and TX at once <ExplainButton topic="view:same-frame" />
      </legend>
      <div className="row">
        <button
          type="button"
          data-testid="feed-same-frame-button"
          disabled={!canControl || outcome?.state === 'pending'}
          onClick={() => command({ type: 'feedSameFrame', socketId, deliberately }, origin)}
        >
          Feed one frame to FILL and TX
        </button>
        <label>
          <input
            type="checkbox"
            data-testid="feed-same-frame-deliberately"
            checked={deliberately}
            disabled={!canControl}
            onChange={(event) => setDeliberately(event.target.checked)}
          />
          do it deliberately
        </label>
      </div>
      <p className="muted">
        The frame needs a free FILL entry: pause Refill FILL for a moment (Rings view) or the feed waits for one. Pause
        the traffic too, and the double ownership stays on screen until you resume it.
      </p>
      <p className="problem" data-testid="feed-same-frame-refusal">
        {problems.length > 0
          ? problems.map((problem) => problem.message).join(' · ')
          : outcome?.state === 'refused'
            ? outcome.message
            : ''}
      </p>
      <p className="outcome" data-testid="feed-same-frame-outcome" data-state={outcome?.state ?? 'none'}>
        {outcome?.state === 'done'
          ? 'Fed. The ledger’s violations (top of the page) name the frame; inspect it to watch a received frame overwrite it.'
          : ''}
      </p>
    </fieldset>
  );
}
