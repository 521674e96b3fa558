import type { ReactNode } from 'react';
import type { NodeSeriesName } from '../../../main/common/models.js';
import type { NodePoint } from '../../detail/node-history.js';
import {
  formatBytes,
  formatBytesPerSecond,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
} from '../../format.js';
import { TimeSeriesPlot } from '../time-series-plot.js';

interface SeriesSpec {
  readonly key: NodeSeriesName;
  readonly label: string;
  /** A CSS colour, one of the --chart-N variables, so both schemes apply. */
  readonly color: string;
}

interface ChartSpec {
  readonly name: string;
  readonly title: string;
  readonly series: readonly SeriesSpec[];
  readonly format: (value: number) => string;
  /** What the figure is, when the title alone does not say: a tooltip on the caption. */
  readonly note?: string;
  /** False for counts, whose axis should not show 0.5 of a connection. */
  readonly decimals: boolean;
}

/** The node's charts, in the order they are laid out (four to a row). */
const CHARTS: readonly ChartSpec[] = [
  {
    name: 'connections',
    title: 'Connections',
    series: [{ key: 'connectionsOpen', label: 'Open connections', color: 'var(--chart-1)' }],
    format: formatCount,
    decimals: false,
  },
  {
    name: 'bandwidth',
    title: 'Bandwidth',
    series: [
      { key: 'bytesInPerSec', label: 'In', color: 'var(--chart-1)' },
      { key: 'bytesOutPerSec', label: 'Out', color: 'var(--chart-2)' },
    ],
    format: formatBytesPerSecond,
    decimals: true,
  },
  {
    name: 'messages',
    title: 'Messages/s in + out',
    series: [{ key: 'messagesPerSec', label: 'Messages/s', color: 'var(--chart-3)' }],
    format: formatRate,
    decimals: true,
  },
  {
    name: 'abnormal-closes',
    title: 'Abnormal closes/s',
    series: [{ key: 'abnormalClosesPerSec', label: 'Abnormal closes/s', color: 'var(--chart-4)' }],
    format: formatRate,
    note: 'Closes with a code other than 1000 (normal), 1001 (going away) and 1012 (service restart)',
    decimals: true,
  },
  {
    name: 'loop-delay',
    title: 'Event-loop delay p99',
    series: [{ key: 'loopDelayP99Ms', label: 'p99 delay', color: 'var(--chart-2)' }],
    format: formatMs,
    decimals: true,
  },
  {
    name: 'cpu',
    title: 'CPU, % of one core',
    series: [{ key: 'cpu', label: 'CPU', color: 'var(--chart-1)' }],
    format: formatPercent,
    decimals: true,
  },
  {
    name: 'memory',
    title: 'Memory (RSS)',
    series: [{ key: 'rssBytes', label: 'RSS', color: 'var(--chart-3)' }],
    format: formatBytes,
    decimals: true,
  },
];

const CHART_HEIGHT = 150;

function NodeChart({
  spec,
  points,
  live,
}: {
  readonly spec: ChartSpec;
  readonly points: readonly NodePoint[];
  readonly live: Readonly<Record<NodeSeriesName, number | null>>;
}) {
  return (
    <figure
      className="chart panel node-chart"
      data-chart={spec.name}
      aria-label={`${spec.title} chart, last 15 minutes`}
    >
      <figcaption title={spec.note}>
        {spec.title}
        <span className="chart-legend">
          {spec.series.map((series) => (
            <span key={series.key} className="chart-legend-item" data-series={series.key}>
              <span className="chart-swatch" style={{ background: series.color }} aria-hidden="true" />
              {/* One series: the title names it; the label stays for screen readers. */}
              <span className={spec.series.length > 1 ? undefined : 'visually-hidden'}>{series.label}</span>{' '}
              <span className="node-chart-value">{spec.format(live[series.key] ?? Number.NaN)}</span>
            </span>
          ))}
        </span>
      </figcaption>
      <div className="chart-body" style={{ height: CHART_HEIGHT }}>
        <TimeSeriesPlot
          points={points}
          series={spec.series}
          format={spec.format}
          decimals={spec.decimals}
          empty="Collecting history: a point arrives every second."
          emptyClassName="node-chart-empty"
        />
      </div>
    </figure>
  );
}

/**
 * The node's series over the history held (15 minutes at 1 s): connections, bandwidth,
 * messages, abnormal closes, loop delay, CPU and memory. Captions carry the live figures.
 * `extra` takes the grid's last cell (the transport share).
 */
export function NodeCharts({
  points,
  live,
  extra,
}: {
  readonly points: readonly NodePoint[];
  readonly live: Readonly<Record<NodeSeriesName, number | null>>;
  readonly extra?: ReactNode;
}) {
  return (
    <div className="node-detail-charts">
      {CHARTS.map((spec) => (
        <NodeChart key={spec.name} spec={spec} points={points} live={live} />
      ))}
      {extra}
    </div>
  );
}
