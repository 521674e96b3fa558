import { useEffect, useState } from 'react';
import { MAX_SPARKLINE_NODES, type NodeSeriesName } from '../../main/common/models.js';
import type { ViewApi } from '../app.js';

/** Node id → the newest values of a series, oldest first; nulls are gaps. */
export type SparklineValues = ReadonlyMap<string, readonly (number | null)[]>;

const NO_SPARKLINES: SparklineValues = new Map();

/** How the hook fetches. */
export interface SparklineOptions {
  readonly series: NodeSeriesName;
  readonly points: number;
  /** Refetch this often while the rows stay the same. */
  readonly refreshMs: number;
  /** Wait this long after the rows change (scrolling) before fetching. */
  readonly debounceMs: number;
}

/**
 * Sparkline values for the rows on screen (`nodeIds`, at most {@link MAX_SPARKLINE_NODES} are
 * asked for): fetched shortly after the rows change and refreshed on an interval. Values of
 * rows that scrolled away are kept, so scrolling back shows a line at once; a failed fetch keeps
 * the last lines (the connection banner reports a broken link).
 */
export function useSparklines(
  api: Pick<ViewApi, 'getSparklines'>,
  nodeIds: readonly string[],
  options: SparklineOptions,
): SparklineValues {
  const [values, setValues] = useState<SparklineValues>(NO_SPARKLINES);
  const { series, points, refreshMs, debounceMs } = options;
  // A string key: a new array with the same ids must not restart the timers.
  const idsKey = nodeIds.slice(0, MAX_SPARKLINE_NODES).join('\n');

  useEffect(() => {
    const ids = idsKey === '' ? [] : idsKey.split('\n');
    if (ids.length === 0) return;
    let disposed = false;
    const fetchValues = () => {
      api.getSparklines(ids, series, points).then(
        (result) => {
          if (disposed) return;
          setValues((previous) => {
            const next = new Map(previous);
            for (const id of ids) {
              const nodeValues = result.byNode[id];
              if (nodeValues === undefined) next.delete(id);
              else next.set(id, nodeValues);
            }
            return next;
          });
        },
        () => {},
      );
    };
    const debounce = setTimeout(fetchValues, debounceMs);
    const refresh = setInterval(fetchValues, refreshMs);
    return () => {
      disposed = true;
      clearTimeout(debounce);
      clearInterval(refresh);
    };
  }, [api, idsKey, series, points, refreshMs, debounceMs]);

  return values;
}
