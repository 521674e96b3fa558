/**
 * The Channels view's choices (sort, filter, tab), kept in session storage so coming back from a
 * channel's drill-down finds the table as it was. Anything unreadable falls back to the defaults.
 */
import { CHANNEL_COLUMNS, type ChannelSort, DEFAULT_CHANNEL_SORT } from './channel-columns.js';

/** The two panels of the Channels view. */
export type ChannelsTab = 'channels' | 'broker';

/** What is remembered. */
export interface ChannelsViewState {
  readonly sort: ChannelSort;
  readonly filterText: string;
  readonly tab: ChannelsTab;
  /** The row that had focus, so it is shown again on return; null for none. */
  readonly focusedName: string | null;
}

/** The subset of `Storage` used, so tests pass a Map-backed stand-in. */
export interface StateStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The storage key. */
export const CHANNELS_STATE_KEY = 'fleetdeck.channels-view';
const MAX_FILTER_LENGTH = 256;
const MAX_NAME_LENGTH = 1024;

/** A fresh view: the console's ranking, no filter, the channels tab. */
export const DEFAULT_CHANNELS_STATE: ChannelsViewState = {
  sort: DEFAULT_CHANNEL_SORT,
  filterText: '',
  tab: 'channels',
  focusedName: null,
};

function parseSort(value: unknown): ChannelSort {
  if (typeof value !== 'object' || value === null) return DEFAULT_CHANNEL_SORT;
  const { column, direction } = value as Record<string, unknown>;
  const known = CHANNEL_COLUMNS.find((spec) => spec.key === column);
  if (!known || (direction !== 'ascending' && direction !== 'descending')) return DEFAULT_CHANNEL_SORT;
  return { column: known.key, direction };
}

/** The remembered state, or the defaults when there is none or it does not parse. */
export function loadChannelsState(storage: StateStorage | null): ChannelsViewState {
  let text: string | null = null;
  try {
    text = storage?.getItem(CHANNELS_STATE_KEY) ?? null;
  } catch {
    return DEFAULT_CHANNELS_STATE;
  }
  if (text === null) return DEFAULT_CHANNELS_STATE;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return DEFAULT_CHANNELS_STATE;
  }
  if (typeof value !== 'object' || value === null) return DEFAULT_CHANNELS_STATE;
  const record = value as Record<string, unknown>;
  return {
    sort: parseSort(record.sort),
    filterText: typeof record.filterText === 'string' ? record.filterText.slice(0, MAX_FILTER_LENGTH) : '',
    tab: record.tab === 'broker' ? 'broker' : 'channels',
    focusedName:
      typeof record.focusedName === 'string' && record.focusedName.length <= MAX_NAME_LENGTH
        ? record.focusedName
        : null,
  };
}

/** Remembers `state`; a full or refused storage is ignored (the view works without it). */
export function saveChannelsState(storage: StateStorage | null, state: ChannelsViewState): void {
  try {
    storage?.setItem(CHANNELS_STATE_KEY, JSON.stringify(state));
  } catch {
    // Private mode or quota: nothing to remember it in.
  }
}
