/**
 * One line chart over time in the project's chart style: a number time axis with our own clock
 * ticks (recharts would measure every label of a 900-point category axis), the value axis in the
 * chart's unit, a tooltip, one line per series, no animation. Used by the node detail and the
 * channel drill-down; the overview's charts (fleet-charts.tsx) add a brush and areas of their own.
 */
import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatClock } from '../format.js';
import { clockTicks } from './chart-ticks.js';

/** One line. */
export interface PlotSeries<Key extends string> {
  readonly key: Key;
  readonly label: string;
  /** A CSS colour, one of the --chart-N variables, so both schemes apply. */
  readonly color: string;
}

/** Time labels per axis: "14:05:09" is about 55 px wide at 11 px. */
const MAX_TIME_TICKS = 4;
const AXIS_TICK = { fill: 'var(--muted)', fontSize: 11 };
const TOOLTIP_STYLE = {
  background: 'var(--surface)',
  border: '1px solid var(--border)',
  color: 'var(--text)',
};

/** What {@link TimeSeriesPlot} draws. */
export interface TimeSeriesPlotProps<Key extends string> {
  /** Oldest first, each with `time` (epoch ms) and a value (or null, a gap) per series key. */
  readonly points: readonly ({ readonly time: number } & { readonly [K in Key]: number | null })[];
  readonly series: readonly PlotSeries<Key>[];
  readonly format: (value: number) => string;
  /** False for counts, whose axis should not show half a connection. */
  readonly decimals: boolean;
  /** What to say while there are no points, and the class of that paragraph. */
  readonly empty: string;
  readonly emptyClassName: string;
}

function Plot<Key extends string>({
  points,
  series,
  format,
  decimals,
  empty,
  emptyClassName,
}: TimeSeriesPlotProps<Key>) {
  const start = points[0]?.time ?? 0;
  const end = points.at(-1)?.time ?? start;
  const ticks = useMemo(() => clockTicks(start, end, MAX_TIME_TICKS), [start, end]);
  if (points.length === 0) return <p className={`empty-state ${emptyClassName}`}>{empty}</p>;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={points as object[]} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="time"
          type="number"
          domain={[start, end]}
          ticks={ticks}
          tickFormatter={formatClock}
          tick={AXIS_TICK}
          stroke="var(--border)"
        />
        <YAxis
          tickFormatter={format}
          tick={AXIS_TICK}
          stroke="var(--border)"
          width={68}
          allowDecimals={decimals}
        />
        <Tooltip
          labelFormatter={(label) => formatClock(Number(label))}
          formatter={(value) => format(Number(value))}
          contentStyle={TOOLTIP_STYLE}
          isAnimationActive={false}
        />
        {series.map((line) => (
          <Line
            key={line.key}
            dataKey={line.key}
            name={line.label}
            stroke={line.color}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            connectNulls={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

/** The plot alone, memoized on its points: captions with live figures change on their own. */
export const TimeSeriesPlot = memo(Plot) as typeof Plot;
