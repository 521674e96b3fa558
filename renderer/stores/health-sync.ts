/**
 * Feeds a {@link HealthStore} from the console API: totals, history chunks and alert changes from
 * every delta; the history window once after the first delta (and after a reset or a version
 * gap); the alert list whenever a delta's count disagrees with ours.
 */
import type { ConsoleApi, Unsubscribe } from '../../main/common/console-api.js';
import type { HealthStore } from './health-store.js';

/** Keeps `store` in step with `api` until the returned function is called. */
export function syncHealthStore(api: ConsoleApi, store: HealthStore): Unsubscribe {
  let stopped = false;
  let fetchingHistory = false;
  let fetchingAlerts = false;
  let lastVersion: number | null = null;

  function fetchHistory(): void {
    if (fetchingHistory || stopped) return;
    fetchingHistory = true;
    const since = store.newestHistoryTime();
    api.getHistory({ kind: 'fleet' }, since ?? undefined).then(
      (result) => {
        fetchingHistory = false;
        if (!stopped && result.kind === 'fleet') store.addHistory(result);
      },
      (error: unknown) => {
        fetchingHistory = false;
        console.warn('Fleetdeck: could not fetch the fleet history', error);
      },
    );
  }

  function fetchAlerts(): void {
    if (fetchingAlerts || stopped) return;
    fetchingAlerts = true;
    api.getAlerts().then(
      (snapshot) => {
        fetchingAlerts = false;
        if (!stopped) store.replaceAlerts(snapshot.active);
      },
      (error: unknown) => {
        fetchingAlerts = false;
        console.warn('Fleetdeck: could not fetch the alerts', error);
      },
    );
  }

  const unsubscribe = api.onFleetDelta((delta) => {
    const gap = lastVersion === null || delta.reset || delta.version !== lastVersion + 1;
    lastVersion = delta.version;
    if (delta.totals) store.setTotals(delta.totals);
    // The fetched window and the chunks overlap; the store keeps only points newer than its newest.
    if (delta.history) store.addHistory(delta.history);
    if (gap) fetchHistory();
    if (delta.alerts) {
      const held = store.applyAlerts(delta.alerts, delta.reset);
      if (held !== delta.alerts.activeCount) fetchAlerts();
    }
  });

  return () => {
    stopped = true;
    unsubscribe();
  };
}
