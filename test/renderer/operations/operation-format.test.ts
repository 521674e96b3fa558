import { describe, expect, it } from 'vitest';
import type { MovePreview, MoveTarget } from '../../../main/common/models.js';
import {
  describeMoves,
  describePace,
  formatClosesPerSec,
  formatDuration,
  formatElapsed,
} from '../../../renderer/operations/operation-format.js';

function target(nodeId: string, connectionsNow: number, connectionsAfter: number): MoveTarget {
  return { nodeId, connectionsNow, connectionsAfter, cpuNow: null, cpuAfter: null };
}

function preview(overrides: Partial<MovePreview> = {}): MovePreview {
  return {
    kind: 'drain',
    nodeId: 'node-2',
    connections: 24,
    deadlineMs: 10_000,
    closesPerSec: 3,
    targets: [target('node-1', 28, 40), target('node-3', 26, 38)],
    warnings: [],
    limits: { maxConnectionsPerNode: null, maxCpu: 0.8 },
    ...overrides,
  };
}

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(400)).toBe('0.4 s');
    expect(formatDuration(8_000)).toBe('8 s');
    expect(formatDuration(59_000)).toBe('59 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
  });

  it('rounds seconds up, so a countdown shows time while some is left', () => {
    expect(formatDuration(7_001)).toBe('8 s');
    expect(formatDuration(1)).toBe('0.1 s');
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(-5)).toBe('0 s');
    expect(formatDuration(Number.NaN)).toBe('0 s');
  });
});

describe('formatElapsed', () => {
  it('keeps a decimal below 10 s and rounds to the nearest', () => {
    expect(formatElapsed(8_460)).toBe('8.5 s');
    expect(formatElapsed(420)).toBe('0.4 s');
    expect(formatElapsed(9_940)).toBe('9.9 s');
    expect(formatElapsed(42_400)).toBe('42 s');
    expect(formatElapsed(125_400)).toBe('2 min 5 s');
    expect(formatElapsed(0)).toBe('0 s');
  });
});

describe('formatClosesPerSec', () => {
  it('keeps a decimal for slow rates', () => {
    expect(formatClosesPerSec(2.54)).toBe('2.5 /s');
    expect(formatClosesPerSec(0)).toBe('0 /s');
    expect(formatClosesPerSec(12.4)).toBe('12 /s');
    expect(formatClosesPerSec(1234)).toBe('1,234 /s');
    expect(formatClosesPerSec(null)).toBe('—');
    expect(formatClosesPerSec(-1)).toBe('—');
  });
});

describe('describeMoves', () => {
  it('names where the connections go, with the change and the result', () => {
    expect(describeMoves(preview())).toBe(
      '24 connections will move to node-1 (+12 → 40), node-3 (+12 → 38).',
    );
  });

  it('leaves out nodes that take none and sums up beyond four', () => {
    const many = preview({
      connections: 1_500,
      targets: [
        target('node-1', 10, 310),
        target('node-3', 10, 310),
        target('node-4', 500, 500),
        target('node-5', 10, 310),
        target('node-6', 10, 310),
        target('node-7', 10, 310),
        target('node-8', 10, 10),
      ],
    });
    expect(describeMoves(many)).toBe(
      '1,500 connections will move to node-1 (+300 → 310), node-3 (+300 → 310), node-5 (+300 → 310), node-6 (+300 → 310) and 1 more node.',
    );
  });

  it('says when there is nothing to move or nowhere to go', () => {
    expect(describeMoves(preview({ connections: 0 }))).toBe('No connection to move: node-2 is empty.');
    expect(describeMoves(preview({ kind: 'shed', connections: 0 }))).toBe(
      'No connection to move: node-2 has none open.',
    );
    expect(describeMoves(preview({ connections: 1, targets: [] }))).toBe(
      '1 connection will close, and no active node remains to take them.',
    );
  });
});

describe('describePace', () => {
  it('gives the pace and the span it covers within the deadline', () => {
    expect(describePace(preview())).toBe('About 3.0 closes/s over 8 s, within the 10 s deadline.');
    expect(describePace(preview({ connections: 600, closesPerSec: 25, deadlineMs: 30_000 }))).toBe(
      'About 25 closes/s over 24 s, within the 30 s deadline.',
    );
  });

  it('never claims a span longer than the deadline', () => {
    expect(describePace(preview({ connections: 100, closesPerSec: 1, deadlineMs: 10_000 }))).toBe(
      'About 1.0 closes/s over 10 s, within the 10 s deadline.',
    );
  });

  it('says when there is nothing to pace', () => {
    expect(describePace(preview({ connections: 0, closesPerSec: 0 }))).toBe(
      'Nothing to pace; the deadline is 10 s.',
    );
  });
});
