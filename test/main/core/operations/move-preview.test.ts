/** The drain and shed preview: connections to move, pace, least-connections targets, warnings. */
import { describe, expect, it } from 'vitest';
import { isSafeToStop } from '../../../../main/common/models.js';
import {
  closesPerSecond,
  previewMove,
  shedCount,
  waterFill,
} from '../../../../main/core/operations/move-preview.js';
import { nodeView, QUIET_HEALTH } from '../node-views.js';

const NO_LIMITS = { maxConnectionsPerNode: null, maxCpu: 0.8 } as const;

describe('waterFill', () => {
  it('fills the least-loaded nodes first, up to the others, then raises them all together', () => {
    expect(waterFill([100, 10, 50], 30)).toEqual([100, 40, 50]);
    expect(waterFill([100, 10, 50], 60)).toEqual([100, 60, 60]);
    expect(waterFill([100, 10, 50], 190)).toEqual([116, 117, 117]); // the spare connections go to the least-loaded;
  });

  it('moves every connection exactly once, in whole connections, and never lowers a node', () => {
    const now = [7, 0, 3, 3, 12];
    for (const moved of [0, 1, 2, 5, 13, 101]) {
      const after = waterFill(now, moved);
      expect(after.reduce((sum, count) => sum + count, 0)).toBe(7 + 3 + 3 + 12 + moved);
      for (const [index, count] of after.entries())
        expect(count).toBeGreaterThanOrEqual(now[index] as number);
      // Water-filled: the nodes that gained are within one connection of each other.
      const raised = after.filter((count, index) => count > (now[index] as number));
      if (raised.length > 0) expect(Math.max(...raised) - Math.min(...raised)).toBeLessThanOrEqual(1);
    }
  });

  it('gives ties to the earlier node and handles no nodes', () => {
    expect(waterFill([5, 5], 1)).toEqual([6, 5]);
    expect(waterFill([], 10)).toEqual([]);
  });
});

describe('shedCount and closesPerSecond', () => {
  it('sheds a count (at most the open connections) or a rounded share', () => {
    expect(shedCount({ count: 10 }, 40)).toBe(10);
    expect(shedCount({ count: 50 }, 40)).toBe(40);
    expect(shedCount({ percent: 25 }, 30)).toBe(8); // 7.5 rounds up
    expect(shedCount({ percent: 1 }, 30)).toBe(0); // 0.3 rounds to nothing
    expect(shedCount({ percent: 100 }, 30)).toBe(30);
  });

  it('paces a drain over 80 % of its deadline and a shed over all of it, as the agent does', () => {
    expect(closesPerSecond('drain', 80, 10_000)).toBe(10);
    expect(closesPerSecond('shed', 80, 10_000)).toBe(8);
    expect(closesPerSecond('drain', 0, 10_000)).toBe(0);
  });
});

describe('previewMove', () => {
  it('drains the node onto the other active nodes, least-connections first, with CPU scaled', () => {
    const views = [
      nodeView('node-1', 40, { health: { ...QUIET_HEALTH, cpu: 0.2 } }),
      nodeView('node-2', 60),
      nodeView('node-3', 10, { health: { ...QUIET_HEALTH, cpu: 0.1 } }),
      nodeView('node-4', 0, { status: 'draining' }),
    ];
    const preview = previewMove({
      kind: 'drain',
      nodeId: 'node-2',
      deadlineMs: 10_000,
      views,
      limits: NO_LIMITS,
    });
    expect(preview).toMatchObject({ kind: 'drain', nodeId: 'node-2', connections: 60, deadlineMs: 10_000 });
    expect(preview.closesPerSec).toBeCloseTo(7.5);
    // 60 moved: node-3 rises to 40 (30), then both share the remaining 30.
    expect(preview.targets).toEqual([
      { nodeId: 'node-1', connectionsNow: 40, connectionsAfter: 55, cpuNow: 0.2, cpuAfter: 0.275 },
      { nodeId: 'node-3', connectionsNow: 10, connectionsAfter: 55, cpuNow: 0.1, cpuAfter: 0.55 },
    ]);
    expect(preview.warnings).toEqual([]);
    expect(preview.limits).toBe(NO_LIMITS);
  });

  it('leaves CPU after unknown for a node with no connections or no CPU figure', () => {
    const views = [nodeView('a', 10), nodeView('b', 0), nodeView('c', 5, { health: null })];
    const preview = previewMove({ kind: 'drain', nodeId: 'a', deadlineMs: 5_000, views, limits: NO_LIMITS });
    expect(preview.targets.map((target) => [target.nodeId, target.cpuNow, target.cpuAfter])).toEqual([
      ['b', 0.1, null],
      ['c', null, null],
    ]);
  });

  it('warns when a target would exceed the connection or CPU limit', () => {
    const views = [
      nodeView('a', 100),
      nodeView('b', 50, { health: { ...QUIET_HEALTH, cpu: 0.5 } }),
      nodeView('c', 90, { health: { ...QUIET_HEALTH, cpu: 0.3 } }),
    ];
    const preview = previewMove({
      kind: 'drain',
      nodeId: 'a',
      deadlineMs: 10_000,
      views,
      limits: { maxConnectionsPerNode: 110, maxCpu: 0.8 },
    });
    // 100 moved: b to 90 (40), then 60 shared: 120 each.
    expect(preview.targets.map((target) => target.connectionsAfter)).toEqual([120, 120]);
    expect(preview.warnings).toEqual([
      'b would hold 120 connections, above the limit of 110 per node.',
      'b would use about 120 % of a core, above the limit of 80 %.',
      'c would hold 120 connections, above the limit of 110 per node.',
    ]);
  });

  it('warns when draining the last active node, and for a node already draining, drained or unreachable', () => {
    const last = previewMove({
      kind: 'drain',
      nodeId: 'a',
      deadlineMs: 10_000,
      views: [nodeView('a', 5), nodeView('b', 3, { status: 'drained' })],
      limits: NO_LIMITS,
    });
    expect(last.targets).toEqual([]);
    expect(last.warnings).toEqual([
      'No other active node remains: the 5 connections of a have nowhere to go.',
    ]);

    const views = [
      nodeView('a', 5, { status: 'draining' }),
      nodeView('b', 0, { status: 'drained' }),
      nodeView('c', 0, { status: 'unreachable', connections: null }),
      nodeView('d', 1),
    ];
    const warningsOf = (nodeId: string, kind: 'drain' | 'shed') =>
      previewMove({ kind, nodeId, amount: { count: 1 }, deadlineMs: 10_000, views, limits: NO_LIMITS })
        .warnings;
    expect(warningsOf('a', 'drain')).toEqual([
      'a is already draining: the drain in progress carries on with its own deadline.',
    ]);
    expect(warningsOf('b', 'drain')).toEqual(['b is already drained: it is empty and safe to stop.']);
    expect(warningsOf('c', 'drain')[0]).toMatch(/^c is unreachable: its connections are unknown/);
    expect(warningsOf('a', 'shed')).toEqual(['a is draining: only an active node can shed connections.']);
  });

  it('previews a shed by count or percent, paced over the whole deadline', () => {
    const views = [nodeView('hot', 90), nodeView('cold', 10)];
    const byCount = previewMove({
      kind: 'shed',
      nodeId: 'hot',
      amount: { count: 40 },
      deadlineMs: 20_000,
      views,
      limits: NO_LIMITS,
    });
    expect(byCount).toMatchObject({ connections: 40, closesPerSec: 2, warnings: [] });
    expect(byCount.targets).toMatchObject([{ nodeId: 'cold', connectionsNow: 10, connectionsAfter: 50 }]);
    const byPercent = previewMove({
      kind: 'shed',
      nodeId: 'hot',
      amount: { percent: 50 },
      deadlineMs: 20_000,
      views,
      limits: NO_LIMITS,
    });
    expect(byPercent.connections).toBe(45);
    const tooMany = previewMove({
      kind: 'shed',
      nodeId: 'cold',
      amount: { count: 25 },
      deadlineMs: 20_000,
      views,
      limits: NO_LIMITS,
    });
    expect(tooMany.connections).toBe(10);
    expect(tooMany.warnings).toEqual(['cold has only 10 open connections: the shed closes those 10.']);
  });

  it('refuses a node the fleet does not have', () => {
    expect(() =>
      previewMove({ kind: 'drain', nodeId: 'ghost', deadlineMs: 1_000, views: [], limits: NO_LIMITS }),
    ).toThrow('no node "ghost" in this fleet');
  });
});

describe('isSafeToStop', () => {
  it('is true only for a drained node with 0 open connections', () => {
    expect(isSafeToStop(nodeView('a', 0, { status: 'drained' }))).toBe(true);
    expect(isSafeToStop(nodeView('a', 2, { status: 'drained' }))).toBe(false);
    expect(isSafeToStop(nodeView('a', 0, { status: 'draining' }))).toBe(false);
    expect(isSafeToStop(nodeView('a', 0, { status: 'active' }))).toBe(false);
    expect(isSafeToStop(nodeView('a', 0, { status: 'unreachable', connections: null }))).toBe(false);
  });
});
