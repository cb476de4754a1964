import { RING_KINDS, type XdpStatistics } from '@ringside/shared';
import { useShallow } from 'zustand/react/shallow';
import { selectSample, useRingside } from '../store.ts';
import { RingView } from './RingView.tsx';

/** Field names as getsockopt(XDP_STATISTICS) documents them, which is what users search for. */
const STAT_LABELS: Record<keyof XdpStatistics, string> = {
  rxDropped: 'rx_dropped',
  rxInvalidDescs: 'rx_invalid_descs',
  txInvalidDescs: 'tx_invalid_descs',
  rxRingFull: 'rx_ring_full',
  rxFillRingEmptyDescs: 'rx_fill_ring_empty_descs',
  txRingEmptyDescs: 'tx_ring_empty_descs',
};
const STAT_FIELDS = Object.keys(STAT_LABELS) as (keyof XdpStatistics)[];

export function SocketPanel({ socketId }: { socketId: string }) {
  const info = useRingside((s) => s.agentState?.sockets.find((socket) => socket.id === socketId));
  const sampled = useRingside((s) => selectSample(s, socketId) !== undefined);
  if (!info) return null;
  const { config } = info;

  return (
    <section className="panel" data-testid={`socket-${socketId}`}>
      <header className="panel-head">
        <h2>{socketId}</h2>
        <span className="muted">
          {config.ifname} queue {config.queueId} · {config.xdpMode} · {info.zeroCopyActive ? 'zero-copy' : 'copy'} ·{' '}
          {info.workload}
        </span>
        <SocketRates socketId={socketId} />
      </header>
      {sampled ? (
        <div className="socket-body">
          <div className="rings">
            {RING_KINDS.map((kind) => (
              <RingView key={kind} socketId={socketId} kind={kind} />
            ))}
          </div>
          <SocketStats socketId={socketId} />
        </div>
      ) : (
        <p className="muted">Waiting for the first snapshot…</p>
      )}
    </section>
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
        <span className="num">{(rates.rxBps / 1e6).toFixed(1)}</span> MB/s
      </span>
    </span>
  );
}

function SocketStats({ socketId }: { socketId: string }) {
  const stats = useRingside(useShallow((s) => selectSample(s, socketId)?.stats ?? null));
  if (!stats) return null;
  return (
    <table className="stats">
      <caption>XDP_STATISTICS</caption>
      <tbody>
        {STAT_FIELDS.map((field) => (
          <tr key={field}>
            <th scope="row">{STAT_LABELS[field]}</th>
            <td data-testid={`stat-${field}`}>{stats[field]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
