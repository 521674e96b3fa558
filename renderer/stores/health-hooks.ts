/** Selector hooks over a {@link HealthStore}: each re-renders only when its slice changes. */
import { useSyncExternalStore } from 'react';
import type { Alert, FleetTotals } from '../../main/common/models.js';
import type { HealthStore, HistoryPoint } from './health-store.js';

/** The latest totals and balance, or null before the first tick. */
export function useFleetTotals(store: HealthStore): FleetTotals | null {
  return useSyncExternalStore(store.subscribe, () => store.getSnapshot().totals);
}

/** The fleet history, oldest first. */
export function useFleetHistory(store: HealthStore): readonly HistoryPoint[] {
  return useSyncExternalStore(store.subscribe, () => store.getSnapshot().history);
}

/** The active alerts, oldest first. */
export function useActiveAlerts(store: HealthStore): readonly Alert[] {
  return useSyncExternalStore(store.subscribe, () => store.getSnapshot().alerts);
}
