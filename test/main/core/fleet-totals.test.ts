import { describe, expect, it } from 'vitest';
import type { NodeView } from '../../../main/common/models.js';
import { computeBalance, computeTotals } from '../../../main/core/fleet-totals.js';
import { IDLE_RATES, nodeView } from './node-views.js';

const thresholds = { skewCv: 0.35, skewMinMeanConnections: 20 };
const MINUTE = 60_000;

describe('computeTotals', () => {
  it('equals the sum of the node figures, by status and by transport', () => {
    const views: NodeView[] = [
      nodeView('a', 10, {
        rates: {
          bytesInPerSec: 100,
          bytesOutPerSec: 1_000,
          messagesInPerSec: 5,
          messagesOutPerSec: 50,
          opensPerSec: 1,
          closesPerSec: 2,
          abnormalClosesPerSec: 0.5,
        },
        openByTransport: { websocket: 7, sse: 2, 'long-polling': 1 },
      }),
      nodeView('b', 20, {
        status: 'draining',
        rates: {
          bytesInPerSec: 200,
          bytesOutPerSec: 2_000,
          messagesInPerSec: 6,
          messagesOutPerSec: 60,
          opensPerSec: 0,
          closesPerSec: 4,
          abnormalClosesPerSec: 1,
        },
        openByTransport: { websocket: 20, sse: 0, 'long-polling': 0 },
      }),
      // Rates arrive with the second sample; the first already counts its connections.
      nodeView('c', 3, { rates: null, openByTransport: { websocket: 0, sse: 3, 'long-polling': 0 } }),
      nodeView('d', 0, {
        status: 'unreachable',
        connections: null,
        rates: null,
        openByTransport: null,
      }),
      nodeView('e', 0, {
        status: 'connecting',
        identity: null,
        connections: null,
        rates: null,
        health: null,
      }),
    ];
    const totals = computeTotals(42, views, thresholds);
    expect(totals).toMatchObject({
      time: 42,
      connectionsOpen: 33,
      bytesInPerSec: 300,
      bytesOutPerSec: 3_000,
      messagesInPerSec: 11,
      messagesOutPerSec: 110,
      messagesPerSec: 121,
      opensPerSec: 1,
      closesPerSec: 6,
      abnormalClosesPerSec: 1.5,
      nodesByStatus: { connecting: 1, active: 2, draining: 1, drained: 0, unreachable: 1 },
      openByTransport: { websocket: 27, sse: 5, 'long-polling': 1 },
    });
  });

  it('is all zeros for an empty fleet', () => {
    const totals = computeTotals(1, [], thresholds);
    expect(totals.connectionsOpen).toBe(0);
    expect(totals.balance).toMatchObject({ activeNodes: 0, maxOverMean: null, cv: null });
  });
});

describe('computeBalance', () => {
  it('computes mean, max/mean and the population CV over active nodes only', () => {
    const views = [
      nodeView('a', 100),
      nodeView('b', 200),
      nodeView('c', 300),
      nodeView('d', 5, { status: 'draining' }),
      nodeView('e', 0, { status: 'unreachable', connections: null }),
    ];
    const balance = computeBalance(0, views, thresholds);
    expect(balance.activeNodes).toBe(3);
    expect(balance.mean).toBe(200);
    expect(balance.max).toBe(300);
    expect(balance.min).toBe(100);
    expect(balance.maxOverMean).toBeCloseTo(1.5, 12);
    // sqrt(((100-200)² + 0 + (300-200)²) / 3) / 200
    expect(balance.cv).toBeCloseTo(Math.sqrt(20_000 / 3) / 200, 12);
    expect(balance.mostLoadedNodeId).toBe('c');
    expect(balance.leastLoadedNodeId).toBe('a');
  });

  it('breaks ties by id and says there is nothing to balance with no connections', () => {
    const balance = computeBalance(0, [nodeView('b', 0), nodeView('a', 0)], thresholds);
    expect(balance).toMatchObject({
      mean: 0,
      cv: null,
      maxOverMean: null,
      mostLoadedNodeId: 'a',
      leastLoadedNodeId: 'a',
    });
    expect(balance.explanation).toMatch(/nothing to balance/);
  });

  it('explains an even spread, a small fleet and a single node', () => {
    expect(computeBalance(0, [nodeView('a', 100), nodeView('b', 104)], thresholds).explanation).toMatch(
      /spread evenly over 2 active nodes: CV 0\.02/,
    );
    expect(computeBalance(0, [nodeView('a', 1), nodeView('b', 9)], thresholds).explanation).toMatch(
      /Too few connections/,
    );
    expect(computeBalance(0, [nodeView('a', 50)], thresholds).explanation).toMatch(/One active node \(a\)/);
  });

  it('blames least-connections for skew after a node was added, and the balancer otherwise', () => {
    const now = 100 * MINUTE;
    const identity = (id: string, startedAt: number) => ({
      nodeId: id,
      name: id,
      version: '1',
      host: 'h',
      pid: 1,
      startedAt,
      labels: {},
    });
    const old = (id: string, open: number) => nodeView(id, open, { identity: identity(id, 0) });
    const added = nodeView('node-4', 5, { identity: identity('node-4', now - 40_000) });
    const fresh = computeBalance(now, [old('node-1', 300), old('node-2', 290), added], thresholds);
    expect(fresh.explanation).toMatch(/^node-4 started 40 s ago and holds 5 connections/);
    expect(fresh.explanation).toMatch(/never move existing ones/);
    expect(fresh.explanation).toMatch(/Shed connections from node-1/);

    const skewed = computeBalance(
      now,
      [old('node-1', 400), old('node-2', 50), old('node-3', 60)],
      thresholds,
    );
    expect(skewed.explanation).toMatch(/^node-1 holds 2\.4× the mean/);
    expect(skewed.explanation).toMatch(/balancer/);
  });

  it('ignores rates when judging balance: only open connections count', () => {
    const busy = nodeView('a', 100, { rates: { ...IDLE_RATES, bytesOutPerSec: 1e9 } });
    expect(computeBalance(0, [busy, nodeView('b', 100)], thresholds).cv).toBe(0);
  });
});
