import { describe, expect, it } from 'vitest';
import {
  CHANNEL_COLUMNS,
  channelFigure,
  consoleSortFor,
  DEFAULT_CHANNEL_SORT,
  nextChannelSort,
  rankChannels,
  sortChannels,
} from '../../../renderer/channels/channel-columns.js';
import { channel, names } from './rows.js';

// The console's order: hottest first.
const ranked = rankChannels([
  channel('chat:lobby', {
    publishPerSec: 50,
    deliveriesPerSec: 5000,
    bytesOutPerSec: 9e5,
    fanOut: 100,
    risingFactor: 4,
  }),
  channel('chat:room-10', { publishPerSec: 80, deliveriesPerSec: 800, bytesOutPerSec: 1e5, fanOut: 10 }),
  channel('chat:room-2', { publishPerSec: 80, deliveriesPerSec: 160, bytesOutPerSec: 2e4, fanOut: 2 }),
  channel('presence', { publishPerSec: 0, deliveriesPerSec: 0, fanOut: null, subscribers: 40 }),
]);

describe('rankChannels and channelFigure', () => {
  it('numbers rows from 1 in the console’s order and reads each figure', () => {
    expect(ranked.map((entry) => entry.rank)).toEqual([1, 2, 3, 4]);
    const lobby = ranked[0];
    if (!lobby) throw new Error('no row');
    expect(channelFigure(lobby, 'rank')).toBe(1);
    expect(channelFigure(lobby, 'deliveries')).toBe(5000);
    expect(channelFigure(lobby, 'fan-out')).toBe(100);
    expect(channelFigure(lobby, 'rising')).toBe(4);
    expect(channelFigure(ranked[3] as (typeof ranked)[number], 'fan-out')).toBeNull();
  });

  it('has one header per figure with a label and a description', () => {
    const keys = CHANNEL_COLUMNS.map((column) => column.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const column of CHANNEL_COLUMNS) {
      expect(column.label).not.toBe('');
      expect(column.description).not.toBe('');
    }
  });
});

describe('sortChannels', () => {
  it('keeps the console’s ranking by default and reverses it on demand', () => {
    expect(names(sortChannels(ranked, DEFAULT_CHANNEL_SORT))).toEqual([
      'chat:lobby',
      'chat:room-10',
      'chat:room-2',
      'presence',
    ]);
    expect(names(sortChannels(ranked, { column: 'rank', direction: 'descending' }))[0]).toBe('presence');
  });

  it('sorts a figure busiest first, breaking ties by rank in either direction', () => {
    expect(names(sortChannels(ranked, { column: 'publish', direction: 'descending' }))).toEqual([
      'chat:room-10',
      'chat:room-2',
      'chat:lobby',
      'presence',
    ]);
    expect(names(sortChannels(ranked, { column: 'publish', direction: 'ascending' }))).toEqual([
      'presence',
      'chat:lobby',
      'chat:room-10',
      'chat:room-2',
    ]);
  });

  it('puts channels without the figure last whichever the direction', () => {
    for (const direction of ['ascending', 'descending'] as const) {
      expect(names(sortChannels(ranked, { column: 'fan-out', direction })).at(-1)).toBe('presence');
      expect(names(sortChannels(ranked, { column: 'rising', direction }))[0]).toBe('chat:lobby');
    }
  });

  it('sorts names naturally: room-2 before room-10', () => {
    expect(names(sortChannels(ranked, { column: 'name', direction: 'ascending' }))).toEqual([
      'chat:lobby',
      'chat:room-2',
      'chat:room-10',
      'presence',
    ]);
  });

  it('does not change the rows it was given', () => {
    const before = names(ranked);
    sortChannels(ranked, { column: 'bytes-out', direction: 'ascending' });
    expect(names(ranked)).toEqual(before);
  });
});

describe('nextChannelSort', () => {
  it('starts figures with the biggest, rank and name from the top, and flips on a second click', () => {
    expect(nextChannelSort(DEFAULT_CHANNEL_SORT, 'bytes-out')).toEqual({
      column: 'bytes-out',
      direction: 'descending',
    });
    expect(nextChannelSort({ column: 'publish', direction: 'descending' }, 'name')).toEqual({
      column: 'name',
      direction: 'ascending',
    });
    expect(nextChannelSort({ column: 'publish', direction: 'descending' }, 'rank')).toEqual(
      DEFAULT_CHANNEL_SORT,
    );
    expect(nextChannelSort(DEFAULT_CHANNEL_SORT, 'rank')).toEqual({
      column: 'rank',
      direction: 'descending',
    });
  });
});

describe('consoleSortFor', () => {
  it('asks the console to rank by the sorted figure where it can, by activity otherwise', () => {
    expect(consoleSortFor('bytes-out')).toBe('bytesOutPerSec');
    expect(consoleSortFor('share')).toBe('bytesOutPerSec');
    expect(consoleSortFor('fan-out')).toBe('fanOut');
    expect(consoleSortFor('subscribers')).toBe('subscribers');
    expect(consoleSortFor('rank')).toBe('activity');
    expect(consoleSortFor('name')).toBe('activity');
    expect(consoleSortFor('rising')).toBe('activity');
  });
});
