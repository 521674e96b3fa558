import type { ChannelRow, ChannelSeriesName } from '../../../main/common/models.js';
import type { ChannelPoint } from '../../channels/channel-detail-model.js';
import { formatBytesPerSecond, formatCount, formatRate } from '../../format.js';
import { TimeSeriesPlot } from '../time-series-plot.js';

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
            <TimeSeriesPlot
              points={points}
              series={spec.series}
              format={spec.format}
              decimals={spec.decimals}
              empty="No history: the console keeps it for the hottest channels only, a point a second."
              emptyClassName="channel-chart-empty"
            />
          </div>
        </figure>
      ))}
    </div>
  );
}
