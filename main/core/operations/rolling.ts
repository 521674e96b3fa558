/**
 * Rolling drain for an upgrade: nodes one (or N) at a time, drain → wait until empty → restart →
 * wait until back and healthy → next, with pause, resume, abort and a hard stop when the fleet's
 * health degrades mid-roll. The rules (minimum active nodes, who starts next, back and healthy,
 * what stops a roll) are pure functions in main/common/roll-plan.ts; this module runs them on a
 * poll loop and keeps the plan, the audit records and the timers.
 *
 * - Pause: nothing new starts; the steps under way complete.
 * - Abort: the nodes being drained now are undrained, nothing new starts, a node already
 *   restarting is waited for until it is back; every node ends active.
 * - Stop (health): nothing new starts; a node being drained is left to its drain (the agent owns
 *   it) for the operator to undrain or restart; a node already restarting is waited for.
 *
 * The roll is audited as `roll`; its drains, undrains and restarts are audited by their own
 * modules with `parentId` = the roll's id.
 */
import type { NodeView, RollPhase, RollPlan, RollRequest, RollStep } from '../../common/models.js';
import {
  FINAL_ROLL_STATES,
  type HealthBaseline,
  healthBaseline,
  healthStopReason,
  isInFlight,
  nextSteps,
  previewRoll,
  rejoinWaitReason,
} from '../../common/roll-plan.js';
import { hasOperateToken } from '../fleet-file.js';
import type { OperationHandle } from './audit-log.js';
import type { BalancerOperations } from './balancer.js';
import type { OperationsContext } from './context.js';
import type { DrainOperations } from './drain-ops.js';
import type { Provisioning } from './provisioning.js';

/** Rolling drains of one fleet; one at a time. */
export interface Rolling {
  start(request: RollRequest): Promise<RollPlan>;
  control(rollId: string, action: 'pause' | 'resume' | 'abort'): Promise<RollPlan>;
  /** The current or latest roll, or null. */
  current(): RollPlan | null;
  /** Resolves when the current roll has ended (at once when none runs). */
  settled(): Promise<void>;
  dispose(): void;
}

/** What a roll needs of the drain operations. */
export type RollDrain = Pick<DrainOperations, 'drain' | 'waitDrained' | 'undrain'>;
/** What a roll needs of the provisioning. */
export type RollProvisioning = Pick<Provisioning, 'info' | 'restart'>;
/** What a roll needs of the balancer view. */
export type RollBalancer = Pick<BalancerOperations, 'serverState'>;

/** Timing of the runner; every field has a default. */
export interface RollingOptions {
  /** How often the runner checks health and starts steps, ms. Default 200. */
  readonly pollMs?: number;
  /** A drained node must report `drained` within its deadline plus this, ms. Default 15 000. */
  readonly drainGraceMs?: number;
  /** A restarted node must be back and healthy within this, ms. Default 120 000. */
  readonly rejoinTimeoutMs?: number;
  /**
   * A restarted node must stay back and healthy this long before the next node starts, ms: a
   * node that crashes right after it starts is caught, and the balancer's health checks have
   * time to take it back in (HAProxy needs `rise` checks in a row). Default 3 000.
   */
  readonly settleMs?: number;
  readonly now?: () => number;
}

const DEFAULTS = { pollMs: 200, drainGraceMs: 15_000, rejoinTimeoutMs: 120_000, settleMs: 3_000 } as const;

/** Thrown inside a step when the roll no longer wants it to wait (abort, stop, dispose). */
class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** A roll while it runs. */
interface Run {
  plan: RollPlan;
  readonly handle: OperationHandle;
  readonly rollNodeIds: ReadonlySet<string>;
  readonly baseline: HealthBaseline;
  /** Resolves the pending cancellations of the steps' waits (abort, stop, dispose). */
  readonly cancellers: Set<() => void>;
  /** Resolves when the run loop has ended. */
  readonly ended: Promise<void>;
  /** Wakes the loop before its next poll. */
  wake: () => void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The text with a full stop at its end. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export function createRolling(
  context: OperationsContext,
  drain: RollDrain,
  provisioning: RollProvisioning,
  balancer: RollBalancer | null,
  options: RollingOptions = {},
): Rolling {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const drainGraceMs = options.drainGraceMs ?? DEFAULTS.drainGraceMs;
  const rejoinTimeoutMs = options.rejoinTimeoutMs ?? DEFAULTS.rejoinTimeoutMs;
  const settleMs = options.settleMs ?? DEFAULTS.settleMs;
  let run: Run | null = null;
  let latest: RollPlan | null = null;
  let disposed = false;
  /** Sleeps in progress: dispose ends them all at once. */
  const sleepers = new Set<() => void>();

  const activeAlerts = () => context.store.alerts().active;

  /** Sleeps `ms`; `current.wake()` ends the sleep early when given. Owned: dispose ends every sleep. */
  const pause = (ms: number, current: Run | null): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        if (current && current.wake === done) current.wake = () => {};
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
      if (current) current.wake = done;
    });

  const setPlan = (current: Run, change: Partial<RollPlan>) => {
    current.plan = { ...current.plan, ...change };
    latest = current.plan;
  };

  const setStep = (current: Run, nodeId: string, change: Partial<Omit<RollStep, 'nodeId'>>) => {
    const steps = current.plan.steps.map((step) => (step.nodeId === nodeId ? { ...step, ...change } : step));
    setPlan(current, { steps });
  };

  const stepOf = (current: Run, nodeId: string): RollStep | undefined =>
    current.plan.steps.find((step) => step.nodeId === nodeId);

  /** Rejects with Cancelled when the run cancels its waits; settles `work` otherwise. */
  const cancellable = <T>(current: Run, work: Promise<T>): Promise<T> => {
    let cancel: () => void = () => {};
    const cancelled = new Promise<never>((_, reject) => {
      cancel = () => reject(new Cancelled());
    });
    current.cancellers.add(cancel);
    // The losing side of the race must not surface as an unhandled rejection.
    work.catch(() => {});
    cancelled.catch(() => {});
    return Promise.race([work, cancelled]).finally(() => current.cancellers.delete(cancel));
  };

  const cancelWaits = (current: Run) => {
    for (const cancel of [...current.cancellers]) cancel();
  };

  /**
   * Why a node that is back and healthy is not yet taking new connections at the balancer, or
   * null when it is (or the fleet names no balancer, or the balancer has no server for it).
   * The runtime API is read once per poll; while it cannot be read the roll waits, saying why.
   */
  const balancerWaitReason = async (nodeId: string): Promise<string | null> => {
    if (balancer === null) return null;
    try {
      const state = await balancer.serverState(nodeId);
      if (state === null || state === 'UP') return null;
      return `Back and healthy; waiting for the balancer to mark it UP (it shows ${state}).`;
    } catch (error) {
      return `Back and healthy; waiting to read the balancer: ${error instanceof Error ? error.message : String(error)}.`;
    }
  };

  /**
   * Waits until a restarted node is back and healthy, and UP at the balancer when the fleet
   * names one, and has stayed so for `settleMs`; rejects with the last reason on timeout.
   */
  const waitRejoined = async (current: Run, nodeId: string, startedAtBefore: number | null) => {
    const deadline = now() + rejoinTimeoutMs;
    let lastReason: string | null = null;
    let healthySince: number | null = null;
    for (;;) {
      if (disposed) throw new Cancelled();
      let reason = rejoinWaitReason(context.view(nodeId), startedAtBefore, activeAlerts());
      if (reason === null) reason = await balancerWaitReason(nodeId);
      if (disposed) throw new Cancelled();
      if (reason === null) {
        healthySince ??= now();
        if (now() - healthySince >= settleMs) return;
        reason = `Back, active and healthy; making sure it stays so for ${seconds(settleMs)}.`;
      } else healthySince = null;
      if (reason !== lastReason) {
        lastReason = reason;
        setStep(current, nodeId, { message: reason });
      }
      if (now() >= deadline) {
        throw new Error(`${nodeId} was not back and healthy within ${seconds(rejoinTimeoutMs)}: ${reason}`);
      }
      await pause(pollMs, null);
    }
  };

  /** Undrains a node of an aborted roll and records the step as undrained (or failed when it cannot). */
  const undrainStep = async (current: Run, nodeId: string) => {
    try {
      await drain.undrain(nodeId, current.plan.id);
      setStep(current, nodeId, {
        phase: 'undrained',
        endedAt: now(),
        message: 'The roll was aborted: undrained, back to active.',
      });
    } catch (error) {
      setStep(current, nodeId, {
        phase: 'failed',
        endedAt: now(),
        message: `The roll was aborted but undraining failed: ${message(error)}. Undrain it from its page.`,
      });
    }
  };

  /** A step halted by a stop while its node drains: left to the operator. */
  const leaveDrained = (current: Run, nodeId: string) => {
    setStep(current, nodeId, {
      endedAt: now(),
      message:
        'The roll stopped: left to its drain (it ends drained) for you to decide. Undrain it to put it back, or restart it yourself.',
    });
  };

  /** One node: drain → wait until empty → restart → wait until back and healthy. */
  const runStep = async (current: Run, nodeId: string) => {
    const view = context.view(nodeId);
    const startedAtBefore = view?.identity?.startedAt ?? null;
    setStep(current, nodeId, { phase: 'draining', startedAt: now(), endedAt: null, message: null });
    let phase: RollPhase = 'draining';
    try {
      // Not cancellable: an abort's undrain must reach the agent after the drain, never before it.
      await drain.drain(nodeId, current.plan.deadlineMs, current.plan.id);
      if (current.plan.state === 'running' || current.plan.state === 'paused') {
        await cancellable(current, drain.waitDrained(nodeId, current.plan.deadlineMs + drainGraceMs));
      }
      if (disposed) return;
      if (current.plan.state === 'aborting') return await undrainStep(current, nodeId);
      if (current.plan.state === 'stopped' || current.plan.state === 'failed') {
        return leaveDrained(current, nodeId);
      }
      phase = 'restarting';
      setStep(current, nodeId, { phase, message: 'Empty; restarting it through the provisioner.' });
      await provisioning.restart(nodeId, current.plan.id);
      phase = 'rejoining';
      setStep(current, nodeId, { phase, message: 'Restarted; waiting for it to report in.' });
      await waitRejoined(current, nodeId, startedAtBefore);
      const step = stepOf(current, nodeId);
      const tookMs = step?.startedAt == null ? 0 : now() - step.startedAt;
      setStep(current, nodeId, {
        phase: 'done',
        endedAt: now(),
        message: `Rolled in ${seconds(tookMs)}: back, active and healthy.`,
      });
    } catch (error) {
      if (disposed) return;
      if (error instanceof Cancelled && phase === 'draining') {
        if (current.plan.state === 'aborting') return await undrainStep(current, nodeId);
        return leaveDrained(current, nodeId);
      }
      const reason = message(error);
      setStep(current, nodeId, { phase: 'failed', endedAt: now(), message: reason });
      // A failed step ends the roll: nothing new starts; the operator sees where it stands.
      if (current.plan.state === 'running' || current.plan.state === 'paused') {
        halt(current, 'failed', sentence(`${nodeId} failed while ${phase}: ${reason}`));
      }
    } finally {
      current.wake();
    }
  };

  /** Stops or fails the roll: nothing new starts, pending steps are skipped, drains under way are left. */
  const halt = (current: Run, state: 'stopped' | 'failed', reason: string) => {
    const steps = current.plan.steps.map((step) =>
      step.phase === 'pending'
        ? { ...step, phase: 'skipped' as const, message: `Not rolled: the roll ${state}.` }
        : step,
    );
    setPlan(current, { state, stopReason: reason, steps });
    cancelWaits(current);
  };

  const finish = async (current: Run) => {
    const { plan } = current;
    const left = plan.steps.filter((step) => step.phase === 'draining').map((step) => step.nodeId);
    const leftNote =
      left.length === 0
        ? ''
        : ` ${left.join(', ')} ${left.length === 1 ? 'was' : 'were'} left draining (ending drained) for you: undrain or restart ${left.length === 1 ? 'it' : 'them'}.`;
    const done = plan.steps.filter((step) => step.phase === 'done').length;
    const tookMs = now() - plan.startedAt;
    let outcome: 'succeeded' | 'failed' | 'aborted';
    let text: string;
    switch (plan.state) {
      case 'aborting':
        setPlan(current, { state: 'aborted', endedAt: now() });
        outcome = 'aborted';
        text = `${plan.stopReason ?? 'Aborted.'} Rolled ${done} of ${plan.steps.length} nodes before it.`;
        break;
      case 'stopped':
      case 'failed':
        setPlan(current, {
          endedAt: now(),
          stopReason: `${sentence(plan.stopReason ?? 'Halted')}${leftNote}`,
        });
        outcome = 'failed';
        text = `${current.plan.stopReason} Rolled ${done} of ${plan.steps.length} nodes.`;
        break;
      default:
        setPlan(current, { state: 'done', endedAt: now() });
        outcome = 'succeeded';
        text = `Rolled ${done} of ${plan.steps.length} nodes in ${seconds(tookMs)}${
          done < plan.steps.length ? ' (the rest were skipped)' : ''
        }.`;
    }
    await current.handle.finish(outcome, text).catch(() => {});
  };

  /** The runner: health checks, new steps, and the end. */
  const loop = async (current: Run) => {
    const steps = new Set<Promise<void>>();
    for (;;) {
      if (disposed) return;
      const { state } = current.plan;
      const inFlight = new Set(current.plan.steps.filter(isInFlight).map((step) => step.nodeId));
      if (state === 'running' || state === 'paused') {
        const reason = healthStopReason({
          views: context.views(),
          activeAlerts: activeAlerts(),
          rollNodeIds: current.rollNodeIds,
          inFlight,
          baseline: current.baseline,
        });
        if (reason !== null) halt(current, 'stopped', `The fleet's health degraded. ${sentence(reason)}`);
      }
      if (current.plan.state === 'running') {
        const next = nextSteps(
          current.plan.steps,
          context.views(),
          current.plan.minActive,
          current.plan.concurrency,
        );
        for (const { nodeId, reason } of next.skip) {
          setStep(current, nodeId, { phase: 'skipped', startedAt: now(), endedAt: now(), message: reason });
        }
        const firstPending = current.plan.steps.find((step) => step.phase === 'pending');
        if (firstPending && next.start.length === 0 && firstPending.message !== next.waiting) {
          setStep(current, firstPending.nodeId, { message: next.waiting });
        }
        for (const nodeId of next.start) {
          const step = runStep(current, nodeId);
          steps.add(step);
          void step.finally(() => steps.delete(step));
        }
      }
      const underWay = current.plan.steps.some(isInFlight) || steps.size > 0;
      const pending = current.plan.steps.some((step) => step.phase === 'pending');
      const halted = current.plan.state !== 'running' && current.plan.state !== 'paused';
      // Paused with steps left: it waits for resume. Otherwise it ends once nothing is under way.
      if (!underWay && (!pending || halted)) {
        await finish(current);
        return;
      }
      await pause(pollMs, current);
    }
  };

  const snapshot = (): RollPlan | null => run?.plan ?? latest;

  return {
    async start(request) {
      if (disposed) throw new Error('the console is closing');
      if (run !== null && !FINAL_ROLL_STATES.has(run.plan.state)) {
        throw new Error(
          `A roll is already ${run.plan.state} (started ${new Date(run.plan.startedAt).toISOString()}): pause, abort or wait for it.`,
        );
      }
      if (!hasOperateToken(context.fleet)) {
        throw new Error(
          'This fleet file gives only the read token; rolling needs the operate token (tokens.operate)',
        );
      }
      const views: readonly NodeView[] = context.views();
      const preview = previewRoll(request, views);
      if (preview.problem !== null) throw new Error(preview.problem);
      const info = provisioning.info();
      if (info === null || !info.canRestart) {
        throw new Error(
          info === null
            ? 'This fleet file names no provisioner, so the roll cannot restart nodes: add a "provisioner" block with a restart command (see docs/operations.md).'
            : `This fleet's ${info.kind} provisioner cannot restart nodes: give it a restart command (see docs/operations.md).`,
        );
      }
      const handle = await context.audit.start({
        action: 'roll',
        nodeId: null,
        args: {
          nodeIds: [...request.nodeIds],
          concurrency: request.concurrency,
          deadlineMs: request.deadlineMs,
          minActive: preview.minActive,
        },
        source: context.source,
        fleet: context.fleet.name,
      });
      let markEnded: () => void = () => {};
      const current: Run = {
        plan: {
          id: handle.record.id,
          state: 'running',
          concurrency: request.concurrency,
          deadlineMs: request.deadlineMs,
          minActive: preview.minActive,
          startedAt: handle.record.startedAt,
          endedAt: null,
          stopReason: null,
          steps: request.nodeIds.map((nodeId) => ({
            nodeId,
            phase: 'pending',
            startedAt: null,
            endedAt: null,
            message: null,
          })),
        },
        handle,
        rollNodeIds: new Set(request.nodeIds),
        baseline: healthBaseline(views, activeAlerts()),
        cancellers: new Set(),
        ended: new Promise((resolve) => {
          markEnded = resolve;
        }),
        wake: () => {},
      };
      run = current;
      latest = current.plan;
      loop(current)
        .catch(async (error: unknown) => {
          // A bug in the runner must still end the roll readably, not leave it "running".
          setPlan(current, {
            state: 'failed',
            endedAt: now(),
            stopReason: `The roll runner failed: ${message(error)}`,
          });
          await handle.finish('failed', current.plan.stopReason).catch(() => {});
        })
        .finally(markEnded);
      return current.plan;
    },

    async control(rollId, action) {
      const current = run;
      if (current === null || current.plan.id !== rollId)
        throw new Error(`There is no roll ${rollId} running.`);
      const { state } = current.plan;
      if (FINAL_ROLL_STATES.has(state)) throw new Error(`The roll is already ${state}.`);
      switch (action) {
        case 'pause':
          if (state === 'running') setPlan(current, { state: 'paused' });
          else if (state !== 'paused') throw new Error(`A roll that is ${state} cannot be paused.`);
          break;
        case 'resume':
          if (state === 'paused') setPlan(current, { state: 'running' });
          else if (state !== 'running') throw new Error(`A roll that is ${state} cannot be resumed.`);
          break;
        case 'abort': {
          if (state === 'aborting') break;
          const steps = current.plan.steps.map((step) =>
            step.phase === 'pending'
              ? { ...step, phase: 'skipped' as const, message: 'Not rolled: the roll was aborted.' }
              : step,
          );
          setPlan(current, {
            state: 'aborting',
            stopReason: `Aborted by ${context.source === 'cli' ? 'the command line' : 'the operator'}.`,
            steps,
          });
          // Drains under way stop waiting and are undrained; restarts under way complete.
          cancelWaits(current);
          break;
        }
      }
      current.wake();
      return current.plan;
    },

    current: snapshot,

    settled: () => run?.ended ?? Promise.resolve(),

    dispose() {
      if (disposed) return;
      disposed = true;
      for (const wake of [...sleepers]) wake();
      const current = run;
      if (current !== null && !FINAL_ROLL_STATES.has(current.plan.state)) {
        cancelWaits(current);
        const under = current.plan.steps.filter(isInFlight).map((step) => `${step.nodeId} (${step.phase})`);
        void current.handle
          .finish(
            'aborted',
            `The console closed while the roll ran${under.length > 0 ? `; under way: ${under.join(', ')}` : ''}. Nodes being drained carry on draining (the agent owns it).`,
          )
          .catch(() => {});
      }
    },
  };
}
