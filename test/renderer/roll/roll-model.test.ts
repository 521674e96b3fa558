/** The Rolling drain view's pure model (renderer/components/roll/roll-model.ts). */
import { describe, expect, it } from 'vitest';
import type { ProvisionerInfo, RollPlan, RollStep } from '../../../main/common/models.js';
import {
  chosenIds,
  initialForm,
  isRollLive,
  keepSentence,
  planFromForm,
  progressLabel,
  rollControls,
  rollFraction,
  stepDuration,
  stepLabel,
} from '../../../renderer/components/roll/roll-model.js';
import { nodeView } from '../../main/core/node-views.js';

const nodes = [nodeView('node-1'), nodeView('node-2'), nodeView('node-3')];
const local: ProvisionerInfo = {
  kind: 'local',
  canAdd: true,
  canRemove: true,
  canRestart: true,
  addFields: [],
};

function step(
  nodeId: string,
  phase: RollStep['phase'],
  startedAt: number | null = null,
  endedAt: number | null = null,
) {
  return { nodeId, phase, startedAt, endedAt, message: null };
}

function plan(steps: RollStep[], state: RollPlan['state'] = 'running'): RollPlan {
  return {
    id: 'r',
    state,
    concurrency: 1,
    deadlineMs: 3_000,
    minActive: 2,
    startedAt: 0,
    endedAt: null,
    stopReason: null,
    steps,
  };
}

describe('the planner form', () => {
  it('starts with every node, one at a time, 30 s and the default minimum', () => {
    const form = initialForm(nodes);
    expect([...form.selected]).toEqual(['node-1', 'node-2', 'node-3']);
    const { request, preview, problem } = planFromForm(nodes, form, local);
    expect(request).toEqual({ nodeIds: ['node-1', 'node-2', 'node-3'], concurrency: 1, deadlineMs: 30_000 });
    expect(preview.minActive).toBe(2);
    expect(problem).toBeNull();
    expect(keepSentence(preview, request.concurrency)).toBe(
      'At least 2 of 3 active nodes stay active throughout; 1 node at a time.',
    );
  });

  it('rolls the chosen nodes in the fleet order, whatever order they were ticked in', () => {
    expect(chosenIds(nodes, new Set(['node-3', 'node-1']))).toEqual(['node-1', 'node-3']);
  });

  it('clamps the concurrency to the chosen nodes and passes an explicit minimum', () => {
    const form = {
      selected: new Set(['node-1', 'node-2']),
      concurrency: 5,
      deadlineSeconds: 3,
      minActive: 1,
    };
    const { request, problem } = planFromForm(nodes, form, local);
    expect(request).toEqual({
      nodeIds: ['node-1', 'node-2'],
      concurrency: 2,
      deadlineMs: 3_000,
      minActive: 1,
    });
    expect(problem).toBeNull();
  });

  it('says when the minimum allows fewer at a time than asked', () => {
    const form = {
      selected: new Set(['node-1', 'node-2', 'node-3']),
      concurrency: 2,
      deadlineSeconds: 3,
      minActive: 2,
    };
    const { preview } = planFromForm(nodes, form, local);
    expect(keepSentence(preview, 2)).toBe(
      'At least 2 of 3 active nodes stay active throughout; 1 at a time (the minimum allows no more than that, though 2 were asked).',
    );
  });

  it('refuses readably without a restart, with a bad deadline, or with no node', () => {
    const form = initialForm(nodes);
    expect(planFromForm(nodes, form, null).problem).toMatch(
      /names no provisioner, so a roll cannot restart nodes/,
    );
    expect(planFromForm(nodes, form, { ...local, kind: 'command', canRestart: false }).problem).toBe(
      "This fleet's command provisioner has no restart command, so a roll cannot restart nodes.",
    );
    expect(planFromForm(nodes, { ...form, deadlineSeconds: 0 }, local).problem).toBe(
      'The drain deadline must be from 1 s to 3600 s.',
    );
    expect(planFromForm(nodes, { ...form, selected: new Set() }, local).problem).toBe(
      'Choose at least one node to roll.',
    );
  });
});

describe('the plan under way', () => {
  it('labels a step halted mid-drain as left draining', () => {
    expect(stepLabel(step('node-1', 'draining', 1, 5))).toBe('left draining');
    expect(stepLabel(step('node-1', 'draining', 1))).toBe('draining');
    expect(stepLabel(step('node-1', 'done', 1, 5))).toBe('done');
  });

  it('moves the bar by phase and counts endings', () => {
    const under = plan([step('a', 'done', 0, 1), step('b', 'restarting', 1), step('c', 'pending')]);
    expect(rollFraction(under)).toBeCloseTo(0.5);
    expect(progressLabel(under)).toBe('1 of 3 nodes rolled');
    const aborted = plan(
      [step('a', 'done', 0, 1), step('b', 'undrained', 1, 2), step('c', 'skipped', 2, 2)],
      'aborted',
    );
    expect(rollFraction(aborted)).toBe(1);
    expect(progressLabel(aborted)).toBe('1 of 3 nodes rolled (1 skipped, 1 undrained)');
  });

  it('offers pause while running, resume while paused, abort while either, nothing once it ended', () => {
    expect(rollControls('running')).toEqual({ pause: true, resume: false, abort: true });
    expect(rollControls('paused')).toEqual({ pause: false, resume: true, abort: true });
    expect(rollControls('aborting')).toEqual({ pause: false, resume: false, abort: false });
    expect(rollControls('stopped')).toEqual({ pause: false, resume: false, abort: false });
    expect(isRollLive(plan([], 'aborting'))).toBe(true);
    expect(isRollLive(plan([], 'done'))).toBe(false);
    expect(isRollLive(null)).toBe(false);
  });

  it('times a step from its start to its end, or to now', () => {
    expect(stepDuration(step('a', 'pending'), 10_000)).toBe('');
    expect(stepDuration(step('a', 'draining', 1_000), 4_500)).toBe('3.5 s');
    expect(stepDuration(step('a', 'done', 1_000, 2_000), 9_000)).toBe('1.0 s');
  });
});
