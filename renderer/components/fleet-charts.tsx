import { useCallback, useMemo, useState } from 'react';
import {
  Area,
  AreaChart,
  Brush,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { FleetSeriesName } from '../../main/common/models.js';
import { formatBytesPerSecond, formatClock, formatCount, formatRate } from '../format.js';
import type { HistoryPoint } from '../stores/health-store.js';

/** The zoomed time range; null shows everything held. `followsLive` keeps the end on the newest point. */
type Zoom = { readonly startTime: number; readonly endTime: number; readonly followsLive: boolean } | null;

interface SeriesSpec {
  readonly key: FleetSeriesName;
  readonly label: string;
  /** A CSS colour, usually one of the --chart-N variables, so both themes apply. */
  readonly color: string;
}

interface ChartSpec {
  readonly name: string;
  readonly title: string;
  readonly kind: 'line' | 'stacked-area';
  readonly series: readonly SeriesSpec[];
  readonly format: (value: number) => string;
}

const CHARTS: readonly ChartSpec[] = [
  {
    name: 'connections',
    title: 'Connections',
    kind: 'line',
    series: [{ key: 'connectionsOpen', label: 'Open connections', color: 'var(--chart-1)' }],
    format: formatCount,
  },
  {
    name: 'bandwidth',
    title: 'Bandwidth',
    kind: 'line',
    series: [
      { key: 'bytesInPerSec', label: 'In', color: 'var(--chart-1)' },
      { key: 'bytesOutPerSec', label: 'Out', color: 'var(--chart-2)' },
    ],
    format: formatBytesPerSecond,
  },
  {
    name: 'messages',
    title: 'Messages/s',
    kind: 'line',
    series: [{ key: 'messagesPerSec', label: 'Messages/s', color: 'var(--chart-3)' }],
    format: formatRate,
  },
  {
    name: 'transports',
    title: 'Transport share',
    kind: 'stacked-area',
    series: [
      { key: 'openWebsocket', label: 'WebSocket', color: 'var(--chart-1)' },
      { key: 'openSse', label: 'SSE', color: 'var(--chart-2)' },
      { key: 'openLongPolling', label: 'Long polling', color: 'var(--chart-3)' },
    ],
    format: formatCount,
  },
  {
    name: 'abnormal-closes',
    title: 'Abnormal closes/s',
    kind: 'line',
    series: [{ key: 'abnormalClosesPerSec', label: 'Abnormal closes/s', color: 'var(--chart-4)' }],
    format: formatRate,
  },
];

const CHART_HEIGHT = 210;
const AXIS_TICK = { fill: 'var(--muted)', fontSize: 11 };
const TOOLTIP_STYLE = {
  background: 'var(--surface)',
  border: '1px solid var(--border)',
  color: 'var(--text)',
};

function indexesFor(zoom: Zoom, points: readonly HistoryPoint[]): { startIndex: number; endIndex: number } {
  const last = Math.max(0, points.length - 1);
  if (zoom === null) return { startIndex: 0, endIndex: last };
  let startIndex = points.findIndex((point) => point.time >= zoom.startTime);
  if (startIndex < 0) startIndex = 0;
  let endIndex = last;
  if (!zoom.followsLive) {
    const after = points.findIndex((point) => point.time > zoom.endTime);
    endIndex = after < 0 ? last : Math.max(startIndex, after - 1);
  }
  return { startIndex: Math.min(startIndex, endIndex), endIndex };
}

function FleetChart({
  spec,
  points,
  range,
  onRange,
}: {
  readonly spec: ChartSpec;
  readonly points: readonly HistoryPoint[];
  readonly range: { startIndex: number; endIndex: number };
  readonly onRange: (next: { startIndex?: number; endIndex?: number }) => void;
}) {
  const data = points as HistoryPoint[];
  const common = {
    data,
    // Room on the right for the brush's end label while a traveller moves.
    margin: { top: 8, right: 56, bottom: 0, left: 0 },
  };
  const axes = (
    <>
      <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
      <XAxis
        dataKey="time"
        tickFormatter={formatClock}
        tick={AXIS_TICK}
        stroke="var(--border)"
        minTickGap={40}
      />
      <YAxis
        tickFormatter={spec.format}
        tick={AXIS_TICK}
        stroke="var(--border)"
        width={72}
        allowDecimals={false}
      />
      <Tooltip
        labelFormatter={(label) => formatClock(Number(label))}
        formatter={(value) => spec.format(Number(value))}
        contentStyle={TOOLTIP_STYLE}
        isAnimationActive={false}
      />
      <Brush
        dataKey="time"
        height={22}
        stroke="var(--chart-1)"
        fill="var(--surface)"
        tickFormatter={formatClock}
        startIndex={range.startIndex}
        endIndex={range.endIndex}
        onChange={onRange}
      />
    </>
  );
  return (
    <figure
      className="chart panel"
      data-chart={spec.name}
      aria-label={`${spec.title} chart, last 15 minutes`}
    >
      <figcaption>
        {spec.title}
        <span className="chart-legend">
          {spec.series.map((series) => (
            <span key={series.key} className="chart-legend-item">
              <span className="chart-swatch" style={{ background: series.color }} aria-hidden="true" />
              {series.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="chart-body" style={{ height: CHART_HEIGHT }}>
        <ResponsiveContainer width="100%" height="100%">
          {spec.kind === 'line' ? (
            <LineChart {...common}>
              {axes}
              {spec.series.map((series) => (
                <Line
                  key={series.key}
                  dataKey={series.key}
                  name={series.label}
                  stroke={series.color}
                  strokeWidth={2}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              ))}
            </LineChart>
          ) : (
            <AreaChart {...common}>
              {axes}
              {spec.series.map((series) => (
                <Area
                  key={series.key}
                  dataKey={series.key}
                  name={series.label}
                  stackId="share"
                  stroke={series.color}
                  fill={series.color}
                  fillOpacity={0.35}
                  isAnimationActive={false}
                />
              ))}
            </AreaChart>
          )}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/**
 * The fleet's time series over the history held (15 minutes). Every chart's brush drives one
 * shared zoom, so the charts always show the same span; a zoom that reaches the newest point
 * keeps following live data.
 */
export function FleetCharts({ points }: { readonly points: readonly HistoryPoint[] }) {
  const [zoom, setZoom] = useState<Zoom>(null);
  const range = useMemo(() => indexesFor(zoom, points), [zoom, points]);
  const onRange = useCallback(
    (next: { startIndex?: number; endIndex?: number }) => {
      const last = points.length - 1;
      const startIndex = next.startIndex ?? 0;
      const endIndex = next.endIndex ?? last;
      const start = points[startIndex];
      const end = points[endIndex];
      if (!start || !end) return;
      if (startIndex === 0 && endIndex === last) setZoom(null);
      else setZoom({ startTime: start.time, endTime: end.time, followsLive: endIndex === last });
    },
    [points],
  );
  return (
    <div className="charts">
      {CHARTS.map((spec) => (
        <FleetChart key={spec.name} spec={spec} points={points} range={range} onRange={onRange} />
      ))}
    </div>
  );
}
