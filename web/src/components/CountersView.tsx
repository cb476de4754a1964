import { XDP_STATISTICS_FIELDS, XDP_STATISTICS_NAMES } from '@ringside/shared';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { type CounterLooks, useCounterLooks } from '../counter-looks.ts';
import { HISTORY_MS, historyOf, RATE_FIELDS, type SeriesField, useHistory } from '../history.ts';
import { useSelection } from '../selection.ts';
import { selectAttached, useRingside } from '../store.ts';
import { type ChartFrame, formatCompact, historyChart, pointNear } from '../viz/chart.ts';
import { DoorbellCounts } from './DoorbellCounts.tsx';
import { ExplainButton } from './Explain.tsx';
import { SocketHead } from './SocketPanel.tsx';

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
  // Once for the panel, not once per chart: every counter's look comes from one pass over the history.
  const looks = useCounterLooks(socketId);
  return (
    <section className="panel" data-testid={`counters-${socketId}`}>
      <SocketHead socketId={socketId} />
      <DoorbellCounts socketId={socketId} />
      <div className="charts">
        {rates.map((field) => (
          <Chart key={field} socketId={socketId} field={field} label={RATE_LABELS[field]} />
        ))}
        {XDP_STATISTICS_FIELDS.map((field) => (
          <Chart
            key={field}
            socketId={socketId}
            field={field}
            label={XDP_STATISTICS_NAMES[field]}
            look={looks[field]}
          />
        ))}
      </div>
    </section>
  );
}

interface ChartProps {
  socketId: string;
  field: SeriesField;
  label: string;
  /**
   * Given for an XDP_STATISTICS counter, which only rises: one that does is
   * explained, and highlighted unless the workload raises it. The chart plots
   * how fast it rises (what a debugging engineer watches: drops per second
   * now, not since the socket opened), with the total beside it.
   */
  look?: CounterLooks[keyof CounterLooks];
}

/** The width a chart's container gives it, followed as the window or the layout changes. */
function useWidth(): [(element: HTMLElement | null) => void, number] {
  const [width, setWidth] = useState(0);
  const observer = useMemo(
    () =>
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(([entry]) => {
            if (entry) setWidth(Math.floor(entry.contentRect.width));
          }),
    [],
  );
  useEffect(() => () => observer?.disconnect(), [observer]);
  const ref = useCallback(
    (element: HTMLElement | null) => {
      observer?.disconnect();
      if (element) observer?.observe(element);
    },
    [observer],
  );
  return [ref, width];
}

function Chart({ socketId, field, label, look }: ChartProps) {
  const statistic = look !== undefined;
  const presenter = useSelection((s) => s.presenter);
  // The history publishes a new version a few times a second; charts follow it, not every snapshot.
  const version = useHistory((s) => s.version);
  const [boxRef, measured] = useWidth();
  const [pointerX, setPointerX] = useState<number | null>(null);
  const frame: ChartFrame = useMemo(
    () =>
      presenter
        ? { width: Math.max(200, measured), height: 150, left: 48, right: 16, bottom: 20 }
        : { width: Math.max(160, measured), height: 110, left: 42, right: 14, bottom: 18 },
    [presenter, measured],
  );
  // A pointer move draws the readout again, from the model as it is: the model is built for a new history or frame.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the series grows in place; its version says when it did.
  const model = useMemo(() => {
    const series = historyOf(socketId);
    return series ? historyChart(series, field, frame, HISTORY_MS, statistic ? 'rate' : 'value') : null;
  }, [version, socketId, field, frame, statistic]);
  const total = statistic ? (historyOf(socketId)?.last(field) ?? null) : null;
  const readout = model && pointerX !== null ? pointNear(model, pointerX) : null;
  const unit = statistic ? '/s' : '';
  return (
    <figure
      ref={boxRef}
      className={look?.highlighted ? 'chart rising' : look?.rising ? 'chart expected' : 'chart'}
      data-testid={`chart-${field}`}
      data-rising={look?.rising ?? false}
      data-highlighted={look?.highlighted ?? false}
      data-latest={model?.latest ?? ''}
      data-points={model?.points.length ?? 0}
    >
      <figcaption>
        <span className="chart-label">
          {label}
          {unit}
        </span>
        {statistic && <ExplainButton topic={`stat:${field}`} />}
        <span className="num chart-latest">
          {model?.latest === null || !model ? '' : `${formatCompact(model.latest)}${unit}`}
        </span>
        {total !== null && (
          <span className="num muted chart-total" data-testid={`chart-${field}-total`}>
            total {total}
          </span>
        )}
      </figcaption>
      <svg
        width={frame.width}
        height={frame.height}
        role="img"
        aria-label={`${label}${statistic ? ' per second' : ''} over the last minutes`}
        onPointerMove={(event) => setPointerX(event.clientX - event.currentTarget.getBoundingClientRect().left)}
        onPointerLeave={() => setPointerX(null)}
      >
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
        {readout && (
          <g className="readout">
            <line x1={readout.x} x2={readout.x} y1={2} y2={frame.height - frame.bottom} />
            <circle cx={readout.x} cy={readout.y} r={3} />
            <text
              data-testid={`chart-${field}-readout`}
              data-value={readout.value}
              x={readout.x < frame.width / 2 ? readout.x + 6 : readout.x - 6}
              y={12}
              textAnchor={readout.x < frame.width / 2 ? 'start' : 'end'}
            >
              {formatCompact(readout.value)}
              {unit} · {readout.secondsAgo === 0 ? 'now' : `${readout.secondsAgo.toFixed(1)} s ago`}
            </text>
          </g>
        )}
      </svg>
      {statistic && (
        <div className="why" data-testid={`chart-${field}-why`}>
          {look?.text}
        </div>
      )}
    </figure>
  );
}
