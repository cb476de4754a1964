import { XDP_STATISTICS_FIELDS, type XdpStatistics } from '@ringside/shared';
import { useCounterLooks } from '../counter-looks.ts';
import { STAT_NAMES } from '../explain.ts';
import { HISTORY_MS, historyOf, RATE_FIELDS, type SeriesField, useHistory } from '../history.ts';
import { useSelection } from '../selection.ts';
import { type ChartFrame, chartModel } from '../viz/chart.ts';
import { ExplainButton } from './Explain.tsx';
import { SocketHead } from './SocketPanel.tsx';

const RATE_LABELS: Record<(typeof RATE_FIELDS)[number], string> = {
  rxPps: 'RX packets/s',
  txPps: 'TX packets/s',
  rxBps: 'RX bytes/s',
  txBps: 'TX bytes/s',
};

export function CountersPanel({ socketId }: { socketId: string }) {
  return (
    <section className="panel" data-testid={`counters-${socketId}`}>
      <SocketHead socketId={socketId} />
      <div className="charts">
        {RATE_FIELDS.map((field) => (
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
  /** XDP_STATISTICS counters only rise: one that does is explained, and highlighted unless the workload raises it. */
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
  const looks = useCounterLooks(socketId);
  const look = statistic ? looks[field as keyof XdpStatistics] : null;
  return (
    <figure
      className={look?.highlighted ? 'chart rising' : look?.rising ? 'chart expected' : 'chart'}
      data-testid={`chart-${field}`}
      data-rising={look?.rising ?? false}
      data-highlighted={look?.highlighted ?? false}
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
          {look?.text}
        </div>
      )}
    </figure>
  );
}
