/** The store's fleet-health side: abnormal closes, the tick, and what deltas carry. */
import { describe, expect, it } from 'vitest';
import type { SampleFrame } from '../../../agent/protocol.js';
import { abnormalClosesBetween, deriveRates, FleetStore } from '../../../main/core/fleet-store.js';
import { helloFrame, sampleFrame } from '../../helpers/frames.js';

const node = (id: string) => ({ id, adminUrl: 'ws://127.0.0.1:1', publicUrl: null, token: 't' });

function sample(
  seq: number,
  time: number,
  open: number,
  closeCodes: Record<string, number> = {},
  extra: Partial<SampleFrame> = {},
): SampleFrame {
  const base = sampleFrame(seq, time);
  const closed = Object.values(closeCodes).reduce((total, count) => total + count, 0);
  return sampleFrame(seq, time, {
    connections: {
      ...base.connections,
      open,
      opened: open + closed,
      closed,
      closeCodes,
      byTransport: { ...base.connections.byTransport, websocket: { open, opened: open + closed, closed } },
    },
    ...extra,
  });
}

describe('abnormal closes', () => {
  it('counts per second the closes with codes other than 1000, 1001 and 1012 between two samples', () => {
    const previous = sample(1, 10_000, 5, { '1000': 10, '1001': 3, '1006': 4, '1012': 7 });
    const current = sample(3, 12_000, 5, {
      '1000': 20,
      '1001': 9,
      '1006': 10,
      '1012': 50,
      '1011': 2,
      '4000': 2,
    });
    // 1006: +6, 1011: +2 (first seen), 4000: +2 (first seen); the orderly codes do not count.
    expect(abnormalClosesBetween(previous.connections, current.connections)).toBe(10);
    expect(deriveRates(previous, current)?.abnormalClosesPerSec).toBe(5);
    expect(deriveRates(previous, current)?.closesPerSec).toBe((93 - 24) / 2);
  });

  it('flows from samples through the tick into the fleet totals', () => {
    const store = new FleetStore('f', [node('a'), node('b')]);
    for (const id of ['a', 'b']) store.hello(id, helloFrame(id, 1, 1000));
    store.sample('a', sample(1, 1_000, 1, { '1006': 0 }));
    store.sample('a', sample(2, 2_000, 1, { '1006': 3, '1000': 5 }));
    store.sample('b', sample(1, 1_000, 1, {}));
    store.sample('b', sample(2, 2_000, 1, { '4001': 2 }));
    expect(store.tick(3_000).abnormalClosesPerSec).toBe(5);
  });
});

describe('FleetStore tick and deltas', () => {
  function linkedStore() {
    let now = 0;
    const store = new FleetStore('f', [node('a'), node('b')], () => now);
    for (const id of ['a', 'b']) store.hello(id, helloFrame(id, 1, 1000));
    store.sample('a', sample(1, 1_000, 30));
    store.sample('b', sample(1, 1_000, 10));
    store.flush();
    return { store, setNow: (value: number) => (now = value) };
  }

  it('sends each tick’s totals and its history point once, and no delta when nothing happened', () => {
    const { store } = linkedStore();
    expect(store.flush()).toBeNull();
    const totals = store.tick(2_000);
    expect(totals).toMatchObject({ connectionsOpen: 40, nodesByStatus: { active: 2 } });
    expect(totals.balance).toMatchObject({
      mean: 20,
      max: 30,
      mostLoadedNodeId: 'a',
      leastLoadedNodeId: 'b',
    });
    const delta = store.flush();
    expect(delta).toMatchObject({
      upserted: [],
      removed: [],
      totals,
      alerts: { upserted: [], resolved: [], activeCount: 0 },
    });
    expect(delta?.history?.times).toEqual([2_000]);
    expect(delta?.history?.series.connectionsOpen).toEqual([40]);
    expect(delta?.history?.series.balanceMaxOverMean).toEqual([1.5]);
    expect(store.flush()).toBeNull();

    store.sample('a', sample(2, 2_000, 31));
    const nodeOnly = store.flush();
    expect(nodeOnly?.history).toBeNull();
    expect(nodeOnly?.totals).toBe(totals);

    store.tick(3_000);
    store.tick(4_000);
    expect(store.flush()?.history?.times).toEqual([3_000, 4_000]);
    expect(store.history({ kind: 'fleet' }, 2_000).times).toEqual([3_000, 4_000]);
    expect(store.history({ kind: 'node', nodeId: 'a' }).series.connectionsOpen).toEqual([30, 31, 31]);
  });

  it('raises unreachable on the first tick after the link drops and carries it in the next delta', () => {
    const { store } = linkedStore();
    store.tick(2_000);
    store.flush();
    store.down('b', 'connection refused: the agent is not listening');
    store.tick(2_500);
    const delta = store.flush();
    expect(delta?.upserted.map((view) => view.id)).toEqual(['b']);
    expect(delta?.alerts).toMatchObject({
      upserted: [{ id: 'node-unreachable:b', nodeId: 'b', severity: 'critical' }],
      resolved: [],
      activeCount: 1,
    });
    expect(store.alerts().active.map((alert) => alert.id)).toEqual(['node-unreachable:b']);
    // A reset carries every active alert and no history (the receiver fetches that).
    expect(store.resetDelta()).toMatchObject({
      reset: true,
      history: null,
      alerts: { upserted: [{ id: 'node-unreachable:b' }], resolved: [], activeCount: 1 },
    });

    store.sample('b', sample(5, 3_000, 0));
    store.tick(3_000);
    expect(store.flush()?.alerts).toMatchObject({
      upserted: [],
      resolved: [{ id: 'node-unreachable:b', resolvedAt: 3_000 }],
      activeCount: 0,
    });
  });

  it('never puts one alert in both lists of a delta', () => {
    const { store } = linkedStore();
    store.down('b', 'gone');
    store.tick(2_000);
    store.sample('b', sample(9, 2_500, 0));
    store.tick(3_000);
    // Raised and resolved within one flush: only the resolution goes out.
    expect(store.flush()?.alerts).toMatchObject({ upserted: [], resolved: [{ id: 'node-unreachable:b' }] });
    store.down('b', 'gone again');
    store.tick(4_000);
    store.sample('b', sample(10, 4_500, 0));
    store.tick(5_000);
    store.down('b', 'and again');
    store.tick(6_000);
    expect(store.flush()?.alerts).toMatchObject({
      upserted: [{ id: 'node-unreachable:b', message: 'b is unreachable: and again' }],
      resolved: [],
      activeCount: 1,
    });
  });

  it('passes fleet-file thresholds to the rules, and shows the dependencies and transports of a node', () => {
    const store = new FleetStore('f', [node('a')], Date.now, { alertThresholds: { cpu: 0.2 } });
    store.hello('a', helloFrame('a', 1, 1000));
    const health = { ...sampleFrame(1, 1).health, cpu: 0.3 };
    const dependencies = { broker: { up: false, since: 5, detail: 'refused' } };
    store.sample('a', sample(1, 1_000, 2, {}, { health, dependencies }));
    const view = store.snapshot().nodes[0];
    expect(view?.openByTransport).toEqual({ websocket: 2, sse: 0, 'long-polling': 0 });
    expect(view?.dependencies).toEqual(dependencies);
    store.tick(1_000);
    store.tick(2_000);
    expect(
      store
        .alerts()
        .active.map((alert) => alert.id)
        .sort(),
    ).toEqual(['cpu:a', 'dependency-down:a:broker']);
    expect(store.alerts().thresholds.cpu).toBe(0.2);
    store.down('a', 'gone');
    expect(store.snapshot().nodes[0]).toMatchObject({ openByTransport: null, dependencies: null });
  });

  it('answers history for the fleet and for known nodes, and says why it has none', () => {
    const store = new FleetStore('f', [node('a'), node('b')], Date.now, { history: { maxNodes: 1 } });
    expect(store.history({ kind: 'fleet' })).toMatchObject({
      kind: 'fleet',
      times: [],
      resolutionMs: 1_000,
      windowMs: 900_000,
    });
    // Before the first tick a node simply has no points yet.
    expect(store.history({ kind: 'node', nodeId: 'b' })).toMatchObject({
      kind: 'node',
      nodeId: 'b',
      times: [],
    });
    store.tick(1_000);
    expect(store.history({ kind: 'node', nodeId: 'a' }).times).toEqual([1_000]);
    expect(() => store.history({ kind: 'node', nodeId: 'b' })).toThrow(/keeps history for 1 nodes at most/);
    expect(() => store.history({ kind: 'node', nodeId: 'zz' })).toThrow(/no node "zz" in this fleet/);
  });
});
