import { describe, expect, it } from 'vitest';
import type { Alert, AlertKind, FleetDelta, NodeView } from '../../../main/common/models.js';
import {
  AlertNotifier,
  DEFAULT_BURST_WINDOW_MS,
  SUMMARY_LISTED_ALERTS,
  summarize,
} from '../../../main/core/alert-notifier.js';
import { AlertEngine, severityOf } from '../../../main/core/alerts.js';
import { computeTotals } from '../../../main/core/fleet-totals.js';
import { nodeView } from './node-views.js';

function alert(nodeId: string, kind: AlertKind = 'node-unreachable', since = 1_000): Alert {
  return {
    id: `${kind}:${nodeId}`,
    kind,
    severity: severityOf(kind),
    nodeId,
    message: `${nodeId} ${kind} message`,
    since,
    resolvedAt: null,
    value: null,
    threshold: null,
  };
}

let version = 0;
function delta(upserted: readonly Alert[], resolved: readonly Alert[] = [], reset = false): FleetDelta {
  version += 1;
  return {
    fleetName: 'test',
    version,
    time: 0,
    reset,
    upserted: [],
    removed: [],
    alerts: { upserted, resolved, activeCount: 0 },
  };
}
const resolvedAt = (raised: Alert, time: number): Alert => ({ ...raised, resolvedAt: time });
const titles = (notifications: readonly { title: string }[]) => notifications.map((item) => item.title);

/** A notifier that has taken the first (reset) delta: a calm fleet. */
function calmNotifier(): AlertNotifier {
  const notifier = new AlertNotifier();
  expect(notifier.handleDelta(delta([], [], true), 0)).toEqual([]);
  return notifier;
}

describe('AlertNotifier', () => {
  it('says nothing for the alerts already active in the first (reset) delta, nor for their updates', () => {
    const notifier = new AlertNotifier();
    const down = alert('node-1');
    expect(notifier.handleDelta(delta([down, alert('node-2', 'cpu')], [], true), 0)).toEqual([]);
    expect(notifier.handleDelta(delta([{ ...down, message: 'node-1 is still unreachable' }]), 1_000)).toEqual(
      [],
    );
    expect(notifier.nextFlushAt).toBeNull();
  });

  it('notifies once per alert id while it stays active, and again once it resolved and came back', () => {
    const notifier = calmNotifier();
    const cpu = alert('node-2', 'cpu');
    expect(notifier.handleDelta(delta([cpu]), 1_000)).toEqual([
      { title: 'Warning: node-2 CPU', body: 'node-2 cpu message', alertIds: ['cpu:node-2'] },
    ]);
    // The figure moves, the message changes: not news.
    expect(notifier.handleDelta(delta([{ ...cpu, message: 'node-2 CPU is 97 %' }]), 2_000)).toEqual([]);
    expect(notifier.handleDelta(delta([], [resolvedAt(cpu, 3_000)]), 3_000)).toEqual([]);
    expect(titles(notifier.handleDelta(delta([cpu]), 30_000))).toEqual(['Warning: node-2 CPU']);
  });

  it('titles critical alerts as such and names the fleet for fleet-wide ones', () => {
    const notifier = calmNotifier();
    const skew: Alert = { ...alert('x', 'skew'), id: 'skew', nodeId: null };
    expect(titles(notifier.handleDelta(delta([alert('node-3'), skew]), 1_000))).toEqual([
      'Critical: node-3 unreachable',
      'Warning: fleet connections skewed',
    ]);
  });

  it('shows up to three new alerts in a window one by one', () => {
    const notifier = calmNotifier();
    expect(notifier.handleDelta(delta([alert('node-1')]), 1_000)).toHaveLength(1);
    expect(notifier.handleDelta(delta([alert('node-2'), alert('node-3')]), 2_000)).toHaveLength(2);
    expect(notifier.nextFlushAt).toBeNull();
    // After the window, the count starts again.
    expect(notifier.handleDelta(delta([alert('node-4')]), 1_000 + DEFAULT_BURST_WINDOW_MS)).toHaveLength(1);
  });

  it('coalesces more than three new alerts within 5 s into one summary when the window ends', () => {
    const notifier = calmNotifier();
    const burst = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'].map((id) => alert(id));
    expect(notifier.handleDelta(delta(burst.slice(0, 4)), 1_000)).toEqual([]);
    expect(notifier.handleDelta(delta(burst.slice(4)), 2_000)).toEqual([]);
    expect(notifier.nextFlushAt).toBe(1_000 + DEFAULT_BURST_WINDOW_MS);
    expect(notifier.flush(5_999)).toEqual([]);
    const [summary, ...rest] = notifier.flush(6_000);
    expect(rest).toEqual([]);
    expect(summary?.title).toBe('5 alerts: 5 critical');
    expect(summary?.alertIds).toEqual(burst.map((item) => item.id));
    expect(summary?.body.split('\n')).toEqual([
      ...burst.slice(0, SUMMARY_LISTED_ALERTS).map((item) => item.message),
      'and 1 more',
    ]);
    // Each alert was announced by the summary: no single notification follows for it.
    expect(notifier.handleDelta(delta(burst), 20_000)).toEqual([]);
  });

  it('holds the rest of a window once it is over the limit, after the ones already shown', () => {
    const notifier = calmNotifier();
    expect(notifier.handleDelta(delta([alert('node-1'), alert('node-2')]), 1_000)).toHaveLength(2);
    expect(notifier.handleDelta(delta([alert('node-3'), alert('node-4', 'cpu')]), 1_500)).toEqual([]);
    // A late timer: the next delta closes the window and shows the summary first.
    expect(titles(notifier.handleDelta(delta([]), 7_000))).toEqual(['2 alerts: 1 critical, 1 warning']);
  });

  it('leaves resolved alerts out of a summary, and shows a lone survivor on its own', () => {
    const notifier = calmNotifier();
    const burst = ['node-1', 'node-2', 'node-3', 'node-4'].map((id) => alert(id));
    expect(notifier.handleDelta(delta(burst), 1_000)).toEqual([]);
    const gone = burst.slice(1).map((item) => resolvedAt(item, 2_000));
    expect(notifier.handleDelta(delta([], gone), 2_000)).toEqual([]);
    expect(notifier.flush(6_000)).toEqual([
      {
        title: 'Critical: node-1 unreachable',
        body: 'node-1 node-unreachable message',
        alertIds: ['node-unreachable:node-1'],
      },
    ]);
  });

  it('keeps coalescing while a storm lasts: one summary per window, then back to single ones', () => {
    const notifier = calmNotifier();
    const first = ['a', 'b', 'c', 'd'].map((id) => alert(id));
    notifier.handleDelta(delta(first), 0);
    expect(notifier.flush(5_000)).toHaveLength(1);
    // Right after a summary, even one new alert waits for the next summary.
    expect(notifier.handleDelta(delta([alert('e')]), 6_000)).toEqual([]);
    expect(notifier.handleDelta(delta([alert('f')]), 7_000)).toEqual([]);
    expect(notifier.nextFlushAt).toBe(10_000);
    expect(titles(notifier.flush(10_000))).toEqual(['2 alerts: 2 critical']);
    // A quiet window ends the storm.
    expect(notifier.handleDelta(delta([]), 15_000)).toEqual([]);
    expect(titles(notifier.handleDelta(delta([alert('g')]), 16_000))).toEqual(['Critical: g unreachable']);
  });

  it('announces, on a later reset, the alerts it had not seen and forgets the ones gone', () => {
    const notifier = new AlertNotifier();
    const known = alert('node-1');
    notifier.handleDelta(delta([known], [], true), 0);
    expect(titles(notifier.handleDelta(delta([alert('node-2')], [], true), 1_000))).toEqual([
      'Critical: node-2 unreachable',
    ]);
    // node-1 was missing from that reset: it resolved meanwhile, so its return is news.
    expect(titles(notifier.handleDelta(delta([known]), 2_000))).toEqual(['Critical: node-1 unreachable']);
  });

  it('notifies only the severities it is given', () => {
    const notifier = new AlertNotifier({ severities: ['critical'] });
    notifier.handleDelta(delta([], [], true), 0);
    expect(titles(notifier.handleDelta(delta([alert('n', 'cpu'), alert('n')]), 1_000))).toEqual([
      'Critical: n unreachable',
    ]);
  });

  it('rejects nonsense options', () => {
    expect(() => new AlertNotifier({ burstLimit: 0 })).toThrow(TypeError);
    expect(() => new AlertNotifier({ burstWindowMs: Number.NaN })).toThrow(TypeError);
  });

  it('follows the real alert engine: a node dies, comes back, dies again', () => {
    const engine = new AlertEngine();
    const notifier = new AlertNotifier();
    let now = 0;
    let reset = true;
    const step = (views: readonly NodeView[]) => {
      now += 1_000;
      const changes = engine.evaluate(now, views, computeTotals(now, views, engine.thresholds));
      const notifications = notifier.handleDelta(delta(changes.upserted, changes.resolved, reset), now);
      reset = false;
      return titles(notifications);
    };
    const down = nodeView('n1', 0, { status: 'unreachable', statusSince: 0, problem: 'refused' });
    expect(step([down, nodeView('n2')])).toEqual([]); // already down when the window opened
    expect(step([nodeView('n1'), nodeView('n2')])).toEqual([]);
    expect(step([down, nodeView('n2')])).toEqual(['Critical: n1 unreachable']);
    expect(step([down, nodeView('n2')])).toEqual([]);
  });
});

describe('summarize', () => {
  it('puts critical alerts first, then the oldest', () => {
    const summary = summarize([
      alert('a', 'cpu', 1),
      alert('b', 'node-unreachable', 5),
      alert('c', 'rss', 0),
    ]);
    expect(summary.alertIds).toEqual(['node-unreachable:b', 'rss:c', 'cpu:a']);
    expect(summary.title).toBe('3 alerts: 1 critical, 2 warning');
  });
});
