/**
 * The rules of a rolling drain, as pure functions over node views and alerts: which nodes may
 * be rolled, how many active nodes must stay, which node starts next, when a rolled node is back
 * and healthy, and when the fleet's health stops the roll. The core's roll runner
 * (main/core/operations/rolling.ts) and the Rolling drain view's plan preview both use them, so
 * what the operator previews is what runs.
 */
import type { Alert, NodeView, RollPhase, RollPlan, RollState, RollStep } from './models.js';

/** Phases in which a step is under way: its node is out of service or on its way back. */
export const IN_FLIGHT_PHASES: ReadonlySet<RollPhase> = new Set(['draining', 'restarting', 'rejoining']);
/** Phases a step ends in. */
export const FINISHED_PHASES: ReadonlySet<RollPhase> = new Set(['done', 'failed', 'skipped', 'undrained']);
/** States in which a roll will change no more. */
export const FINAL_ROLL_STATES: ReadonlySet<RollState> = new Set(['aborted', 'stopped', 'done', 'failed']);

/** True when a step is under way: started and not ended. A step halted by a stop has `endedAt` set. */
export function isInFlight(step: RollStep): boolean {
  return IN_FLIGHT_PHASES.has(step.phase) && step.endedAt === null;
}

/**
 * The fewest active nodes a roll keeps when the request names none: every active node but the
 * ones rolled at once, and at least one.
 */
export function defaultMinActive(activeNodes: number, concurrency: number): number {
  return Math.max(1, activeNodes - concurrency);
}

/** What a roll request would do, before it runs. */
export interface RollPreview {
  /** The nodes in the order they are rolled. */
  readonly order: readonly string[];
  /** The nodes in groups rolled together (at most `concurrency` each). */
  readonly batches: readonly (readonly string[])[];
  /** Active nodes now. */
  readonly activeNodes: number;
  /** The fewest active nodes the roll keeps. */
  readonly minActive: number;
  /** Nodes rolled at once, after the minimum: may be lower than asked. */
  readonly effectiveConcurrency: number;
  /** Why the roll cannot start, one sentence; null when it can. */
  readonly problem: string | null;
}

/** Checks a roll request against the fleet now: what it would do, or why it cannot start. */
export function previewRoll(
  request: { readonly nodeIds: readonly string[]; readonly concurrency: number; readonly minActive?: number },
  views: readonly NodeView[],
): RollPreview {
  const byId = new Map(views.map((view) => [view.id, view]));
  const activeNodes = views.filter((view) => view.status === 'active').length;
  const concurrency = Math.max(1, Math.floor(request.concurrency));
  const minActive = request.minActive ?? defaultMinActive(activeNodes, concurrency);
  const order = [...request.nodeIds];
  const batches: string[][] = [];
  for (let index = 0; index < order.length; index += concurrency) {
    batches.push(order.slice(index, index + concurrency));
  }
  const effectiveConcurrency = Math.max(0, Math.min(concurrency, order.length, activeNodes - minActive));
  const base = { order, batches, activeNodes, minActive, effectiveConcurrency };
  const problem = ((): string | null => {
    if (order.length === 0) return 'Choose at least one node to roll.';
    for (const id of order) {
      const view = byId.get(id);
      if (view === undefined) return `There is no node "${id}" in this fleet.`;
      if (view.status !== 'active') {
        return `${id} is ${view.status}: only active nodes can be rolled (undrain it, wait for it, or leave it out).`;
      }
    }
    if (activeNodes - 1 < minActive) {
      return `Rolling any node would leave ${activeNodes - 1} active node${activeNodes - 1 === 1 ? '' : 's'}, below the minimum of ${minActive}.${
        request.minActive === undefined && activeNodes === 1
          ? ' A single node cannot be rolled without downtime; set the minimum to 0 to accept it.'
          : ''
      }`;
    }
    return null;
  })();
  return { ...base, problem };
}

/** What the runner may start now. */
export interface NextSteps {
  /** Pending nodes to start now, in roll order. */
  readonly start: readonly string[];
  /** Pending nodes that are no longer active when their turn comes: skipped, with the reason. */
  readonly skip: readonly { readonly nodeId: string; readonly reason: string }[];
  /** Why the next pending node waits (minimum active nodes, or it is not reachable); null when none waits. */
  readonly waiting: string | null;
}

/**
 * The pending nodes that may start now: at most `concurrency` steps in flight, and never fewer
 * than `minActive` active nodes once they are drained. Active nodes are counted without the
 * nodes under way (a node just told to drain still reports `active` until its next sample, and
 * one that rejoins is not done yet), so the count errs on the safe side. Nodes are taken in
 * order; a node that is not reachable holds the ones behind it (the health check decides).
 */
export function nextSteps(
  steps: readonly RollStep[],
  views: readonly NodeView[],
  minActive: number,
  concurrency: number,
): NextSteps {
  const inFlight = new Set(steps.filter(isInFlight).map((step) => step.nodeId));
  let active = views.filter((view) => view.status === 'active' && !inFlight.has(view.id)).length;
  let slots = concurrency - inFlight.size;
  const byId = new Map(views.map((view) => [view.id, view]));
  const start: string[] = [];
  const skip: { nodeId: string; reason: string }[] = [];
  let waiting: string | null = null;
  for (const step of steps) {
    if (step.phase !== 'pending') continue;
    if (slots <= 0) break;
    const view = byId.get(step.nodeId);
    if (view === undefined) {
      skip.push({ nodeId: step.nodeId, reason: 'It left the fleet before its turn.' });
      continue;
    }
    if (view.status === 'draining' || view.status === 'drained') {
      skip.push({
        nodeId: step.nodeId,
        reason: `It was ${view.status} when its turn came (someone else drained it): left as it is.`,
      });
      continue;
    }
    if (view.status !== 'active') {
      waiting = `${step.nodeId} is ${view.status}; its turn waits until it is active.`;
      break;
    }
    if (active - 1 < minActive) {
      waiting = `Starting ${step.nodeId} now would leave ${active - 1} active node${active - 1 === 1 ? '' : 's'}, below the minimum of ${minActive}; it waits.`;
      break;
    }
    start.push(step.nodeId);
    active--;
    slots--;
  }
  return { start, skip, waiting };
}

/** What the health check compares against: the fleet as it was when the roll started. */
export interface HealthBaseline {
  /** Critical alerts active when the roll started: already known, they do not stop it. */
  readonly alertIds: ReadonlySet<string>;
  /** Nodes unreachable when the roll started. */
  readonly unreachable: ReadonlySet<string>;
}

/** The baseline of a roll that starts now. */
export function healthBaseline(views: readonly NodeView[], activeAlerts: readonly Alert[]): HealthBaseline {
  return {
    alertIds: new Set(
      activeAlerts
        .filter((alert) => alert.severity === 'critical' && alert.resolvedAt === null)
        .map((alert) => alert.id),
    ),
    unreachable: new Set(views.filter((view) => view.status === 'unreachable').map((view) => view.id)),
  };
}

/**
 * Why the fleet's health stops the roll now, or null. It stops on a new critical alert about any
 * node not under way in the roll (or about the whole fleet), and on a node outside the roll
 * turning unreachable. Alerts about the nodes under way are expected (a restarting node is
 * unreachable for a moment); their step waits for them to clear instead.
 */
export function healthStopReason(input: {
  readonly views: readonly NodeView[];
  readonly activeAlerts: readonly Alert[];
  /** Every node of the roll. */
  readonly rollNodeIds: ReadonlySet<string>;
  /** The nodes whose steps are under way. */
  readonly inFlight: ReadonlySet<string>;
  readonly baseline: HealthBaseline;
}): string | null {
  for (const view of input.views) {
    if (
      view.status === 'unreachable' &&
      !input.rollNodeIds.has(view.id) &&
      !input.baseline.unreachable.has(view.id)
    ) {
      return `${view.id}, which is not in the roll, became unreachable${view.problem ? ` (${view.problem})` : ''}.`;
    }
  }
  for (const alert of input.activeAlerts) {
    if (alert.severity !== 'critical' || alert.resolvedAt !== null) continue;
    if (input.baseline.alertIds.has(alert.id)) continue;
    if (alert.nodeId !== null && input.inFlight.has(alert.nodeId)) continue;
    return `A critical alert fired${alert.nodeId === null ? '' : ` about ${alert.nodeId}`}: ${alert.message}`;
  }
  return null;
}

/**
 * Whether a restarted node is back and healthy: it reports `active`, under a new agent run (a
 * new `identity.startedAt`), and no alert about it is active. Returns null when it is, else what
 * it still waits for, one sentence.
 */
export function rejoinWaitReason(
  view: NodeView | null,
  startedAtBefore: number | null,
  activeAlerts: readonly Alert[],
): string | null {
  if (view === null) return 'The node is no longer in the fleet.';
  if (view.identity === null || view.identity.startedAt === startedAtBefore) {
    return 'Waiting for the restarted node to report in.';
  }
  if (view.status !== 'active') return `Back, but ${view.status}; waiting for it to turn active.`;
  const alert = activeAlerts.find(
    (candidate) => candidate.nodeId === view.id && candidate.resolvedAt === null,
  );
  if (alert !== undefined) return `Back and active; waiting for the ${alert.kind} alert about it to clear.`;
  return null;
}

/** How far a roll is: steps finished (done, skipped, undrained or failed) over all steps. */
export function rollProgress(plan: Pick<RollPlan, 'steps'>): {
  readonly finished: number;
  readonly done: number;
  readonly total: number;
} {
  const finished = plan.steps.filter((step) => FINISHED_PHASES.has(step.phase)).length;
  const done = plan.steps.filter((step) => step.phase === 'done').length;
  return { finished, done, total: plan.steps.length };
}
