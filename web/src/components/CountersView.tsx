import { XDP_STATISTICS_FIELDS } from '@ringside/shared';
import { STAT_EXPLANATIONS, STAT_NAMES } from '../explain.ts';
import { HISTORY_MS, historyOf, RATE_FIELDS, type SeriesField, useHistory } from '../history.ts';
import { useSelection } from '../selection.ts';
import { selectAttached, useRingside } from '../store.ts';
import { type ChartFrame, chartModel } from '../viz/chart.ts';
import { rose } from '../viz/time-series.ts';
import { ExplainButton } from './Explain.tsx';
import { RISING_WINDOW_MS, SocketHead } from './SocketPanel.tsx';

const RATE_LABELS: Record<(typeof RATE_FIELDS)[number], string> = {
  rxPps: 'RX packets/s',
  txPps: 'TX packets/s',
  rxBps: 'RX bytes/s',
  txBps: 'TX bytes/s',
};

export function CountersPanel({ socketId }: { socketId: string }) {
  // An attached socket's bytes are in its application's descriptors: no byte rates to chart.
  const attached = useRingside((s) => selectAttached(s, socketId) !== undefined);
  const rates = attached ? RATE_FIELDS.filter((field) => field === 'rxPps' || field === 'txPps') : RATE_FIELDS;
  return (
    <section className="panel" data-testid={`counters-${socketId}`}>
      <SocketHead socketId={socketId} />
      <div className="charts">
        {rates.map((field) => (
          <Chart key={field} socketId={socketId} field={field} label={RATE_LABELS[field]} />
        ))}
        {XDP_STATISTICS_FIELDS.map((field) => (
          <Chart key={field} socketId={socketId} field={field} label={STAT_NAMES[field]} statistic />
        ))}
      </div>
    </section>
  );
}

interface ChartProps {
  socketId: string;
  field: SeriesField;
  label: string;
  /** XDP_STATISTICS counters only rise: one that does is highlighted and explained. */
  statistic?: boolean;
}

function Chart({ socketId, field, label, statistic = false }: ChartProps) {
  const presenter = useSelection((s) => s.presenter);
  // The history publishes a new version a few times a second; charts follow it, not every snapshot.
  useHistory((s) => s.version);
  const frame: ChartFrame = presenter
    ? { width: 380, height: 150, left: 48, right: 16, bottom: 20 }
    : { width: 290, height: 110, left: 42, right: 14, bottom: 18 };
  const series = historyOf(socketId);
  const now = series?.lastTime() ?? 0;
  const model = series ? chartModel(series, field, frame, now, HISTORY_MS) : null;
  const rising = statistic && series !== undefined && rose(series, field, RISING_WINDOW_MS);
  return (
    <figure
      className={rising ? 'chart rising' : 'chart'}
      data-testid={`chart-${field}`}
      data-rising={rising}
      data-latest={model?.latest ?? ''}
    >
      <figcaption>
        <span className="chart-label">{label}</span>
        {statistic && <ExplainButton topic={`stat:${field}`} />}
        <span className="num chart-latest">{model?.latest === null || !model ? '' : Math.round(model.latest)}</span>
      </figcaption>
      <svg width={frame.width} height={frame.height} role="img" aria-label={`${label} over the last minutes`}>
        {model?.yTicks.map((tick) => (
          <g key={`y${tick.label}`}>
            <line className="grid" x1={frame.left} x2={frame.width - frame.right} y1={tick.y} y2={tick.y} />
            <text className="axis" x={frame.left - 4} y={tick.y + 3} textAnchor="end">
              {tick.label}
            </text>
          </g>
        ))}
        {model?.xTicks.map((tick) => (
          <text key={`x${tick.label}`} className="axis" x={tick.x} y={frame.height - 4} textAnchor="middle">
            {tick.label}
          </text>
        ))}
        {model && <path className="series" d={model.path} />}
      </svg>
      {statistic && (
        <div className="why" data-testid={`chart-${field}-why`}>
          {rising ? STAT_EXPLANATIONS[field as keyof typeof STAT_EXPLANATIONS] : ''}
        </div>
      )}
    </figure>
  );
}
