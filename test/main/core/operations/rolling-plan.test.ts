/** The pure rules of a rolling drain (main/common/roll-plan.ts). */
import { describe, expect, it } from 'vitest';
import type { Alert, RollPhase, RollStep } from '../../../../main/common/models.js';
import {
  defaultMinActive,
  healthBaseline,
  healthStopReason,
  nextSteps,
  previewRoll,
  rejoinWaitReason,
  rollProgress,
} from '../../../../main/common/roll-plan.js';
import { nodeView } from '../node-views.js';

const three = [nodeView('node-1'), nodeView('node-2'), nodeView('node-3')];

function step(nodeId: string, phase: RollPhase, endedAt: number | null = null): RollStep {
  return { nodeId, phase, startedAt: phase === 'pending' ? null : 1, endedAt, message: null };
}

function alert(id: string, nodeId: string | null, severity: Alert['severity'] = 'critical'): Alert {
  return {
    id,
    kind: 'node-unreachable',
    severity,
    nodeId,
    message: `${nodeId} is unreachable`,
    since: 1,
    resolvedAt: null,
    value: null,
    threshold: null,
  };
}

describe('defaultMinActive', () => {
  it('keeps every active node but the ones rolled at once, and at least one', () => {
    expect(defaultMinActive(3, 1)).toBe(2);
    expect(defaultMinActive(5, 2)).toBe(3);
    expect(defaultMinActive(2, 1)).toBe(1);
    expect(defaultMinActive(1, 1)).toBe(1);
    expect(defaultMinActive(2, 2)).toBe(1);
  });
});

describe('previewRoll', () => {
  it('orders the nodes as asked, in batches of the concurrency, with the minimum kept', () => {
    const preview = previewRoll({ nodeIds: ['node-3', 'node-1', 'node-2'], concurrency: 2 }, three);
    expect(preview).toEqual({
      order: ['node-3', 'node-1', 'node-2'],
      batches: [['node-3', 'node-1'], ['node-2']],
      activeNodes: 3,
      minActive: 1,
      effectiveConcurrency: 2,
      problem: null,
    });
  });

  it('says how many run at once when the minimum allows fewer than asked', () => {
    const preview = previewRoll(
      { nodeIds: ['node-1', 'node-2', 'node-3'], concurrency: 2, minActive: 2 },
      three,
    );
    expect(preview.effectiveConcurrency).toBe(1);
    expect(preview.problem).toBeNull();
  });

  it('refuses unknown and inactive nodes, and a minimum no step could keep', () => {
    expect(previewRoll({ nodeIds: ['node-9'], concurrency: 1 }, three).problem).toBe(
      'There is no node "node-9" in this fleet.',
    );
    const draining = [nodeView('node-1'), nodeView('node-2', 0, { status: 'draining' })];
    expect(previewRoll({ nodeIds: ['node-1', 'node-2'], concurrency: 1 }, draining).problem).toMatch(
      /^node-2 is draining: only active nodes can be rolled/,
    );
    expect(previewRoll({ nodeIds: ['node-1'], concurrency: 1, minActive: 3 }, three).problem).toBe(
      'Rolling any node would leave 2 active nodes, below the minimum of 3.',
    );
    expect(previewRoll({ nodeIds: [], concurrency: 1 }, three).problem).toBe(
      'Choose at least one node to roll.',
    );
  });

  it('explains that a single node rolls only with a minimum of 0', () => {
    const one = [nodeView('node-1')];
    expect(previewRoll({ nodeIds: ['node-1'], concurrency: 1 }, one).problem).toMatch(
      /below the minimum of 1\. A single node cannot be rolled without downtime; set the minimum to 0/,
    );
    expect(previewRoll({ nodeIds: ['node-1'], concurrency: 1, minActive: 0 }, one).problem).toBeNull();
  });
});

describe('nextSteps', () => {
  it('starts the first pending node while the minimum holds', () => {
    const steps = [step('node-1', 'pending'), step('node-2', 'pending'), step('node-3', 'pending')];
    expect(nextSteps(steps, three, 2, 1)).toEqual({ start: ['node-1'], skip: [], waiting: null });
  });

  it('starts nothing while a step is under way at concurrency 1', () => {
    const steps = [step('node-1', 'rejoining'), step('node-2', 'pending'), step('node-3', 'pending')];
    // node-1 already reports active again, but its step is not done: it does not count yet.
    expect(nextSteps(steps, three, 2, 1).start).toEqual([]);
  });

  it('counts active nodes without the ones under way, so a node just told to drain is not counted', () => {
    const steps = [step('node-1', 'draining'), step('node-2', 'pending'), step('node-3', 'pending')];
    // Concurrency 2 leaves a slot, but node-1 still shows active: 3 active, 2 without node-1.
    const next = nextSteps(steps, three, 2, 2);
    expect(next.start).toEqual([]);
    expect(next.waiting).toBe(
      'Starting node-2 now would leave 1 active node, below the minimum of 2; it waits.',
    );
    expect(nextSteps(steps, three, 1, 2).start).toEqual(['node-2']);
  });

  it('fills the free slots in order up to the minimum', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((id) => nodeView(id));
    const steps = five.map((view) => step(view.id, 'pending'));
    expect(nextSteps(steps, five, 3, 2).start).toEqual(['a', 'b']);
    expect(nextSteps(steps, five, 4, 2).start).toEqual(['a']);
  });

  it('skips a node someone else drained, and holds at a node that is not reachable', () => {
    const views = [
      nodeView('node-1', 0, { status: 'drained' }),
      nodeView('node-2', 0, { status: 'unreachable' }),
      nodeView('node-3'),
      nodeView('node-4'),
    ];
    const steps = [step('node-1', 'pending'), step('node-2', 'pending'), step('node-3', 'pending')];
    const next = nextSteps(steps, views, 1, 1);
    expect(next.skip).toEqual([
      {
        nodeId: 'node-1',
        reason: 'It was drained when its turn came (someone else drained it): left as it is.',
      },
    ]);
    expect(next.start).toEqual([]);
    expect(next.waiting).toBe('node-2 is unreachable; its turn waits until it is active.');
  });

  it('skips a node that left the fleet', () => {
    const next = nextSteps([step('gone', 'pending'), step('node-1', 'pending')], three, 1, 1);
    expect(next.skip.map((skipped) => skipped.nodeId)).toEqual(['gone']);
    expect(next.start).toEqual(['node-1']);
  });

  it('does not count a step halted by a stop as under way', () => {
    const steps = [step('node-1', 'draining', 5), step('node-2', 'pending')];
    expect(nextSteps(steps, three, 1, 1).start).toEqual(['node-2']);
  });
});

describe('healthStopReason', () => {
  const rollNodeIds = new Set(['node-1', 'node-2']);
  const base = healthBaseline(three, []);

  it('is null while the fleet is as it was', () => {
    expect(
      healthStopReason({ views: three, activeAlerts: [], rollNodeIds, inFlight: new Set(), baseline: base }),
    ).toBeNull();
  });

  it('ignores alerts about the nodes under way and warnings', () => {
    const activeAlerts = [
      alert('node-unreachable:node-1', 'node-1'),
      alert('cpu:node-3', 'node-3', 'warning'),
    ];
    expect(
      healthStopReason({
        views: three,
        activeAlerts,
        rollNodeIds,
        inFlight: new Set(['node-1']),
        baseline: base,
      }),
    ).toBeNull();
  });

  it('stops on a new critical alert about a node not under way, in the roll or not', () => {
    for (const nodeId of ['node-2', 'node-3']) {
      expect(
        healthStopReason({
          views: three,
          activeAlerts: [alert(`node-unreachable:${nodeId}`, nodeId)],
          rollNodeIds,
          inFlight: new Set(['node-1']),
          baseline: base,
        }),
      ).toBe(`A critical alert fired about ${nodeId}: ${nodeId} is unreachable`);
    }
  });

  it('does not stop for a critical alert that was active when the roll started', () => {
    const known = alert('dependency-down:node-3:broker', 'node-3');
    expect(
      healthStopReason({
        views: three,
        activeAlerts: [known],
        rollNodeIds,
        inFlight: new Set(),
        baseline: healthBaseline(three, [known]),
      }),
    ).toBeNull();
  });

  it('stops at once when a node outside the roll turns unreachable, before any alert', () => {
    const views = [
      three[0],
      three[1],
      nodeView('node-3', 0, { status: 'unreachable', problem: 'connection refused' }),
    ].filter((view) => view !== undefined);
    expect(
      healthStopReason({ views, activeAlerts: [], rollNodeIds, inFlight: new Set(), baseline: base }),
    ).toBe('node-3, which is not in the roll, became unreachable (connection refused).');
    // Unreachable before the roll started: known, not a change.
    expect(
      healthStopReason({
        views,
        activeAlerts: [],
        rollNodeIds,
        inFlight: new Set(),
        baseline: healthBaseline(views, []),
      }),
    ).toBeNull();
  });
});

describe('rejoinWaitReason', () => {
  it('waits for a new agent run, then active, then no alert about it', () => {
    const before = nodeView('node-1', 0, { status: 'unreachable' });
    expect(rejoinWaitReason(before, 1, [])).toBe('Waiting for the restarted node to report in.');
    const restarted = {
      nodeId: 'node-1',
      name: 'node-1',
      version: '1',
      host: 'h',
      pid: 2,
      startedAt: 99,
      labels: {},
    };
    expect(rejoinWaitReason(nodeView('node-1', 0, { status: 'draining', identity: restarted }), 1, [])).toBe(
      'Back, but draining; waiting for it to turn active.',
    );
    const back = nodeView('node-1', 0, { identity: restarted });
    expect(rejoinWaitReason(back, 1, [alert('node-unreachable:node-1', 'node-1')])).toBe(
      'Back and active; waiting for the node-unreachable alert about it to clear.',
    );
    expect(rejoinWaitReason(back, 1, [alert('node-unreachable:node-2', 'node-2')])).toBeNull();
    expect(rejoinWaitReason(null, 1, [])).toBe('The node is no longer in the fleet.');
  });
});

describe('rollProgress', () => {
  it('counts finished steps of every ending', () => {
    const steps = [step('a', 'done'), step('b', 'skipped'), step('c', 'draining'), step('d', 'pending')];
    expect(rollProgress({ steps })).toEqual({ finished: 2, done: 1, total: 4 });
  });
});
