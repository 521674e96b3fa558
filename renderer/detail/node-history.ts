/**
 * One node's history as the detail view holds it: points (rows) built from the columns that
 * `getHistory` returns, appended as polls bring more, and kept within the history's window.
 * Pure functions, no React, no DOM.
 */
import {
  NODE_SERIES,
  type NodeSeriesName,
  type NodeStatus,
  type NodeView,
  type SeriesColumns,
} from '../../main/common/models.js';

/** One tick of a node's history: its time (epoch ms) and a figure per series, null for a gap. */
export type NodePoint = { readonly time: number } & { readonly [N in NodeSeriesName]: number | null };

/** Turns columns into points, oldest first. A column shorter than `times` reads as gaps. */
export function pointsFromColumns(columns: SeriesColumns<NodeSeriesName>): NodePoint[] {
  return columns.times.map((time, index) => {
    const point: Record<string, number | null> = { time };
    for (const name of NODE_SERIES) point[name] = columns.series[name][index] ?? null;
    return point as NodePoint;
  });
}

/** Epoch ms of the newest point held, or undefined when none is: the `sinceMs` of the next poll. */
export function newestTime(points: readonly NodePoint[]): number | undefined {
  return points[points.length - 1]?.time;
}

/**
 * `held` followed by the points of `added` that are newer than the newest held, then only the
 * points within `windowMs` of the newest one. Returns `held` itself when nothing new came, so a
 * poll that found nothing does not re-render the charts.
 */
export function appendPoints(
  held: readonly NodePoint[],
  added: readonly NodePoint[],
  windowMs: number,
): readonly NodePoint[] {
  const newest = newestTime(held) ?? Number.NEGATIVE_INFINITY;
  // A point at or before the newest held is one we have (a poll that overlapped the previous one).
  const fresh = added.filter((point) => point.time > newest);
  if (fresh.length === 0) return held;
  const all = [...held, ...fresh];
  const last = all[all.length - 1] as NodePoint;
  const oldestKept = last.time - windowMs;
  const first = all.findIndex((point) => point.time > oldestKept);
  return first <= 0 ? all : all.slice(first);
}

const REPORTING: ReadonlySet<NodeStatus> = new Set(['active', 'draining', 'drained']);

/**
 * The node's figures now, series by series, from its live view: what the chart captions show.
 * Null where there is none; health of a node that is not reporting is stale, so null too.
 */
export function liveFigures(view: NodeView): Record<NodeSeriesName, number | null> {
  const { rates } = view;
  const health = REPORTING.has(view.status) ? view.health : null;
  return {
    connectionsOpen: view.connections?.open ?? null,
    bytesInPerSec: rates?.bytesInPerSec ?? null,
    bytesOutPerSec: rates?.bytesOutPerSec ?? null,
    messagesPerSec: rates ? rates.messagesInPerSec + rates.messagesOutPerSec : null,
    loopDelayP99Ms: health?.loopDelayP99Ms ?? null,
    cpu: health?.cpu ?? null,
    rssBytes: health?.rssBytes ?? null,
    abnormalClosesPerSec: rates?.abnormalClosesPerSec ?? null,
  };
}
