/**
 * Feeds a {@link FleetStore} from the console API: deltas as they come, and a snapshot at
 * start and whenever a delta shows the store missed something.
 */
import type { ConsoleApi, Unsubscribe } from '../../main/common/console-api.js';
import type { FleetStore } from './fleet-store.js';

/** Keeps `store` in step with `api` until the returned function is called. */
export function syncFleetStore(api: ConsoleApi, store: FleetStore): Unsubscribe {
  let stopped = false;
  let fetching = false;

  function fetchSnapshot(): void {
    // One fetch at a time: a burst of out-of-order deltas needs one snapshot, not one each.
    if (fetching || stopped) return;
    fetching = true;
    api.getFleet().then(
      (snapshot) => {
        fetching = false;
        if (!stopped) store.replace(snapshot);
      },
      (error: unknown) => {
        fetching = false;
        // Not fatal: the reset delta the server sends on every (re)connect fills the store too.
        console.warn('Fleetdeck: could not fetch the fleet', error);
      },
    );
  }

  // Subscribe before fetching so no delta falls between the snapshot and the subscription.
  const unsubscribe = api.onFleetDelta((delta) => {
    if (store.apply(delta) === 'resync') fetchSnapshot();
  });
  fetchSnapshot();

  return () => {
    stopped = true;
    unsubscribe();
  };
}
