/**
 * What the Rolling drain view shows, as pure functions: the form's request, the labels of phases
 * and states, which controls a roll offers, and each step's timing. The rules themselves (minimum
 * active nodes, order) come from main/common/roll-plan.ts, the same module the core runs.
 */
import type {
  NodeView,
  ProvisionerInfo,
  RollPhase,
  RollPlan,
  RollRequest,
  RollState,
  RollStep,
} from '../../../main/common/models.js';
import {
  FINAL_ROLL_STATES,
  FINISHED_PHASES,
  previewRoll,
  type RollPreview,
} from '../../../main/common/roll-plan.js';

/** The planner form as the operator filled it in. */
export interface RollForm {
  /** Chosen node ids. */
  readonly selected: ReadonlySet<string>;
  readonly concurrency: number;
  /** Each node's drain deadline, seconds. */
  readonly deadlineSeconds: number;
  /** The fewest active nodes to keep; null: the default (all active but the ones rolled at once). */
  readonly minActive: number | null;
}

/** Deadline choices offered beside the input, seconds. */
export const DEADLINE_PRESETS_SECONDS = [10, 30, 120, 600] as const;
/** The deadline the form starts with, seconds. */
export const DEFAULT_DEADLINE_SECONDS = 30;

/** The form with every node chosen, one at a time, the default deadline and minimum. */
export function initialForm(nodes: readonly NodeView[]): RollForm {
  return {
    selected: new Set(nodes.map((node) => node.id)),
    concurrency: 1,
    deadlineSeconds: DEFAULT_DEADLINE_SECONDS,
    minActive: null,
  };
}

/** The chosen nodes, in the fleet's order (the order they are rolled). */
export function chosenIds(nodes: readonly NodeView[], selected: ReadonlySet<string>): string[] {
  return nodes.filter((node) => selected.has(node.id)).map((node) => node.id);
}

/** The request the form describes, and its preview with the reason it cannot start, if any. */
export function planFromForm(
  nodes: readonly NodeView[],
  form: RollForm,
  provisioner: ProvisionerInfo | null | undefined,
): { readonly request: RollRequest; readonly preview: RollPreview; readonly problem: string | null } {
  const nodeIds = chosenIds(nodes, form.selected);
  const request: RollRequest = {
    nodeIds,
    concurrency: Math.max(1, Math.min(Math.floor(form.concurrency) || 1, Math.max(1, nodeIds.length))),
    deadlineMs: Math.round(form.deadlineSeconds * 1000),
    ...(form.minActive === null ? {} : { minActive: form.minActive }),
  };
  const preview = previewRoll(request, nodes);
  let problem = preview.problem;
  if (
    problem === null &&
    (!Number.isFinite(form.deadlineSeconds) || form.deadlineSeconds < 1 || form.deadlineSeconds > 3600)
  ) {
    problem = 'The drain deadline must be from 1 s to 3600 s.';
  }
  if (problem === null && provisioner === null) {
    problem =
      'This fleet file names no provisioner, so a roll cannot restart nodes. Add a "provisioner" block with a restart command.';
  }
  if (problem === null && provisioner != null && !provisioner.canRestart) {
    problem = `This fleet's ${provisioner.kind} provisioner has no restart command, so a roll cannot restart nodes.`;
  }
  return { request, preview, problem };
}

/** A phase as the plan shows it. */
export const PHASE_LABELS: Readonly<Record<RollPhase, string>> = {
  pending: 'pending',
  draining: 'draining',
  restarting: 'restarting',
  rejoining: 'rejoining',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
  undrained: 'undrained',
};

/** A step's label: its phase, or "left draining" for a step a stop halted mid-drain. */
export function stepLabel(step: RollStep): string {
  if (step.endedAt !== null && !FINISHED_PHASES.has(step.phase)) return `left ${PHASE_LABELS[step.phase]}`;
  return PHASE_LABELS[step.phase];
}

/** A roll's state for the operator. */
export const STATE_LABELS: Readonly<Record<RollState, string>> = {
  running: 'Running',
  paused: 'Paused: the step under way completes, nothing new starts',
  aborting: 'Aborting: undraining the node being drained',
  aborted: 'Aborted',
  stopped: "Stopped: the fleet's health degraded",
  done: 'Done',
  failed: 'Failed',
};

/** Which controls a roll offers now. */
export function rollControls(state: RollState): { pause: boolean; resume: boolean; abort: boolean } {
  return {
    pause: state === 'running',
    resume: state === 'paused',
    abort: state === 'running' || state === 'paused',
  };
}

/** True while a roll can still change. */
export function isRollLive(plan: RollPlan | null): boolean {
  return plan !== null && !FINAL_ROLL_STATES.has(plan.state);
}

/** How long a step has taken (or took), seconds with one decimal; '' before it starts. */
export function stepDuration(step: RollStep, now: number): string {
  if (step.startedAt === null) return '';
  const ms = Math.max(0, (step.endedAt ?? now) - step.startedAt);
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "2 of 3 nodes rolled" with what else happened, for the progress bar's label. */
export function progressLabel(plan: RollPlan): string {
  const count = (phase: RollPhase) => plan.steps.filter((step) => step.phase === phase).length;
  const done = count('done');
  const extras = (['skipped', 'undrained', 'failed'] as const)
    .map((phase) => [phase, count(phase)] as const)
    .filter(([, n]) => n > 0)
    .map(([phase, n]) => `${n} ${phase}`);
  return `${done} of ${plan.steps.length} node${plan.steps.length === 1 ? '' : 's'} rolled${
    extras.length > 0 ? ` (${extras.join(', ')})` : ''
  }`;
}

/** One sentence of what the plan keeps: "At least 2 of 3 active nodes stay active; 1 node at a time." */
export function keepSentence(preview: RollPreview, concurrency: number): string {
  const atOnce =
    preview.effectiveConcurrency < concurrency && preview.effectiveConcurrency > 0
      ? `${preview.effectiveConcurrency} at a time (the minimum allows no more than that, though ${concurrency} were asked)`
      : `${concurrency} node${concurrency === 1 ? '' : 's'} at a time`;
  return `At least ${preview.minActive} of ${preview.activeNodes} active node${preview.activeNodes === 1 ? '' : 's'} stay active throughout; ${atOnce}.`;
}

/** How far each phase is through its step, for a progress bar that moves while a node rolls. */
const PHASE_SHARE: Readonly<Record<RollPhase, number>> = {
  pending: 0,
  draining: 0.25,
  restarting: 0.5,
  rejoining: 0.75,
  done: 1,
  failed: 1,
  skipped: 1,
  undrained: 1,
};

/** The share of the roll behind it, 0–1: finished steps count whole, steps under way by phase. */
export function rollFraction(plan: Pick<RollPlan, 'steps'>): number {
  if (plan.steps.length === 0) return 1;
  const sum = plan.steps.reduce(
    (total, step) => total + (step.endedAt !== null ? 1 : PHASE_SHARE[step.phase]),
    0,
  );
  return sum / plan.steps.length;
}
