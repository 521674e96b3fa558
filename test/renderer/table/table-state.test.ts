import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TABLE_STATE,
  loadTableState,
  parseTableState,
  type StateStorage,
  saveTableState,
  TABLE_STATE_KEY,
} from '../../../renderer/table/table-state.js';

function memoryStorage(): StateStorage & { readonly items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
  };
}

describe('table state', () => {
  it('round-trips sort, filter and focused row through storage', () => {
    const storage = memoryStorage();
    const state = {
      sort: { column: 'cpu', direction: 'descending' },
      filterText: 'state:active cpu>50%',
      focusedId: 'node-7',
    } as const;
    saveTableState(storage, state);
    expect(storage.items.has(TABLE_STATE_KEY)).toBe(true);
    expect(loadTableState(storage)).toEqual(state);
  });

  it('falls back to the default for missing, corrupt or foreign entries, field by field', () => {
    expect(loadTableState(memoryStorage())).toEqual(DEFAULT_TABLE_STATE);
    expect(loadTableState(null)).toEqual(DEFAULT_TABLE_STATE);
    expect(parseTableState('{not json')).toEqual(DEFAULT_TABLE_STATE);
    expect(parseTableState('42')).toEqual(DEFAULT_TABLE_STATE);
    expect(
      parseTableState('{"sort":{"column":"bogus","direction":"ascending"},"filterText":"node-2"}'),
    ).toEqual({
      ...DEFAULT_TABLE_STATE,
      filterText: 'node-2',
    });
    expect(parseTableState('{"sort":{"column":"cpu","direction":"sideways"},"focusedId":3}')).toEqual(
      DEFAULT_TABLE_STATE,
    );
  });

  it('ignores a storage that throws', () => {
    const broken: StateStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(loadTableState(broken)).toEqual(DEFAULT_TABLE_STATE);
    expect(() => saveTableState(broken, DEFAULT_TABLE_STATE)).not.toThrow();
  });
});
