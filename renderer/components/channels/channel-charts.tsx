import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChannelRow, ChannelSeriesName } from '../../../main/common/models.js';
import type { ChannelPoint } from '../../channels/channel-detail-model.js';
import { formatBytesPerSecond, formatClock, formatCount, formatRate } from '../../format.js';
import { clockTicks } from '../chart-ticks.js';

interface SeriesSpec {
  readonly key: ChannelSeriesName;
  readonly label: string;
  /** A CSS colour, one of the --chart-N variables, so both schemes apply. */
  readonly color: string;
  /** The live figure in the caption. */
  readonly live: (row: ChannelRow) => number;
}

interface ChartSpec {
  readonly name: string;
  readonly title: string;
  readonly series: readonly SeriesSpec[];
  readonly format: (value: number) => string;
  /** False for counts, whose axis should not show half a subscriber. */
  readonly decimals: boolean;
}

const CHARTS: readonly ChartSpec[] = [
  {
    name: 'publish',
    title: 'Publish/s',
    series: [
      { key: 'publishPerSec', label: 'Published', color: 'var(--chart-1)', live: (row) => row.publishPerSec },
    ],
    format: formatRate,
    decimals: true,
  },
  {
    name: 'deliveries',
    title: 'Deliveries/s',
    series: [
      {
        key: 'deliveriesPerSec',
        label: 'Delivered',
        color: 'var(--chart-2)',
        live: (row) => row.deliveriesPerSec,
      },
    ],
    format: formatRate,
    decimals: true,
  },
  {
    name: 'bandwidth',
    title: 'Bytes/s',
    series: [
      { key: 'bytesOutPerSec', label: 'Out', color: 'var(--chart-2)', live: (row) => row.bytesOutPerSec },
      { key: 'bytesInPerSec', label: 'In', color: 'var(--chart-1)', live: (row) => row.bytesInPerSec },
    ],
    format: formatBytesPerSecond,
    decimals: true,
  },
  {
    name: 'subscribers',
    title: 'Subscribers',
    series: [
      { key: 'subscribers', label: 'Subscribers', color: 'var(--chart-3)', live: (row) => row.subscribers },
    ],
    format: formatCount,
    decimals: false,
  },
];

const CHART_HEIGHT = 150;
/** Time labels per axis: "14:05:09" is about 55 px wide at 11 px. */
const MAX_TIME_TICKS = 4;
const AXIS_TICK = { fill: 'var(--muted)', fontSize: 11 };
const TOOLTIP_STYLE = {
  background: 'var(--surface)',
  border: '1px solid var(--border)',
  color: 'var(--text)',
};

/** The plot alone, memoized on its points: the live figures in the caption change on their own. */
const Plot = memo(function Plot({
  spec,
  points,
  ticks,
}: {
  readonly spec: ChartSpec;
  readonly points: readonly ChannelPoint[];
  readonly ticks: readonly number[];
}) {
  if (points.length === 0) {
    return (
      <p className="empty-state channel-chart-empty">
        No history: the console keeps it for the hottest channels only, a point a second.
      </p>
    );
  }
  const start = points[0]?.time ?? 0;
  const end = points.at(-1)?.time ?? start;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={points as ChannelPoint[]} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
        {/* A number axis with our own ticks: recharts would measure every label of a 900-point category axis. */}
        <XAxis
          dataKey="time"
          type="number"
          domain={[start, end]}
          ticks={ticks as number[]}
          tickFormatter={formatClock}
          tick={AXIS_TICK}
          stroke="var(--border)"
        />
        <YAxis
          tickFormatter={spec.format}
          tick={AXIS_TICK}
          stroke="var(--border)"
          width={68}
          allowDecimals={spec.decimals}
        />
        <Tooltip
          labelFormatter={(label) => formatClock(Number(label))}
          formatter={(value) => spec.format(Number(value))}
          contentStyle={TOOLTIP_STYLE}
          isAnimationActive={false}
        />
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
    </ResponsiveContainer>
  );
});

/**
 * The channel over the history the console keeps (up to 15 minutes at 1 s): publish, deliveries,
 * bytes out and in, subscribers; captions carry the live figures.
 */
export function ChannelCharts({
  points,
  now,
}: {
  readonly points: readonly ChannelPoint[];
  readonly now: ChannelRow | null;
}) {
  const ticks = useMemo(
    () => clockTicks(points[0]?.time ?? 0, points.at(-1)?.time ?? 0, MAX_TIME_TICKS),
    [points],
  );
  return (
    <div className="channel-charts">
      {CHARTS.map((spec) => (
        <figure
          key={spec.name}
          className="chart panel channel-chart"
          data-chart={spec.name}
          aria-label={`${spec.title} chart, up to the last 15 minutes`}
        >
          <figcaption>
            {spec.title}
            <span className="chart-legend">
              {spec.series.map((series) => (
                <span key={series.key} className="chart-legend-item" data-series={series.key}>
                  <span className="chart-swatch" style={{ background: series.color }} aria-hidden="true" />
                  <span className={spec.series.length > 1 ? undefined : 'visually-hidden'}>
                    {series.label}
                  </span>{' '}
                  <span className="channel-chart-value">
                    {now === null ? '—' : spec.format(series.live(now))}
                  </span>
                </span>
              ))}
            </span>
          </figcaption>
          <div className="chart-body" style={{ height: CHART_HEIGHT }}>
            <Plot spec={spec} points={points} ticks={ticks} />
          </div>
        </figure>
      ))}
    </div>
  );
}
