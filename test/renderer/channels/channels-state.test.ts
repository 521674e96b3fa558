import { describe, expect, it } from 'vitest';
import {
  CHANNELS_STATE_KEY,
  DEFAULT_CHANNELS_STATE,
  loadChannelsState,
  type StateStorage,
  saveChannelsState,
} from '../../../renderer/channels/channels-state.js';

function memoryStorage(initial: Record<string, string> = {}): StateStorage & { items: Map<string, string> } {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
  };
}

describe('channels view state', () => {
  it('round-trips sort, filter, tab and focused row', () => {
    const storage = memoryStorage();
    const state = {
      sort: { column: 'bytes-out', direction: 'descending' },
      filterText: 'chat:*',
      tab: 'broker',
      focusedName: 'chat:lobby',
    } as const;
    saveChannelsState(storage, state);
    expect(loadChannelsState(storage)).toEqual(state);
  });

  it('falls back to the defaults for nothing stored, bad JSON or no storage', () => {
    expect(loadChannelsState(memoryStorage())).toEqual(DEFAULT_CHANNELS_STATE);
    expect(loadChannelsState(memoryStorage({ [CHANNELS_STATE_KEY]: '{not json' }))).toEqual(
      DEFAULT_CHANNELS_STATE,
    );
    expect(loadChannelsState(null)).toEqual(DEFAULT_CHANNELS_STATE);
  });

  it('drops the parts that do not parse and keeps the rest', () => {
    const storage = memoryStorage({
      [CHANNELS_STATE_KEY]: JSON.stringify({
        sort: { column: 'cpu', direction: 'descending' },
        filterText: 'x'.repeat(300),
        tab: 'elsewhere',
        focusedName: 42,
      }),
    });
    const state = loadChannelsState(storage);
    expect(state.sort).toEqual(DEFAULT_CHANNELS_STATE.sort);
    expect(state.filterText).toHaveLength(256);
    expect(state.tab).toBe('channels');
    expect(state.focusedName).toBeNull();
  });

  it('survives a storage that throws', () => {
    const throwing: StateStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
    };
    expect(loadChannelsState(throwing)).toEqual(DEFAULT_CHANNELS_STATE);
    expect(() => saveChannelsState(throwing, DEFAULT_CHANNELS_STATE)).not.toThrow();
  });
});
