import { describe, expect, it } from 'vitest';
import type { AlertThresholds, NodeView } from '../../../main/common/models.js';
import {
  type AlertChanges,
  AlertEngine,
  DEFAULT_ALERT_THRESHOLDS,
  MAX_RECENT_ALERTS,
} from '../../../main/core/alerts.js';
import { computeTotals } from '../../../main/core/fleet-totals.js';
import { nodeView, QUIET_HEALTH } from './node-views.js';

/** An engine and a clock that advances one second per tick. */
function harness(overrides: Partial<AlertThresholds> = {}) {
  const engine = new AlertEngine(overrides);
  let now = 0;
  const tick = (views: readonly NodeView[]): AlertChanges => {
    now += 1_000;
    return engine.evaluate(now, views, computeTotals(now, views, engine.thresholds));
  };
  return { engine, tick, now: () => now };
}

const ids = (changes: AlertChanges) => ({
  upserted: changes.upserted.map((alert) => alert.id),
  resolved: changes.resolved.map((alert) => alert.id),
});
const withHealth = (id: string, health: Partial<typeof QUIET_HEALTH>) =>
  nodeView(id, 0, { health: { ...QUIET_HEALTH, ...health } });

describe('AlertEngine', () => {
  it('raises unreachable in the first tick that sees it, since the status change, and clears on return', () => {
    const { engine, tick } = harness();
    expect(ids(tick([nodeView('n1')]))).toEqual({ upserted: [], resolved: [] });
    const down = nodeView('n1', 0, {
      status: 'unreachable',
      statusSince: 1_500,
      connections: null,
      rates: null,
      problem: 'connection refused: the agent is not listening',
    });
    const raised = tick([down]);
    expect(raised.upserted).toEqual([
      {
        id: 'node-unreachable:n1',
        kind: 'node-unreachable',
        severity: 'critical',
        nodeId: 'n1',
        message: 'n1 is unreachable: connection refused: the agent is not listening',
        since: 1_500,
        resolvedAt: null,
        value: null,
        threshold: null,
      },
    ]);
    // Steady: nothing goes out again.
    expect(ids(tick([down]))).toEqual({ upserted: [], resolved: [] });
    const back = tick([nodeView('n1')]);
    expect(back.resolved).toEqual([{ ...raised.upserted[0], resolvedAt: 4_000 }]);
    expect(engine.snapshot(5_000)).toMatchObject({ active: [], recent: [{ id: 'node-unreachable:n1' }] });
  });

  it('does not alert on a node that is still connecting, nor on the stale health of an unreachable one', () => {
    const { tick } = harness();
    const hot = { ...QUIET_HEALTH, cpu: 5, loopDelayP99Ms: 9_000 };
    const connecting = nodeView('n1', 0, { status: 'connecting', health: hot });
    tick([connecting]);
    expect(tick([connecting]).upserted).toEqual([]);
    const unreachable = nodeView('n1', 0, { status: 'unreachable', health: hot });
    tick([unreachable]);
    expect(tick([unreachable]).upserted).toEqual([]);
  });

  it.each([
    ['loop-delay', { loopDelayP99Ms: 450 }, 'n1 event-loop delay p99 is 450 ms (threshold 200 ms)', 450, 200],
    ['cpu', { cpu: 0.97 }, 'n1 CPU is 97 % of a core (threshold 90 %)', 0.97, 0.9],
    [
      'rss',
      { rssBytes: 2 * 1024 ** 3 },
      'n1 memory (RSS) is 2.00 GiB (threshold 1.50 GiB)',
      2 * 1024 ** 3,
      1.5 * 1024 ** 3,
    ],
  ] as const)(
    'raises %s after two ticks over the threshold and clears below 90 %% of it',
    (kind, over, message, value, threshold) => {
      const { tick } = harness();
      expect(tick([withHealth('n1', over)]).upserted).toEqual([]);
      const raised = tick([withHealth('n1', over)]);
      expect(raised.upserted).toEqual([
        {
          id: `${kind}:n1`,
          kind,
          severity: 'warning',
          nodeId: 'n1',
          message,
          since: 1_000,
          resolvedAt: null,
          value,
          threshold,
        },
      ]);
      // Hysteresis: at 95 % of the threshold it stays up.
      const band = Object.fromEntries(Object.keys(over).map((key) => [key, threshold * 0.95]));
      expect(tick([withHealth('n1', band)]).resolved).toEqual([]);
      const below = Object.fromEntries(Object.keys(over).map((key) => [key, threshold * 0.5]));
      expect(ids(tick([withHealth('n1', below)]))).toEqual({ upserted: [], resolved: [`${kind}:n1`] });
    },
  );

  it('does not raise a threshold alert for a single spike, nor from within the band', () => {
    const { tick } = harness();
    tick([withHealth('n1', { cpu: 0.99 })]);
    expect(tick([withHealth('n1', { cpu: 0.1 })]).upserted).toEqual([]);
    expect(tick([withHealth('n1', { cpu: 0.99 })]).upserted).toEqual([]);
    tick([withHealth('n1', { cpu: 0.85 })]);
    expect(tick([withHealth('n1', { cpu: 0.85 })]).upserted).toEqual([]);
  });

  it('updates a raised alert only when its sentence changes', () => {
    const { tick } = harness();
    tick([withHealth('n1', { loopDelayP99Ms: 300 })]);
    tick([withHealth('n1', { loopDelayP99Ms: 300 })]);
    expect(tick([withHealth('n1', { loopDelayP99Ms: 300.2 })]).upserted).toEqual([]);
    const changed = tick([withHealth('n1', { loopDelayP99Ms: 800 })]).upserted;
    expect(changed).toMatchObject([{ id: 'loop-delay:n1', value: 800, since: 1_000 }]);
    expect(changed[0]?.message).toMatch(/800 ms/);
  });

  it('honours thresholds from the fleet file', () => {
    const { engine, tick } = harness({ cpu: 0.5 });
    expect(engine.thresholds).toEqual({ ...DEFAULT_ALERT_THRESHOLDS, cpu: 0.5 });
    tick([withHealth('n1', { cpu: 0.6 })]);
    expect(ids(tick([withHealth('n1', { cpu: 0.6 })])).upserted).toEqual(['cpu:n1']);
  });

  it('raises skew over the CV threshold with enough connections, and clears when the spread evens out', () => {
    const { tick } = harness();
    const skewed = [nodeView('a', 300), nodeView('b', 50), nodeView('c', 40)];
    tick(skewed);
    const raised = tick(skewed).upserted;
    expect(raised).toMatchObject([
      { id: 'skew', kind: 'skew', nodeId: null, severity: 'warning', threshold: 0.35 },
    ]);
    expect(raised[0]?.message).toMatch(
      /^Connections are unevenly spread: CV 0\.9\d \(threshold 0\.35\); a holds 300, c holds 40$/,
    );
    expect(ids(tick([nodeView('a', 130), nodeView('b', 120), nodeView('c', 125)])).resolved).toEqual([
      'skew',
    ]);
  });

  it('does not judge skew with too few connections or a single active node', () => {
    const { tick } = harness();
    const few = [nodeView('a', 10), nodeView('b', 0)];
    tick(few);
    expect(tick(few).upserted).toEqual([]);
    const lonely = [nodeView('a', 500), nodeView('b', 0, { status: 'draining' })];
    tick(lonely);
    expect(tick(lonely).upserted).toEqual([]);
  });

  it('raises dependency down at once, per node and dependency, since the agent says, and clears when up', () => {
    const { tick } = harness();
    const broker = (up: boolean) => ({
      broker: { up, since: 777, detail: up ? '' : 'redis://10.0.0.9:6379 connection refused' },
      database: { up: true, since: 1, detail: '' },
    });
    const raised = tick([nodeView('n1', 0, { dependencies: broker(false) }), nodeView('n2')]).upserted;
    expect(raised).toEqual([
      {
        id: 'dependency-down:n1:broker',
        kind: 'dependency-down',
        severity: 'critical',
        nodeId: 'n1',
        message: 'n1 reports broker down: redis://10.0.0.9:6379 connection refused',
        since: 777,
        resolvedAt: null,
        value: null,
        threshold: null,
      },
    ]);
    expect(ids(tick([nodeView('n1', 0, { dependencies: broker(true) })])).resolved).toEqual([
      'dependency-down:n1:broker',
    ]);
  });

  it('resolves the alerts of a node that left the fleet, and keeps a bounded list of resolved ones', () => {
    const { engine, tick } = harness();
    const down = (id: string) => nodeView(id, 0, { status: 'unreachable' });
    for (let round = 0; round < MAX_RECENT_ALERTS + 20; round++) {
      tick([down(`n${round}`)]);
    }
    tick([]);
    const snapshot = engine.snapshot(0);
    expect(snapshot.active).toEqual([]);
    expect(snapshot.recent).toHaveLength(MAX_RECENT_ALERTS);
    expect(snapshot.recent[0]?.id).toBe(`node-unreachable:n${MAX_RECENT_ALERTS + 19}`);
    expect(snapshot.thresholds).toEqual(DEFAULT_ALERT_THRESHOLDS);
  });
});
