import { describe, expect, it } from 'vitest';
import type { DrainProgress, NodeRates } from '../../../main/common/models.js';
import {
  drainPhase,
  isSafeToStop,
  type ProgressSource,
  progressFigures,
  progressValueText,
} from '../../../renderer/operations/drain-progress.js';

const START = 1_700_000_000_000;

function rates(closesPerSec: number): NodeRates {
  return {
    bytesInPerSec: 0,
    bytesOutPerSec: 0,
    messagesInPerSec: 0,
    messagesOutPerSec: 0,
    opensPerSec: 0,
    closesPerSec,
  };
}

function drain(overrides: Partial<DrainProgress> = {}): DrainProgress {
  return {
    kind: 'drain',
    startedAt: START,
    deadlineAt: START + 10_000,
    total: 24,
    closed: 6,
    closeCode: 1012,
    ...overrides,
  };
}

function view(overrides: Partial<ProgressSource> = {}): ProgressSource {
  return {
    status: 'draining',
    connections: { open: 18, opened: 100, closed: 82 },
    rates: rates(3),
    drain: drain(),
    statusSince: START,
    ...overrides,
  };
}

describe('progressFigures', () => {
  it('is null when nothing runs', () => {
    expect(progressFigures(view({ drain: null }), START)).toBeNull();
    expect(progressFigures(view({ drain: undefined }), START)).toBeNull();
  });

  it('counts a drain’s left as the node’s open connections', () => {
    const figures = progressFigures(view(), START + 2_000);
    expect(figures).toMatchObject({
      kind: 'drain',
      total: 24,
      closed: 6,
      left: 18,
      fraction: 0.25,
      closeRate: 3,
      deadlineInMs: 8_000,
      elapsedMs: 2_000,
    });
    // 18 left at 3/s: 6 s, before the deadline.
    expect(figures?.etaMs).toBe(6_000);
  });

  it('never promises a drain past its deadline: the agent closes the rest then', () => {
    const slow = progressFigures(view({ rates: rates(1) }), START + 2_000);
    expect(slow?.etaMs).toBe(8_000);
    const stalled = progressFigures(view({ rates: rates(0) }), START + 500);
    // No close yet and no average: the deadline is the end.
    expect(stalled?.closeRate).toBe(0);
    expect(stalled?.etaMs).toBe(9_500);
    const overdue = progressFigures(view(), START + 12_000);
    expect(overdue?.deadlineInMs).toBe(0);
    expect(overdue?.etaMs).toBe(0);
  });

  it('falls back to the average so far when the node’s rate is missing or zero', () => {
    const figures = progressFigures(view({ rates: null }), START + 3_000);
    // 6 closed in 3 s.
    expect(figures?.closeRate).toBe(2);
    expect(figures?.etaMs).toBe(7_000);
    expect(progressFigures(view({ rates: rates(0) }), START + 2_000)?.closeRate).toBe(3);
    expect(progressFigures(view({ rates: null }), START + 200)?.closeRate).toBeNull();
  });

  it('counts a shed’s left as the closes not made yet, with no deadline cap', () => {
    const shed = view({
      status: 'active',
      connections: { open: 40, opened: 60, closed: 20 },
      drain: drain({ kind: 'shed', total: 10, closed: 4, deadlineAt: START + 5_000 }),
      rates: rates(0.5),
    });
    const figures = progressFigures(shed, START + 2_000);
    expect(figures).toMatchObject({ kind: 'shed', left: 6, fraction: 0.4 });
    expect(figures?.etaMs).toBe(12_000);
  });

  it('clamps figures a late or odd sample could give', () => {
    const odd = progressFigures(
      view({ drain: drain({ closed: 30 }), connections: { open: 0, opened: 1, closed: 1 } }),
      START - 1_000,
    );
    expect(odd).toMatchObject({ closed: 24, left: 0, fraction: 1, elapsedMs: 0, etaMs: 0 });
    expect(
      progressFigures(view({ drain: drain({ total: 0, closed: 0 }), connections: null }), START),
    ).toMatchObject({ total: 0, left: 0, fraction: 1 });
  });

  it('describes itself for assistive technology', () => {
    const figures = progressFigures(view(), START + 1_000);
    expect(figures && progressValueText(figures)).toBe('6 of 24 closed, 18 left');
  });
});

describe('drain phase and safe to stop', () => {
  it('is safe to stop only when drained with no connection open', () => {
    expect(isSafeToStop({ status: 'drained', connections: { open: 0, opened: 5, closed: 5 } })).toBe(true);
    expect(isSafeToStop({ status: 'drained', connections: { open: 1, opened: 5, closed: 4 } })).toBe(false);
    expect(isSafeToStop({ status: 'drained', connections: null })).toBe(false);
    expect(isSafeToStop({ status: 'draining', connections: { open: 0, opened: 5, closed: 5 } })).toBe(false);
  });

  it('tells the phases apart', () => {
    expect(drainPhase(view())).toBe('draining');
    expect(drainPhase(view({ status: 'active', drain: null }))).toBe('idle');
    expect(drainPhase(view({ status: 'active', drain: drain({ kind: 'shed' }) }))).toBe('shedding');
    expect(
      drainPhase(view({ status: 'drained', drain: null, connections: { open: 0, opened: 1, closed: 1 } })),
    ).toBe('safe-to-stop');
    expect(drainPhase(view({ status: 'drained', drain: null }))).toBe('drained');
    expect(drainPhase(view({ status: 'unreachable' }))).toBe('unknown');
    expect(drainPhase(view({ status: 'connecting' }))).toBe('unknown');
  });
});
