import { memo, type RefObject, useEffect, useMemo, useRef, useState } from 'react';
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
import { clockTicks } from './chart-ticks.js';
import './fleet-charts.css';

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
/** Time labels per axis: "14:05:09" is about 55 px wide at 11 px, so six fit the narrowest chart. */
const MAX_TIME_TICKS = 6;
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

/** The visible span's times and the clock ticks on it, shared by every chart. */
interface TimeAxis {
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
}

/** What every chart draws: the points, the brush's indexes on them and the time axis of that span. */
interface ChartView {
  readonly zoom: Zoom;
  readonly points: readonly HistoryPoint[];
  readonly range: { readonly startIndex: number; readonly endIndex: number };
  readonly timeAxis: TimeAxis;
}

function viewFor(points: readonly HistoryPoint[], zoom: Zoom): ChartView {
  const range = indexesFor(zoom, points);
  const start = points[range.startIndex]?.time ?? 0;
  const end = points[range.endIndex]?.time ?? start;
  return {
    zoom,
    points,
    range,
    timeAxis: { domain: [start, end], ticks: clockTicks(start, end, MAX_TIME_TICKS) },
  };
}

/** The zoom a brush change asks for: null for everything, undefined when the indexes are out of range. */
function zoomFor(
  next: { startIndex?: number; endIndex?: number },
  points: readonly HistoryPoint[],
): Zoom | undefined {
  const last = points.length - 1;
  const startIndex = next.startIndex ?? 0;
  const endIndex = next.endIndex ?? last;
  const start = points[startIndex];
  const end = points[endIndex];
  if (!start || !end) return undefined;
  if (startIndex === 0 && endIndex === last) return null;
  return { startTime: start.time, endTime: end.time, followsLive: endIndex === last };
}

/**
 * A chart out of view redraws once per this much new history instead of every second: a
 * recharts redraw costs tens of ms a chart, and at 1280×800 most charts sit below the fold.
 * Often enough that a quick scroll or a full-page screenshot never finds one empty or far behind.
 */
const OFFSCREEN_REDRAW_MS = 5_000;
/**
 * New history reaches the charts one after another, this far apart, so the page paints between
 * them: five redraws in one task were a 130 ms frame every second at 500 nodes. A zoom still
 * redraws every chart at once, so the brushes move together.
 */
const STAGGER_MS = 90;
/** How close to the viewport a chart counts as in view, so it is current before it shows. */
const NEAR_VIEWPORT_MARGIN = '200px 0px';

function newestTime(view: ChartView): number {
  return view.points.at(-1)?.time ?? Number.NEGATIVE_INFINITY;
}

/** Whether the element is within {@link NEAR_VIEWPORT_MARGIN} of the viewport; true until measured. */
function useNearViewport(ref: RefObject<Element | null>): boolean {
  const [near, setNear] = useState(true);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) setNear(entry.isIntersecting);
      },
      { rootMargin: NEAR_VIEWPORT_MARGIN },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return near;
}

/**
 * The view a chart draws: while near the viewport, every zoom at once and new history after
 * `delayMs`; out of view, one change per {@link OFFSCREEN_REDRAW_MS} of history.
 */
function useDrawnView(view: ChartView, near: boolean, delayMs: number): ChartView {
  const [drawn, setDrawn] = useState(view);
  const stale = drawn !== view;
  const now = stale && (drawn.zoom !== view.zoom || drawn.points.length === 0 || delayMs === 0);
  const due = near || Math.abs(newestTime(view) - newestTime(drawn)) >= OFFSCREEN_REDRAW_MS;
  // Adjusting state while rendering (React's pattern for derived state): no extra effect pass.
  if (stale && due && now) setDrawn(view);
  useEffect(() => {
    if (!stale || !due || now) return;
    const timer = setTimeout(() => setDrawn(view), delayMs);
    return () => clearTimeout(timer);
  }, [stale, due, now, view, delayMs]);
  return due && now ? view : drawn;
}

const FleetChart = memo(function FleetChart({
  spec,
  view,
  delayMs,
  onZoom,
}: {
  readonly spec: ChartSpec;
  readonly view: ChartView;
  /** How long after new history this chart redraws; see {@link STAGGER_MS}. */
  readonly delayMs: number;
  readonly onZoom: (zoom: Zoom) => void;
}) {
  const figureRef = useRef<HTMLElement>(null);
  const near = useNearViewport(figureRef);
  const drawn = useDrawnView(view, near, delayMs);
  return (
    <figure
      ref={figureRef}
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
      <ChartBody spec={spec} view={drawn} onZoom={onZoom} />
    </figure>
  );
});

const ChartBody = memo(function ChartBody({
  spec,
  view,
  onZoom,
}: {
  readonly spec: ChartSpec;
  readonly view: ChartView;
  readonly onZoom: (zoom: Zoom) => void;
}) {
  const { points, range, timeAxis } = view;
  const onRange = (next: { startIndex?: number; endIndex?: number }) => {
    const zoom = zoomFor(next, points);
    if (zoom !== undefined) onZoom(zoom);
  };
  const data = points as HistoryPoint[];
  const common = {
    data,
    // Room on the right for the brush's end label while a traveller moves.
    margin: { top: 8, right: 56, bottom: 0, left: 0 },
  };
  const axes = (
    <>
      <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
      {/* A number axis with our own ticks: recharts measures every label of a 900-point category axis. */}
      <XAxis
        dataKey="time"
        type="number"
        domain={timeAxis.domain as [number, number]}
        ticks={timeAxis.ticks as number[]}
        allowDataOverflow
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
  );
});

/**
 * The fleet's time series over the history held (15 minutes). Every chart's brush drives one
 * shared zoom, so the charts always show the same span; a zoom that reaches the newest point
 * keeps following live data.
 */
export const FleetCharts = memo(function FleetCharts({
  points,
}: {
  readonly points: readonly HistoryPoint[];
}) {
  const [zoom, setZoom] = useState<Zoom>(null);
  const view = useMemo(() => viewFor(points, zoom), [points, zoom]);
  return (
    <div className="charts">
      {CHARTS.map((spec, index) => (
        <FleetChart key={spec.name} spec={spec} view={view} delayMs={index * STAGGER_MS} onZoom={setZoom} />
      ))}
    </div>
  );
});
