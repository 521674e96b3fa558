import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FLEET_SERIES, NODE_SERIES, type NodeView } from '../../../main/common/models.js';
import { computeTotals } from '../../../main/core/fleet-totals.js';
import {
  FleetHistory,
  HISTORY_CAPACITY,
  historyBytes,
  parseHistoryArgs,
  RingSeries,
} from '../../../main/core/history.js';
import { IDLE_RATES, nodeView } from './node-views.js';

const thresholds = { skewCv: 0.35, skewMinMeanConnections: 20 };

function record(history: FleetHistory, time: number, views: readonly NodeView[]): void {
  history.record(computeTotals(time, views, thresholds), views);
}

describe('RingSeries', () => {
  it('keeps the newest points, oldest first, once it wraps around', () => {
    const series = new RingSeries(4);
    for (let index = 1; index <= 6; index++) series.push(index * 1000, index * 10);
    expect(series.length).toBe(4);
    expect(series.points()).toEqual({ times: [3000, 4000, 5000, 6000], values: [30, 40, 50, 60] });
    expect(series.tail(2)).toEqual({ times: [5000, 6000], values: [50, 60] });
    expect(series.tail(99).times).toHaveLength(4);
  });

  it('returns only the points strictly after sinceMs', () => {
    const series = new RingSeries(10);
    for (let index = 1; index <= 5; index++) series.push(index, index);
    expect(series.points(3).times).toEqual([4, 5]);
    expect(series.points(5).times).toEqual([]);
  });

  it('has a fixed size of 12 bytes a point, and turns gaps into null and float32 noise into short numbers', () => {
    const series = new RingSeries(900);
    expect(series.byteLength).toBe(900 * 12);
    for (let index = 0; index < 5_000; index++) series.push(index, 0.1);
    expect(series.byteLength).toBe(900 * 12);
    series.push(5_000, Number.NaN);
    const { values } = series.tail(2);
    expect(values).toEqual([0.1, null]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingSeries(0)).toThrow(RangeError);
    expect(() => new RingSeries(1.5)).toThrow(/positive integer/);
  });
});

describe('FleetHistory', () => {
  it('records fleet totals and each node on the same ticks, with gaps where a node has no figure', () => {
    const history = new FleetHistory({ capacity: 5 });
    record(history, 1000, [nodeView('a', 10), nodeView('b', 20)]);
    record(history, 2000, [
      nodeView('a', 12),
      nodeView('b', 0, { status: 'unreachable', connections: null, rates: null, openByTransport: null }),
    ]);
    const fleet = history.fleetHistory();
    expect(fleet.times).toEqual([1000, 2000]);
    expect(fleet.series.connectionsOpen).toEqual([30, 12]);
    expect(fleet.series.nodesActive).toEqual([2, 1]);
    expect(fleet.series.nodesUnreachable).toEqual([0, 1]);
    expect(fleet.series.openWebsocket).toEqual([30, 12]);
    expect(Object.keys(fleet.series).sort()).toEqual([...FLEET_SERIES].sort());

    const b = history.nodeHistory('b');
    expect(b.times).toEqual([1000, 2000]);
    expect(b.series.connectionsOpen).toEqual([20, null]);
    // The store keeps an unreachable node's last health; the history must not show it as current.
    expect(b.series.cpu).toEqual([0.1, null]);
    expect(Object.keys(b.series).sort()).toEqual([...NODE_SERIES].sort());
  });

  it('starts a node added later at its first tick, forgets removed nodes, and wraps with the fleet', () => {
    const history = new FleetHistory({ capacity: 3 });
    record(history, 1, [nodeView('a', 1)]);
    record(history, 2, [nodeView('a', 2), nodeView('b', 5)]);
    expect(history.nodeHistory('b').times).toEqual([2]);
    record(history, 3, [nodeView('b', 6)]);
    expect(history.has('a')).toBe(false);
    expect(history.nodeHistory('a').times).toEqual([]);
    record(history, 4, [nodeView('b', 7)]);
    record(history, 5, [nodeView('b', 8)]);
    expect(history.nodeHistory('b')).toMatchObject({
      times: [3, 4, 5],
      series: { connectionsOpen: [6, 7, 8] },
    });
    expect(history.nodeHistory('b', 3).times).toEqual([4, 5]);
    expect(history.fleetHistory().times).toEqual([3, 4, 5]);
  });

  it('hands out each new fleet point once through chunkFrom', () => {
    const history = new FleetHistory({ capacity: 3 });
    expect(history.chunkFrom(0)).toBeNull();
    record(history, 1, [nodeView('a', 1)]);
    record(history, 2, [nodeView('a', 2)]);
    expect(history.chunkFrom(0)?.times).toEqual([1, 2]);
    expect(history.chunkFrom(1)?.series.connectionsOpen).toEqual([2]);
    expect(history.chunkFrom(2)).toBeNull();
    for (let time = 3; time <= 10; time++) record(history, time, [nodeView('a', time)]);
    // A reader that fell far behind gets what is still held, not more than capacity.
    expect(history.chunkFrom(2)?.times).toEqual([8, 9, 10]);
  });

  it('keeps history for at most maxNodes nodes and takes the next one in when a place frees', () => {
    const history = new FleetHistory({ capacity: 4, maxNodes: 2 });
    record(history, 1, [nodeView('a'), nodeView('b'), nodeView('c')]);
    expect([history.has('a'), history.has('b'), history.has('c')]).toEqual([true, true, false]);
    record(history, 2, [nodeView('b'), nodeView('c')]);
    expect(history.has('c')).toBe(true);
    expect(history.byteLength).toBe(historyBytes(2, 4));
  });

  it('stays within ~32 MB at 1,000 nodes × 900 ticks (measured, not only computed)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const views = Array.from({ length: 1_000 }, (_, index) =>
      nodeView(`node-${index}`, 100 + (index % 7), {
        rates: { ...IDLE_RATES, bytesInPerSec: index * 10, messagesInPerSec: index },
      }),
    );
    const footprint = () => {
      gc();
      const usage = process.memoryUsage();
      // Typed arrays keep their storage outside the V8 heap: heapUsed alone would miss it.
      return usage.heapUsed + usage.arrayBuffers;
    };
    const started = performance.now();
    const before = footprint();
    const history = new FleetHistory();
    for (let tick = 0; tick < HISTORY_CAPACITY; tick++) record(history, tick * 1000, views);
    const used = footprint() - before;
    const elapsed = performance.now() - started;

    const expected = historyBytes(1_000);
    expect(history.byteLength).toBe(expected);
    expect(expected).toBeLessThan(28 * 1024 * 1024);
    expect(used).toBeGreaterThan(expected * 0.9);
    expect(used).toBeLessThan(32 * 1024 * 1024);
    // One more full turn of the ring allocates nothing that stays.
    for (let tick = 0; tick < HISTORY_CAPACITY; tick++)
      record(history, (HISTORY_CAPACITY + tick) * 1000, views);
    expect(footprint() - before).toBeLessThan(30 * 1024 * 1024);
    console.log(
      `history at 1,000 nodes: ${(expected / 1024 / 1024).toFixed(1)} MiB computed, ` +
        `${(used / 1024 / 1024).toFixed(1)} MiB measured; 900 ticks took ${Math.round(elapsed)} ms`,
    );
    expect(history.nodeHistory('node-999').series.bytesInPerSec.at(-1)).toBe(9990);
  });
});

describe('parseHistoryArgs', () => {
  it('accepts a scope with an optional sinceMs, null meaning none (JSON has no undefined)', () => {
    expect(parseHistoryArgs([{ kind: 'fleet' }])).toEqual([{ kind: 'fleet' }]);
    expect(parseHistoryArgs([{ kind: 'node', nodeId: 'n1', extra: 1 }, 5])).toEqual([
      { kind: 'node', nodeId: 'n1' },
      5,
    ]);
    expect(parseHistoryArgs([{ kind: 'fleet' }, null])).toEqual([{ kind: 'fleet' }]);
  });

  it('refuses anything else with a readable TypeError', () => {
    expect(() => parseHistoryArgs([])).toThrow(/takes a scope/);
    expect(() => parseHistoryArgs(['fleet'])).toThrow(/scope must be/);
    expect(() => parseHistoryArgs([{ kind: 'node' }])).toThrow(/nodeId/);
    expect(() => parseHistoryArgs([{ kind: 'fleet' }, 'yesterday'])).toThrow(/sinceMs/);
    expect(() => parseHistoryArgs([{ kind: 'fleet' }, Number.NaN])).toThrow(TypeError);
  });
});
