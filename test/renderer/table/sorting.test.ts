import { describe, expect, it } from 'vitest';
import { COLUMN_KEYS } from '../../../renderer/table/columns.js';
import { DEFAULT_SORT, nextSort, sortNodes } from '../../../renderer/table/sorting.js';
import { ids, node } from './nodes.js';

const NOW = 1_000_000;

describe('sortNodes', () => {
  const fleet = [
    node('node-10', { connections: 2, version: '1.10.0', startedAt: NOW - 1000 }),
    node('node-2', { connections: 4, version: '1.9.0', startedAt: NOW - 5000 }),
    node('node-1', { connections: 2, version: '1.2.0', startedAt: NOW - 3000 }),
    node('node-3', { status: 'unreachable', connections: null, hasRates: false }),
    node('node-9', { status: 'draining', connections: 0, startedAt: NOW - 2000 }),
  ];

  it('orders ids naturally by default, both ways', () => {
    expect(ids(sortNodes(fleet, DEFAULT_SORT, NOW))).toEqual([
      'node-1',
      'node-2',
      'node-3',
      'node-9',
      'node-10',
    ]);
    expect(ids(sortNodes(fleet, { column: 'node', direction: 'descending' }, NOW))).toEqual([
      'node-10',
      'node-9',
      'node-3',
      'node-2',
      'node-1',
    ]);
  });

  it('puts missing figures last in either direction and breaks ties by natural id', () => {
    expect(ids(sortNodes(fleet, { column: 'connections', direction: 'descending' }, NOW))).toEqual([
      'node-2',
      'node-1',
      'node-10',
      'node-9',
      'node-3',
    ]);
    expect(ids(sortNodes(fleet, { column: 'connections', direction: 'ascending' }, NOW))).toEqual([
      'node-9',
      'node-1',
      'node-10',
      'node-2',
      'node-3',
    ]);
  });

  it('orders versions naturally and states by lifecycle', () => {
    expect(ids(sortNodes(fleet, { column: 'version', direction: 'ascending' }, NOW))).toEqual([
      'node-3',
      'node-9',
      'node-1',
      'node-2',
      'node-10',
    ]);
    expect(ids(sortNodes(fleet, { column: 'state', direction: 'descending' }, NOW))).toEqual([
      'node-3',
      'node-9',
      'node-1',
      'node-2',
      'node-10',
    ]);
  });

  it('sorts by uptime, an unreachable node having none', () => {
    expect(ids(sortNodes(fleet, { column: 'uptime', direction: 'ascending' }, NOW))).toEqual([
      'node-10',
      'node-9',
      'node-1',
      'node-2',
      'node-3',
    ]);
  });

  it('sorts by every column without losing or duplicating a node, and leaves the input alone', () => {
    const before = ids(fleet);
    for (const column of COLUMN_KEYS) {
      for (const direction of ['ascending', 'descending'] as const) {
        expect(ids(sortNodes(fleet, { column, direction }, NOW)).sort()).toEqual([...before].sort());
      }
    }
    expect(ids(fleet)).toEqual(before);
  });
});

describe('nextSort', () => {
  it('flips the same column and starts figures descending, names ascending', () => {
    expect(nextSort(DEFAULT_SORT, 'node')).toEqual({ column: 'node', direction: 'descending' });
    expect(nextSort(DEFAULT_SORT, 'connections')).toEqual({ column: 'connections', direction: 'descending' });
    expect(nextSort({ column: 'connections', direction: 'descending' }, 'connections')).toEqual({
      column: 'connections',
      direction: 'ascending',
    });
    expect(nextSort({ column: 'cpu', direction: 'ascending' }, 'version')).toEqual({
      column: 'version',
      direction: 'ascending',
    });
  });
});
