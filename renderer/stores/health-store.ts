/**
 * The renderer's copy of fleet health: latest totals, the fleet history the charts draw and the
 * active alerts. Framework-free like the fleet store; React reads it through health-hooks.ts.
 */
import type { Unsubscribe } from '../../main/common/console-api.js';
import type {
  Alert,
  AlertsDelta,
  FleetHistoryChunk,
  FleetSeriesName,
  FleetTotals,
} from '../../main/common/models.js';
import { FLEET_SERIES } from '../../main/common/models.js';

/** Points kept for the charts: 15 minutes at one point a second. */
export const HISTORY_LIMIT = 900;

/** One history tick as a row, the shape recharts reads: `time` plus one field per series. */
export type HistoryPoint = { readonly time: number } & { readonly [N in FleetSeriesName]: number | null };

/** Everything the overview shows; replaced whole on every change. */
export interface HealthState {
  /** The latest totals and balance; null before the first tick. */
  readonly totals: FleetTotals | null;
  /** Oldest first, at most {@link HISTORY_LIMIT} points. */
  readonly history: readonly HistoryPoint[];
  /** Active alerts, oldest `since` first. */
  readonly alerts: readonly Alert[];
}

/** Holds fleet health and tells subscribers when it changes. */
export interface HealthStore {
  /** Calls `listener` after every change; the useSyncExternalStore contract. */
  subscribe(listener: () => void): Unsubscribe;
  /** The current state; the same object until something changes. */
  getSnapshot(): HealthState;
  /** Takes the latest totals. */
  setTotals(totals: FleetTotals): void;
  /** Adds history points (a fetched window or a delta's chunk), merged by time, oldest dropped past the limit. */
  addHistory(columns: FleetHistoryChunk): void;
  /** The newest history time held, or null when there is none. */
  newestHistoryTime(): number | null;
  /** Applies alert changes; `reset` replaces every active alert. Returns the active count after. */
  applyAlerts(alerts: AlertsDelta, reset: boolean): number;
  /** Replaces the active alerts (from `getAlerts`). */
  replaceAlerts(active: readonly Alert[]): void;
  /** Forgets everything: the console opened another fleet (or restarted), whose history is not ours. */
  reset(): void;
}

const INITIAL_STATE: HealthState = { totals: null, history: [], alerts: [] };

/** Turns columns into rows; points at or before `after` are skipped. */
export function columnsToPoints(columns: FleetHistoryChunk, after: number): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  columns.times.forEach((time, index) => {
    if (time <= after) return;
    const point: Record<string, number | null> = { time };
    for (const name of FLEET_SERIES) point[name] = columns.series[name][index] ?? null;
    points.push(point as HistoryPoint);
  });
  return points;
}

function sortAlerts(alerts: Iterable<Alert>): readonly Alert[] {
  return [...alerts].sort((left, right) => left.since - right.since || (left.id < right.id ? -1 : 1));
}

/** Creates an empty health store. */
export function createHealthStore(): HealthStore {
  let state = INITIAL_STATE;
  const listeners = new Set<() => void>();

  function commit(next: HealthState): void {
    state = next;
    for (const listener of listeners) listener();
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => state,
    setTotals(totals) {
      if (state.totals !== null && state.totals.time > totals.time) return;
      commit({ ...state, totals });
    },
    addHistory(columns) {
      const newest = state.history.at(-1)?.time ?? Number.NEGATIVE_INFINITY;
      // A fetched window can land after chunks that are newer than it: merge by time, not append.
      const oldest = columns.times[0];
      const added = columnsToPoints(
        columns,
        oldest !== undefined && oldest < newest ? Number.NEGATIVE_INFINITY : newest,
      );
      if (added.length === 0) return;
      let history: HistoryPoint[];
      if ((added[0]?.time ?? 0) > newest) history = [...state.history, ...added];
      else {
        const byTime = new Map(state.history.map((point) => [point.time, point]));
        for (const point of added) if (!byTime.has(point.time)) byTime.set(point.time, point);
        history = [...byTime.values()].sort((left, right) => left.time - right.time);
      }
      commit({ ...state, history: history.length > HISTORY_LIMIT ? history.slice(-HISTORY_LIMIT) : history });
    },
    newestHistoryTime: () => state.history.at(-1)?.time ?? null,
    applyAlerts(alerts, reset) {
      const byId = new Map(reset ? [] : state.alerts.map((alert) => [alert.id, alert]));
      for (const alert of alerts.upserted) byId.set(alert.id, alert);
      for (const alert of alerts.resolved) byId.delete(alert.id);
      if (reset || alerts.upserted.length > 0 || alerts.resolved.length > 0) {
        commit({ ...state, alerts: sortAlerts(byId.values()) });
      }
      return state.alerts.length;
    },
    replaceAlerts(active) {
      commit({ ...state, alerts: sortAlerts(active.filter((alert) => alert.resolvedAt === null)) });
    },
    reset() {
      if (state !== INITIAL_STATE) commit(INITIAL_STATE);
    },
  };
}
