import { describe, expect, it } from 'vitest';
import type { OperationRecord } from '../../../main/common/models.js';
import {
  activityDurationMs,
  activityNodes,
  CSV_COLUMNS,
  csvField,
  exportFileName,
  filterActivity,
  isActivityFiltered,
  NO_ACTIVITY_FILTER,
  summarizeArgs,
  toCsv,
  toJsonLines,
} from '../../../renderer/operations/activity.js';

const T0 = Date.UTC(2025, 2, 14, 14, 5, 9);

function record(overrides: Partial<OperationRecord> = {}): OperationRecord {
  return {
    id: 'a1',
    action: 'drain',
    nodeId: 'node-2',
    args: { deadlineMs: 10_000, connections: 24 },
    user: 'ops',
    source: 'console',
    fleet: 'local demo fleet',
    startedAt: T0,
    endedAt: T0 + 8_400,
    outcome: 'succeeded',
    message: 'drained 24 connections in 8.4 s',
    parentId: null,
    ...overrides,
  };
}

const log = [
  record(),
  record({
    id: 'a2',
    action: 'undrain',
    nodeId: 'node-10',
    args: {},
    outcome: 'failed',
    message: 'unreachable',
  }),
  record({
    id: 'a3',
    action: 'shed',
    nodeId: 'node-3',
    args: { count: 5, deadlineMs: 30_000 },
    endedAt: null,
    outcome: 'running',
    message: null,
  }),
  record({ id: 'a4', action: 'roll', nodeId: null, args: { nodeIds: ['node-1', 'node-2'], concurrency: 1 } }),
];

describe('filterActivity', () => {
  it('lets everything through with no filter', () => {
    expect(filterActivity(log, NO_ACTIVITY_FILTER)).toEqual(log);
    expect(isActivityFiltered(NO_ACTIVITY_FILTER)).toBe(false);
  });

  it('narrows by action, outcome and node, together', () => {
    const ids = (filter: Parameters<typeof filterActivity>[1]) =>
      filterActivity(log, filter).map((entry) => entry.id);
    expect(ids({ ...NO_ACTIVITY_FILTER, action: 'drain' })).toEqual(['a1']);
    expect(ids({ ...NO_ACTIVITY_FILTER, outcome: 'succeeded' })).toEqual(['a1', 'a4']);
    expect(ids({ ...NO_ACTIVITY_FILTER, nodeId: 'node-3' })).toEqual(['a3']);
    expect(ids({ action: 'drain', outcome: 'failed', nodeId: '' })).toEqual([]);
    expect(isActivityFiltered({ ...NO_ACTIVITY_FILTER, outcome: 'running' })).toBe(true);
  });

  it('lists the nodes in natural order', () => {
    expect(activityNodes(log)).toEqual(['node-2', 'node-3', 'node-10']);
  });
});

describe('summarizeArgs', () => {
  it('puts the arguments in words', () => {
    expect(summarizeArgs({ deadlineMs: 10_000, connections: 24 })).toBe('deadline 10 s · 24 connections');
    expect(summarizeArgs({ connections: 1 })).toBe('1 connection');
    expect(summarizeArgs({ count: 5, deadlineMs: 120_000 })).toBe('count 5 · deadline 2 min');
    expect(summarizeArgs({ percent: 10 })).toBe('10 %');
    expect(summarizeArgs({ amount: { percent: 10 } })).toBe('10 %');
    expect(summarizeArgs({ amount: { count: 3 } })).toBe('count 3');
    expect(summarizeArgs({ nodeIds: ['node-1', 'node-2'], concurrency: 1 })).toBe(
      'nodes node-1, node-2 · 1 at a time',
    );
    expect(summarizeArgs({ state: 'maint', port: 9000, extra: { a: 1 } })).toBe(
      'state maint · port 9000 · extra {"a":1}',
    );
    expect(summarizeArgs({})).toBe('');
  });
});

describe('activityDurationMs', () => {
  it('runs to the end, or to now while running', () => {
    expect(activityDurationMs(record(), T0 + 60_000)).toBe(8_400);
    expect(activityDurationMs(record({ endedAt: null }), T0 + 3_000)).toBe(3_000);
    expect(activityDurationMs(record({ endedAt: null }), T0 - 1)).toBe(0);
  });
});

describe('exports', () => {
  it('writes JSON lines that read back as the records', () => {
    const text = toJsonLines(log);
    const lines = text.split('\n');
    expect(lines).toHaveLength(log.length + 1);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual(log);
    expect(toJsonLines([])).toBe('');
  });

  it('quotes CSV fields as RFC 4180 says and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('writes a CSV with a header and one row per record', () => {
    const csv = toCsv([log[0] as OperationRecord, log[2] as OperationRecord]);
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toBe(
      'a1,2025-03-14T14:05:09.000Z,2025-03-14T14:05:17.400Z,8400,ops,console,local demo fleet,drain,node-2,"{""deadlineMs"":10000,""connections"":24}",succeeded,drained 24 connections in 8.4 s,',
    );
    expect(lines[2]).toBe(
      'a3,2025-03-14T14:05:09.000Z,,,ops,console,local demo fleet,shed,node-3,"{""count"":5,""deadlineMs"":30000}",running,,',
    );
    expect(lines[3]).toBe('');
  });

  it('names the files with the local time', () => {
    const local = new Date(2025, 2, 14, 9, 5, 7).getTime();
    expect(exportFileName('csv', local)).toBe('fleetdeck-activity-20250314-090507.csv');
    expect(exportFileName('jsonl', local)).toBe('fleetdeck-activity-20250314-090507.jsonl');
  });
});
