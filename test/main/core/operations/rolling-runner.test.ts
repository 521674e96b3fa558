/**
 * The roll runner's state machine (main/core/operations/rolling.ts) over a scripted fleet: the
 * drain and provisioning modules are stand-ins that change the node views the way the real
 * agents do (drain → draining → drained, restart → unreachable → active under a new run), so
 * pause, resume, abort, a health stop, a failed restart and the audit trail are checked in
 * milliseconds. The same runner over real node processes is in rolling.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Alert,
  NodeView,
  OperationRecord,
  ProvisionerInfo,
  RollPlan,
} from '../../../../main/common/models.js';
import type { FleetConfig } from '../../../../main/core/fleet-file.js';
import type { FleetStore } from '../../../../main/core/fleet-store.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import type { OperationsContext } from '../../../../main/core/operations/context.js';
import {
  createRolling,
  type RollBalancer,
  type RollDrain,
  type Rolling,
  type RollProvisioning,
} from '../../../../main/core/operations/rolling.js';
import { waitFor } from '../../../helpers/wait.js';
import { nodeView } from '../node-views.js';

/** A fleet of views that the stand-in operations change over time. */
class ScriptedFleet {
  readonly views = new Map<string, NodeView>();
  readonly alerts: Alert[] = [];
  readonly audit = new AuditLog(null);
  readonly calls: string[] = [];
  /** How long a drain takes to end drained, ms. */
  drainMs = 30;
  /** How long a restart keeps the node unreachable, ms. */
  restartMs = 30;
  restartError: string | null = null;
  canRestart = true;
  private runs = 100;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The fewest active nodes seen by `watchActive`. */
  lowestActive = Number.POSITIVE_INFINITY;
  /** With a balancer: when each restarted node turns UP there, and how many reads fail first. */
  balancerUpAt: Map<string, number> | null = null;
  balancerLagMs = 150;
  balancerFailures = 0;

  constructor(ids: readonly string[]) {
    for (const id of ids) this.views.set(id, nodeView(id, 10));
  }

  set(id: string, change: Partial<NodeView>) {
    const view = this.views.get(id);
    if (view) this.views.set(id, { ...view, ...change });
    const active = [...this.views.values()].filter((candidate) => candidate.status === 'active').length;
    this.lowestActive = Math.min(this.lowestActive, active);
  }

  later(ms: number, run: () => void) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  record(action: OperationRecord['action'], nodeId: string, parentId: string | null | undefined) {
    return this.audit
      .start({ action, nodeId, args: {}, source: 'console', fleet: 'scripted', parentId: parentId ?? null })
      .then((handle) => handle.finish('succeeded'));
  }

  context(): OperationsContext {
    return {
      fleet: { name: 'scripted', nodes: [] } as unknown as FleetConfig,
      store: { alerts: () => ({ active: this.alerts }) } as unknown as FleetStore,
      audit: this.audit,
      source: 'console',
      view: (id) => this.views.get(id) ?? null,
      views: () => [...this.views.values()],
      command: () => Promise.reject(new Error('not used')),
      addNode: () => {},
      removeNode: () => false,
      subscribe: () => () => {},
    };
  }

  drain(): RollDrain {
    return {
      drain: async (id, _deadlineMs, parentId) => {
        this.calls.push(`drain ${id}`);
        this.balancerUpAt?.set(id, Number.POSITIVE_INFINITY);
        this.set(id, { status: 'draining' });
        this.later(this.drainMs, () => {
          if (this.views.get(id)?.status === 'draining') this.set(id, { status: 'drained' });
        });
        return this.record('drain', id, parentId);
      },
      waitDrained: async (id, timeoutMs) => {
        await waitFor(() => this.views.get(id)?.status === 'drained', `${id} drained`, timeoutMs, 5);
      },
      undrain: async (id, parentId) => {
        this.calls.push(`undrain ${id}`);
        this.set(id, { status: 'active' });
        return this.record('undrain', id, parentId);
      },
    };
  }

  provisioning(): RollProvisioning {
    const info: ProvisionerInfo = {
      kind: 'command',
      canAdd: false,
      canRemove: false,
      canRestart: this.canRestart,
      addFields: [],
    };
    return {
      info: () => info,
      restart: async (id, parentId) => {
        this.calls.push(`restart ${id}`);
        if (this.restartError !== null) throw new Error(this.restartError);
        this.set(id, { status: 'unreachable' });
        await new Promise((resolve) => this.later(this.restartMs, () => resolve(undefined)));
        const identity = this.views.get(id)?.identity;
        if (identity) this.set(id, { status: 'active', identity: { ...identity, startedAt: ++this.runs } });
        this.balancerUpAt?.set(id, Date.now() + this.balancerLagMs);
        return this.record('restart', id, parentId);
      },
    };
  }

  balancer(): RollBalancer {
    return {
      serverState: async (id) => {
        if (this.balancerFailures > 0) {
          this.balancerFailures--;
          throw new Error('connect ECONNREFUSED 127.0.0.1:1');
        }
        return Date.now() >= (this.balancerUpAt?.get(id) ?? 0) ? 'UP' : 'DOWN';
      },
    };
  }

  dispose() {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

let fleet: ScriptedFleet;
let rolling: Rolling;

function start(ids: string[], options: { drainMs?: number; restartMs?: number; balancer?: boolean } = {}) {
  fleet = new ScriptedFleet(ids);
  fleet.drainMs = options.drainMs ?? 30;
  fleet.restartMs = options.restartMs ?? 30;
  if (options.balancer) fleet.balancerUpAt = new Map();
  const balancer = options.balancer ? fleet.balancer() : null;
  rolling = createRolling(fleet.context(), fleet.drain(), fleet.provisioning(), balancer, {
    pollMs: 10,
    settleMs: 20,
  });
}

afterEach(() => {
  rolling?.dispose();
  fleet?.dispose();
});

async function finished(): Promise<RollPlan> {
  await rolling.settled();
  return rolling.current() as RollPlan;
}

describe('the roll runner', () => {
  it('rolls every node in order, one at a time, never below the minimum, audited under the roll', async () => {
    start(['node-1', 'node-2', 'node-3']);
    const plan = await rolling.start({
      nodeIds: ['node-2', 'node-1', 'node-3'],
      concurrency: 1,
      deadlineMs: 1_000,
    });
    expect(plan).toMatchObject({ state: 'running', minActive: 2, concurrency: 1 });
    const done = await finished();
    expect(done.state).toBe('done');
    expect(done.steps.map((step) => [step.nodeId, step.phase])).toEqual([
      ['node-2', 'done'],
      ['node-1', 'done'],
      ['node-3', 'done'],
    ]);
    expect(fleet.calls).toEqual([
      'drain node-2',
      'restart node-2',
      'drain node-1',
      'restart node-1',
      'drain node-3',
      'restart node-3',
    ]);
    expect(fleet.lowestActive).toBe(2);
    const { entries } = await fleet.audit.read();
    const roll = entries.find((entry) => entry.action === 'roll');
    expect(roll).toMatchObject({ id: plan.id, outcome: 'succeeded', nodeId: null });
    expect(roll?.args).toEqual({
      nodeIds: ['node-2', 'node-1', 'node-3'],
      concurrency: 1,
      deadlineMs: 1_000,
      minActive: 2,
    });
    const children = entries.filter((entry) => entry.parentId === plan.id);
    expect(children.map((entry) => `${entry.action} ${entry.nodeId}`).sort()).toEqual([
      'drain node-1',
      'drain node-2',
      'drain node-3',
      'restart node-1',
      'restart node-2',
      'restart node-3',
    ]);
  });

  it('moves on only once the balancer marks the restarted node UP, and waits out a balancer it cannot read', async () => {
    start(['node-1', 'node-2'], { balancer: true });
    fleet.balancerLagMs = 200;
    fleet.balancerFailures = 3;
    const messages: string[] = [];
    const watch = setInterval(() => {
      const message = rolling.current()?.steps[0]?.message;
      if (message && messages.at(-1) !== message) messages.push(message);
    }, 5);
    await rolling.start({ nodeIds: ['node-1', 'node-2'], concurrency: 1, deadlineMs: 1_000 });
    const done = await finished();
    clearInterval(watch);
    expect(done.state).toBe('done');
    expect(
      messages.some((message) => message.includes('waiting to read the balancer: connect ECONNREFUSED')),
    ).toBe(true);
    expect(
      messages.some((message) => message.includes('waiting for the balancer to mark it UP (it shows DOWN)')),
    ).toBe(true);
    // node-1's step ended (and node-2's began) only once the balancer showed node-1 UP.
    const upAt = fleet.balancerUpAt?.get('node-1') as number;
    const [node1, node2] = ['node-1', 'node-2'].map((id) => done.steps.find((step) => step.nodeId === id));
    expect(node1?.endedAt ?? 0).toBeGreaterThanOrEqual(upAt);
    expect(node2?.startedAt ?? 0).toBeGreaterThanOrEqual(upAt);
  });

  it('rolls two at a time when the minimum allows it', async () => {
    start(['a', 'b', 'c', 'd', 'e'], { drainMs: 40 });
    await rolling.start({ nodeIds: ['a', 'b', 'c', 'd', 'e'], concurrency: 2, deadlineMs: 1_000 });
    await waitFor(
      () => (rolling.current()?.steps ?? []).filter((step) => step.phase === 'draining').length === 2,
      'two nodes draining at once',
      2_000,
      2,
    );
    const done = await finished();
    expect(done.state).toBe('done');
    expect(fleet.lowestActive).toBe(3);
  });

  it('pauses after the step under way and resumes where it was', async () => {
    start(['node-1', 'node-2', 'node-3']);
    const plan = await rolling.start({
      nodeIds: ['node-1', 'node-2', 'node-3'],
      concurrency: 1,
      deadlineMs: 1_000,
    });
    await rolling.control(plan.id, 'pause');
    await waitFor(() => rolling.current()?.steps[0]?.phase === 'done', 'node-1 done', 2_000, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const paused = rolling.current() as RollPlan;
    expect(paused.state).toBe('paused');
    expect(paused.steps.map((step) => step.phase)).toEqual(['done', 'pending', 'pending']);
    await rolling.control(plan.id, 'resume');
    expect((await finished()).state).toBe('done');
  });

  it('aborts midway: the draining node is undrained, the rest skipped, every node active', async () => {
    start(['node-1', 'node-2', 'node-3'], { drainMs: 300 });
    const plan = await rolling.start({
      nodeIds: ['node-1', 'node-2', 'node-3'],
      concurrency: 1,
      deadlineMs: 1_000,
    });
    await waitFor(() => rolling.current()?.steps[1]?.phase === 'draining', 'node-2 draining', 2_000, 5);
    const aborting = await rolling.control(plan.id, 'abort');
    expect(aborting.state).toBe('aborting');
    const aborted = await finished();
    expect(aborted.state).toBe('aborted');
    expect(aborted.steps.map((step) => step.phase)).toEqual(['done', 'undrained', 'skipped']);
    expect([...fleet.views.values()].map((view) => view.status)).toEqual(['active', 'active', 'active']);
    expect(fleet.calls).toContain('undrain node-2');
    const { entries } = await fleet.audit.read();
    expect(entries.find((entry) => entry.id === plan.id)).toMatchObject({ outcome: 'aborted' });
    expect(entries.some((entry) => entry.action === 'undrain' && entry.parentId === plan.id)).toBe(true);
    await expect(rolling.control(plan.id, 'resume')).rejects.toThrow('The roll is already aborted.');
  });

  it('an abort during a restart waits for the node to come back: every node ends active', async () => {
    start(['node-1', 'node-2', 'node-3'], { restartMs: 200 });
    const plan = await rolling.start({
      nodeIds: ['node-1', 'node-2', 'node-3'],
      concurrency: 1,
      deadlineMs: 1_000,
    });
    await waitFor(() => rolling.current()?.steps[0]?.phase === 'restarting', 'node-1 restarting', 2_000, 5);
    await rolling.control(plan.id, 'abort');
    const aborted = await finished();
    expect(aborted.steps.map((step) => step.phase)).toEqual(['done', 'skipped', 'skipped']);
    expect([...fleet.views.values()].every((view) => view.status === 'active')).toBe(true);
  });

  it('stops hard on a new critical alert about a node outside the step and leaves the draining node to the operator', async () => {
    start(['node-1', 'node-2', 'node-3'], { drainMs: 400 });
    const plan = await rolling.start({ nodeIds: ['node-1', 'node-2'], concurrency: 1, deadlineMs: 1_000 });
    await waitFor(() => rolling.current()?.steps[0]?.phase === 'draining', 'node-1 draining', 2_000, 5);
    fleet.alerts.push({
      id: 'dependency-down:node-3:broker',
      kind: 'dependency-down',
      severity: 'critical',
      nodeId: 'node-3',
      message: 'node-3 lost its broker',
      since: Date.now(),
      resolvedAt: null,
      value: null,
      threshold: null,
    });
    const stopped = await finished();
    expect(stopped.state).toBe('stopped');
    expect(stopped.stopReason).toBe(
      "The fleet's health degraded. A critical alert fired about node-3: node-3 lost its broker. node-1 was left draining (ending drained) for you: undrain or restart it.",
    );
    expect(stopped.steps[0]).toMatchObject({ nodeId: 'node-1', phase: 'draining' });
    expect(stopped.steps[0]?.endedAt).not.toBeNull();
    expect(stopped.steps[1]?.phase).toBe('skipped');
    expect(fleet.calls).toEqual(['drain node-1']);
    const { entries } = await fleet.audit.read();
    expect(entries.find((entry) => entry.id === plan.id)).toMatchObject({ outcome: 'failed' });
  });

  it('a failed restart fails the step and the roll, readably', async () => {
    start(['node-1', 'node-2', 'node-3']);
    fleet.restartError = 'restart command exited with 1: no such deployment';
    await rolling.start({ nodeIds: ['node-1', 'node-2'], concurrency: 1, deadlineMs: 1_000 });
    const failed = await finished();
    expect(failed.state).toBe('failed');
    expect(failed.stopReason).toBe(
      'node-1 failed while restarting: restart command exited with 1: no such deployment.',
    );
    expect(failed.steps.map((step) => step.phase)).toEqual(['failed', 'skipped']);
  });

  it('refuses readably: no restart, a minimum it cannot keep, a second roll', async () => {
    start(['node-1', 'node-2']);
    fleet.canRestart = false;
    const noRestart = createRolling(fleet.context(), fleet.drain(), fleet.provisioning(), null, {
      pollMs: 10,
      settleMs: 20,
    });
    await expect(noRestart.start({ nodeIds: ['node-1'], concurrency: 1, deadlineMs: 1_000 })).rejects.toThrow(
      "This fleet's command provisioner cannot restart nodes",
    );
    noRestart.dispose();
    await expect(
      rolling.start({ nodeIds: ['node-1'], concurrency: 1, deadlineMs: 1_000, minActive: 2 }),
    ).rejects.toThrow('Rolling any node would leave 1 active node, below the minimum of 2.');
    await rolling.start({ nodeIds: ['node-1', 'node-2'], concurrency: 1, deadlineMs: 1_000 });
    await expect(rolling.start({ nodeIds: ['node-1'], concurrency: 1, deadlineMs: 1_000 })).rejects.toThrow(
      /^A roll is already running/,
    );
    await expect(rolling.control('not-this-one', 'pause')).rejects.toThrow(
      'There is no roll not-this-one running.',
    );
    expect((await finished()).state).toBe('done');
  });

  it('dispose ends the roll as aborted in the audit log and stops every wait', async () => {
    start(['node-1', 'node-2', 'node-3'], { drainMs: 5_000 });
    const plan = await rolling.start({ nodeIds: ['node-1', 'node-2'], concurrency: 1, deadlineMs: 1_000 });
    await waitFor(() => rolling.current()?.steps[0]?.phase === 'draining', 'node-1 draining', 2_000, 5);
    rolling.dispose();
    await rolling.settled();
    await waitFor(
      async () =>
        (await fleet.audit.read()).entries.find((entry) => entry.id === plan.id)?.outcome === 'aborted',
      'roll aborted in the log',
    );
  });
});
