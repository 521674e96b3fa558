/**
 * Feeds a {@link HealthStore} from the console API: totals, history chunks and alert changes from
 * every delta; the history window once after the first delta (and after a reset or a version
 * gap); the alert list whenever a delta's count disagrees with ours. A reset delta (the console
 * opened another fleet, or came back after a restart) empties the store first, and answers to
 * requests made before it are dropped: another fleet's history must not mix into this one's.
 */
import type { ConsoleApi, Unsubscribe } from '../../main/common/console-api.js';
import type { HealthStore } from './health-store.js';

/** Keeps `store` in step with `api` until the returned function is called. */
export function syncHealthStore(api: ConsoleApi, store: HealthStore): Unsubscribe {
  let stopped = false;
  // Bumped by every reset delta; a request made in an older generation is about another fleet.
  let generation = 0;
  // The generation whose request is in flight, or null: one fetch of each at a time per generation.
  let fetchingHistory: number | null = null;
  let fetchingAlerts: number | null = null;
  let lastVersion: number | null = null;

  function fetchHistory(): void {
    if (fetchingHistory === generation || stopped) return;
    const asked = generation;
    fetchingHistory = asked;
    const since = store.newestHistoryTime();
    const done = () => {
      if (fetchingHistory === asked) fetchingHistory = null;
    };
    api.getHistory({ kind: 'fleet' }, since ?? undefined).then(
      (result) => {
        done();
        if (!stopped && asked === generation && result.kind === 'fleet') store.addHistory(result);
      },
      (error: unknown) => {
        done();
        console.warn('Fleetdeck: could not fetch the fleet history', error);
      },
    );
  }

  function fetchAlerts(): void {
    if (fetchingAlerts === generation || stopped) return;
    const asked = generation;
    fetchingAlerts = asked;
    const done = () => {
      if (fetchingAlerts === asked) fetchingAlerts = null;
    };
    api.getAlerts().then(
      (snapshot) => {
        done();
        if (!stopped && asked === generation) store.replaceAlerts(snapshot.active);
      },
      (error: unknown) => {
        done();
        console.warn('Fleetdeck: could not fetch the alerts', error);
      },
    );
  }

  const unsubscribe = api.onFleetDelta((delta) => {
    if (delta.reset) {
      generation += 1;
      store.reset();
    }
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
