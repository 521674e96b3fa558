/**
 * The renderer's stores across a fleet switch: a reset delta of another fleet replaces what they
 * hold, and answers to requests made before it (about the old fleet) are dropped.
 */
import { describe, expect, it } from 'vitest';
import type { ConsoleApi } from '../../main/common/console-api.js';
import {
  FLEET_SERIES,
  type FleetDelta,
  type FleetHistoryResult,
  type FleetSnapshot,
  type HistoryResult,
} from '../../main/common/models.js';
import { createFleetStore } from '../../renderer/stores/fleet-store.js';
import { syncFleetStore } from '../../renderer/stores/fleet-sync.js';
import { createHealthStore } from '../../renderer/stores/health-store.js';
import { syncHealthStore } from '../../renderer/stores/health-sync.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** An API whose requests wait until the test answers them. */
function fakeApi() {
  const fleets: Array<Deferred<FleetSnapshot>> = [];
  const histories: Array<{ since: number | undefined; answer: Deferred<HistoryResult> }> = [];
  let listener: (delta: FleetDelta) => void = () => {};
  const api = {
    getFleet: () => {
      const answer = deferred<FleetSnapshot>();
      fleets.push(answer);
      return answer.promise;
    },
    getHistory: (_scope: unknown, since?: number) => {
      const answer = deferred<HistoryResult>();
      histories.push({ since, answer });
      return answer.promise;
    },
    getAlerts: () => new Promise(() => {}),
    onFleetDelta: (next: (delta: FleetDelta) => void) => {
      listener = next;
      return () => {};
    },
  } as unknown as ConsoleApi;
  return { api, fleets, histories, push: (delta: FleetDelta) => listener(delta) };
}

function reset(fleetName: string, version: number): FleetDelta {
  return {
    fleetName,
    version,
    time: 1_000,
    reset: true,
    upserted: [],
    removed: [],
    totals: null,
    history: null,
    alerts: { upserted: [], resolved: [], activeCount: 0 },
  };
}

function history(times: number[], connections: number): FleetHistoryResult {
  const series = Object.fromEntries(FLEET_SERIES.map((name) => [name, times.map(() => connections)]));
  return {
    kind: 'fleet',
    resolutionMs: 1000,
    windowMs: 900_000,
    times,
    series: series as unknown as FleetHistoryResult['series'],
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('a fleet switch in the renderer stores', () => {
  it("drops a snapshot of the old fleet that arrives after the new fleet's reset", async () => {
    const { api, fleets, push } = fakeApi();
    const store = createFleetStore();
    syncFleetStore(api, store);
    expect(fleets).toHaveLength(1);
    push(reset('fleet B', 3));
    // The snapshot asked for at start is of fleet A and has a higher version: it must not win.
    fleets[0]?.resolve({ fleetName: 'fleet A', version: 50, time: 900, nodes: [] });
    await flush();
    expect(store.getSnapshot()).toMatchObject({ phase: 'ready', fleetName: 'fleet B', version: 3 });

    // A gap after the reset still fetches, and that answer applies.
    push({ ...reset('fleet B', 6), reset: false });
    expect(fleets).toHaveLength(2);
    fleets[1]?.resolve({ fleetName: 'fleet B', version: 7, time: 1_100, nodes: [] });
    await flush();
    expect(store.getSnapshot()).toMatchObject({ fleetName: 'fleet B', version: 7 });
  });

  it("empties the health store on a reset and keeps the old fleet's history out", async () => {
    const { api, histories, push } = fakeApi();
    const store = createHealthStore();
    syncHealthStore(api, store);

    push(reset('fleet A', 1));
    expect(histories).toHaveLength(1);
    histories[0]?.answer.resolve(history([1_000, 2_000, 3_000], 10));
    await flush();
    expect(store.getSnapshot().history.map((point) => point.time)).toEqual([1_000, 2_000, 3_000]);

    // A reconnect asks for what is missing; the switch lands before the answer does.
    push({ ...reset('fleet A', 5), reset: false });
    expect(histories[1]?.since).toBe(3_000);
    push(reset('fleet B', 2));
    expect(store.getSnapshot().history).toEqual([]);
    // The new fleet's window is asked for whole, not from the old fleet's newest point.
    expect(histories).toHaveLength(3);
    expect(histories[2]?.since).toBeUndefined();
    histories[1]?.answer.resolve(history([4_000], 10));
    histories[2]?.answer.resolve(history([3_500, 4_500], 2));
    await flush();
    expect(store.getSnapshot().history.map((point) => [point.time, point.connectionsOpen])).toEqual([
      [3_500, 2],
      [4_500, 2],
    ]);
  });
});
