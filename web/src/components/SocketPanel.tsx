import { Stage, XDP_STATISTICS_FIELDS, XDP_STATISTICS_NAMES } from '@ringside/shared';
import { useShallow } from 'zustand/react/shallow';
import { useCounterLooks } from '../counter-looks.ts';
import { STAGE_LABELS } from '../explain.ts';
import { selectAttached, selectCanControl, selectSample, selectSocket, useRingside } from '../store.ts';
import { AttachedKernelView, AttachedMark, AttachedOwnership } from './AttachedSocket.tsx';
import { DiagnosisVerdict } from './DiagnosisVerdict.tsx';
import { ExplainButton } from './Explain.tsx';
import { KernelMismatches } from './KernelView.tsx';
import { RingRow } from './RingRow.tsx';

export { RISING_WINDOW_MS } from '../counter-looks.ts';

/**
 * One observed socket: an own one with its stage controls, or another
 * process's, attached read-only, with no control at all and the kernel's
 * view of it in their place.
 */
export function SocketPanel({ socketId }: { socketId: string }) {
  const own = useRingside((s) => selectSocket(s, socketId) !== undefined);
  const attached = useRingside((s) => selectAttached(s, socketId) !== undefined);
  const sampled = useRingside((s) => selectSample(s, socketId) !== undefined);
  if (!own && !attached) return null;
  return (
    <section className="panel" data-testid={`socket-${socketId}`} data-origin={own ? 'own' : 'attached'}>
      <SocketHead socketId={socketId} />
      <DataPlaneDown socketId={socketId} />
      <KernelMismatches socketId={socketId} />
      <DiagnosisVerdict socketId={socketId} />
      {own && <StageControls socketId={socketId} />}
      {sampled ? (
        <div className="socket-body">
          <RingRow socketId={socketId} />
          <SocketStats socketId={socketId} />
          {attached && <AttachedOwnership socketId={socketId} />}
          {attached && <AttachedKernelView socketId={socketId} />}
        </div>
      ) : (
        <p className="muted">Waiting for the first snapshot…</p>
      )}
    </section>
  );
}

/** A socket whose worker kept crashing: its rings stand still for good, not for a moment, and the page says why. */
function DataPlaneDown({ socketId }: { socketId: string }) {
  const dataPlane = useRingside((s) => selectSocket(s, socketId)?.dataPlane);
  // A view-only page or a replay cannot reconfigure anything: it is not told to.
  const canControl = useRingside(selectCanControl);
  if (dataPlane?.state !== 'down') return null;
  return (
    <p className="notice" data-testid="dataplane-down">
      <span className="notice-code">data plane down</span>
      <span className="notice-message">
        since {new Date(dataPlane.since).toLocaleTimeString()}: {dataPlane.reason}.
        {canControl && ' Reconfigure the socket to start it again.'}
      </span>
    </p>
  );
}

export function SocketHead({ socketId }: { socketId: string }) {
  const info = useRingside((s) => selectSocket(s, socketId));
  const attached = useRingside((s) => selectAttached(s, socketId) !== undefined);
  if (attached)
    return (
      <header className="panel-head">
        <h2>{socketId}</h2>
        <AttachedMark socketId={socketId} />
        <SocketRates socketId={socketId} />
      </header>
    );
  if (!info) return null;
  const { config } = info;
  return (
    <header className="panel-head">
      <h2>{socketId}</h2>
      <span className="muted" data-testid="socket-config">
        {config.ifname} queue {config.queueId} · {config.xdpMode} · {info.zeroCopyActive ? 'zero-copy' : 'copy'} ·{' '}
        need_wakeup {config.needWakeup ? 'on' : 'off'} · <span data-testid="socket-workload">{info.workload}</span>
      </span>
      <SocketRates socketId={socketId} />
    </header>
  );
}

function SocketRates({ socketId }: { socketId: string }) {
  const rates = useRingside(useShallow((s) => selectSample(s, socketId)?.rates ?? null));
  if (!rates) return null;
  return (
    <span className="rates">
      <span>
        <span className="num" data-testid="rx-pps">
          {Math.round(rates.rxPps)}
        </span>{' '}
        rx pps
      </span>
      <span>
        <span className="num" data-testid="tx-pps">
          {Math.round(rates.txPps)}
        </span>{' '}
        tx pps
      </span>
      {rates.rxBps !== null && rates.txBps !== null && (
        <span>
          <span className="num">{((rates.rxBps + rates.txBps) / 1e6).toFixed(1)}</span> MB/s
        </span>
      )}
    </span>
  );
}

/** Pause, resume and step each hand-over of the data plane. */
function StageControls({ socketId }: { socketId: string }) {
  const paused = useRingside(useShallow((s) => selectSample(s, socketId)?.pausedStages ?? []));
  const canControl = useRingside(selectCanControl);
  const setStages = useRingside((s) => s.setStages);
  const step = useRingside((s) => s.step);
  const outcome = useRingside((s) => s.outcomes[`stages:${socketId}`]);
  return (
    <div className="stages" data-testid="stage-controls">
      {Stage.options.map((stage) => {
        const isPaused = paused.includes(stage);
        return (
          <span key={stage} className="stage">
            <button
              type="button"
              data-testid={`stage-${stage}`}
              aria-pressed={isPaused}
              disabled={!canControl}
              onClick={() => setStages(socketId, [stage], !isPaused)}
            >
              {isPaused ? '▶' : '❚❚'} {STAGE_LABELS[stage].label}
            </button>
            <ExplainButton topic={`stage:${stage}`} />
          </span>
        );
      })}
      <button type="button" data-testid="step" disabled={!canControl} onClick={() => step(socketId)}>
        Step
      </button>
      <span className="outcome" data-testid="stage-outcome">
        {outcome?.state === 'refused' ? outcome.message : ''}
      </span>
    </div>
  );
}

function SocketStats({ socketId }: { socketId: string }) {
  const stats = useRingside(useShallow((s) => selectSample(s, socketId)?.stats ?? null));
  const looks = useCounterLooks(socketId);
  if (!stats) return null;
  return (
    <table className="stats">
      <caption>
        XDP_STATISTICS <ExplainButton topic="view:counters" />
      </caption>
      <tbody>
        {XDP_STATISTICS_FIELDS.map((field) => {
          const look = looks[field];
          return (
            <tr
              key={field}
              data-testid={`stat-${field}-row`}
              data-rising={look.rising}
              data-highlighted={look.highlighted}
              className={look.highlighted ? 'rising' : look.rising ? 'expected' : ''}
            >
              <th scope="row">
                {XDP_STATISTICS_NAMES[field]} <ExplainButton topic={`stat:${field}`} />
                <div className="why" data-testid={`stat-${field}-why`}>
                  {look.text}
                </div>
              </th>
              <td data-testid={`stat-${field}`}>{stats[field]}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
