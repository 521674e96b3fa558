/**
 * What the nodes table remembers for the session (sort, filter text, focused row), so that
 * going to a node's detail and back finds the table as it was left. The storage is passed in:
 * sessionStorage in the app, a plain object in tests; a broken or full storage is ignored.
 */
import { isColumnKey } from './columns.js';
import { DEFAULT_SORT, type SortState } from './sorting.js';

/** The remembered part of the table. */
export interface TableState {
  readonly sort: SortState;
  readonly filterText: string;
  /** The row that holds the table body's tab stop, by node id; null for the first row. */
  readonly focusedId: string | null;
}

/** A fresh table: by id, no filter. */
export const DEFAULT_TABLE_STATE: TableState = { sort: DEFAULT_SORT, filterText: '', focusedId: null };

/** The key under which the state is kept. */
export const TABLE_STATE_KEY = 'fleetdeck.nodes-table';

/** The parts of `Storage` used here. */
export type StateStorage = Pick<Storage, 'getItem' | 'setItem'>;

// Longer filters are not typed by hand; the cap keeps a corrupt entry from costing anything.
const MAX_FILTER_LENGTH = 1000;

/** Reads a state back; anything missing or malformed falls back to the default, field by field. */
export function parseTableState(raw: string | null): TableState {
  if (raw === null) return DEFAULT_TABLE_STATE;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return DEFAULT_TABLE_STATE;
  }
  if (typeof value !== 'object' || value === null) return DEFAULT_TABLE_STATE;
  const record = value as Record<string, unknown>;
  const sortRecord = (typeof record.sort === 'object' && record.sort !== null ? record.sort : {}) as Record<
    string,
    unknown
  >;
  const sort: SortState =
    isColumnKey(sortRecord.column) &&
    (sortRecord.direction === 'ascending' || sortRecord.direction === 'descending')
      ? { column: sortRecord.column, direction: sortRecord.direction }
      : DEFAULT_SORT;
  const filterText =
    typeof record.filterText === 'string' && record.filterText.length <= MAX_FILTER_LENGTH
      ? record.filterText
      : '';
  const focusedId = typeof record.focusedId === 'string' ? record.focusedId : null;
  return { sort, filterText, focusedId };
}

/** The state kept in `storage`, or the default when there is none or storage is unavailable. */
export function loadTableState(storage: StateStorage | null): TableState {
  try {
    return parseTableState(storage?.getItem(TABLE_STATE_KEY) ?? null);
  } catch {
    return DEFAULT_TABLE_STATE;
  }
}

/** Keeps `state` in `storage`; a storage that refuses (quota, privacy mode) is ignored. */
export function saveTableState(storage: StateStorage | null, state: TableState): void {
  try {
    storage?.setItem(TABLE_STATE_KEY, JSON.stringify(state));
  } catch {
    // Remembering is a convenience; the table works without it.
  }
}
