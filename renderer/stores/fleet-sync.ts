/**
 * Feeds a {@link FleetStore} from the console API: deltas as they come, and a snapshot at
 * start and whenever a delta shows the store missed something.
 */
import type { ConsoleApi, Unsubscribe } from '../../main/common/console-api.js';
import type { FleetStore } from './fleet-store.js';

/** Keeps `store` in step with `api` until the returned function is called. */
export function syncFleetStore(api: ConsoleApi, store: FleetStore): Unsubscribe {
  let stopped = false;
  // Bumped by every reset delta: a snapshot asked for before one may be of the fleet the console
  // just switched away from, with a higher version than the new fleet's, so it is dropped.
  let generation = 0;
  let fetching: number | null = null;

  function fetchSnapshot(): void {
    // One fetch at a time: a burst of out-of-order deltas needs one snapshot, not one each.
    if (fetching === generation || stopped) return;
    const asked = generation;
    fetching = asked;
    const done = () => {
      if (fetching === asked) fetching = null;
    };
    api.getFleet().then(
      (snapshot) => {
        done();
        if (!stopped && asked === generation) store.replace(snapshot);
      },
      (error: unknown) => {
        done();
        // Not fatal: the reset delta the server sends on every (re)connect fills the store too.
        console.warn('Fleetdeck: could not fetch the fleet', error);
      },
    );
  }

  // Subscribe before fetching so no delta falls between the snapshot and the subscription.
  const unsubscribe = api.onFleetDelta((delta) => {
    if (delta.reset) generation += 1;
    if (store.apply(delta) === 'resync') fetchSnapshot();
  });
  fetchSnapshot();

  return () => {
    stopped = true;
    unsubscribe();
  };
}
