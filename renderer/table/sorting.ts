/** Sorting the nodes table: by any column, missing figures last, ties in natural id order. */
import type { NodeView } from '../../main/common/models.js';
import { compareNodeIds } from '../stores/fleet-store.js';
import { type ColumnKey, columnSpec, numericValue, statusRank, versionOf } from './columns.js';

/** Which way a column sorts; the values are those of `aria-sort`. */
export type SortDirection = 'ascending' | 'descending';

/** The table's order. */
export interface SortState {
  readonly column: ColumnKey;
  readonly direction: SortDirection;
}

/** By id, ascending: the store's own order. */
export const DEFAULT_SORT: SortState = { column: 'node', direction: 'ascending' };

/**
 * The order after a click on `column`'s header: the same column flips; another column starts
 * descending for figures (the busiest node first, what an operator looks for) and ascending for
 * names.
 */
export function nextSort(current: SortState, column: ColumnKey): SortState {
  if (current.column === column) {
    return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  return { column, direction: columnSpec(column).numeric ? 'descending' : 'ascending' };
}

// Versions compare naturally: 1.10.0 after 1.9.2.
const versionCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order of version strings: '1.9.2' before '1.10.0'. */
export function compareVersions(left: string, right: string): number {
  return versionCollator.compare(left, right);
}

type SortKey = number | string | null;

function sortKey(node: NodeView, column: ColumnKey, now: number): SortKey {
  switch (column) {
    case 'node':
      return node.id;
    case 'state':
      return statusRank(node.status);
    case 'version':
      return versionOf(node);
    default:
      return numericValue(node, column, now);
  }
}

function compareKeys(column: ColumnKey, left: SortKey & {}, right: SortKey & {}): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const leftText = String(left);
  const rightText = String(right);
  return column === 'node' ? compareNodeIds(leftText, rightText) : compareVersions(leftText, rightText);
}

/**
 * A sorted copy of `nodes`. Nodes without the figure (null) go last in either direction, and
 * equal figures keep natural id order, so the order is total and stable across updates.
 */
export function sortNodes(nodes: readonly NodeView[], sort: SortState, now: number): NodeView[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  // Keys are computed once per node, not once per comparison.
  const keyed = nodes.map((node) => ({ node, key: sortKey(node, sort.column, now) }));
  keyed.sort((left, right) => {
    if (left.key === null || right.key === null) {
      if (left.key !== right.key) return left.key === null ? 1 : -1;
    } else {
      const order = compareKeys(sort.column, left.key, right.key);
      if (order !== 0) return sign * order;
    }
    return compareNodeIds(left.node.id, right.node.id);
  });
  return keyed.map((entry) => entry.node);
}
