import { describe, expect, it } from 'vitest';
import {
  ALL_CHANNELS,
  describeChannelFilter,
  filterChannelRows,
  globMatches,
  matchesChannelFilter,
  parseChannelFilter,
} from '../../../renderer/channels/channel-filter.js';

const NAMES = ['chat:lobby', 'chat:room-1', 'chat.lobby', 'news:lobby', 'presence', 'a+b(c)', 'room:é'];
const matching = (text: string) =>
  NAMES.filter((name) => matchesChannelFilter(parseChannelFilter(text), name));

describe('parseChannelFilter and matchesChannelFilter', () => {
  it('lets everything through when empty or blank', () => {
    expect(parseChannelFilter('   ')).toBe(ALL_CHANNELS);
    expect(matching('')).toEqual(NAMES);
  });

  it('reads plain text as “the name contains it”, as the console does', () => {
    expect(parseChannelFilter(' chat: ')).toEqual({ kind: 'contains', text: 'chat:' });
    expect(matching('chat:')).toEqual(['chat:lobby', 'chat:room-1']);
    expect(matching('lobby')).toEqual(['chat:lobby', 'chat.lobby', 'news:lobby']);
    expect(matching('presence')).toEqual(['presence']);
  });

  it('reads * and ? as a glob over the whole name, case-sensitive as Redis', () => {
    expect(matching('chat:*')).toEqual(['chat:lobby', 'chat:room-1']);
    expect(matching('*lobby')).toEqual(['chat:lobby', 'chat.lobby', 'news:lobby']);
    expect(matching('chat?lobby')).toEqual(['chat:lobby', 'chat.lobby']);
    expect(matching('room:?')).toEqual(['room:é']);
    expect(matching('CHAT:*')).toEqual([]);
    expect(matching('chat')).toEqual(['chat:lobby', 'chat:room-1', 'chat.lobby']);
    expect(matching('chat*')).toEqual(['chat:lobby', 'chat:room-1', 'chat.lobby']);
  });

  it('takes every other character literally', () => {
    expect(matching('a+b(*')).toEqual(['a+b(c)']);
    expect(matching('chat.*')).toEqual(['chat.lobby']);
  });
});

describe('globMatches', () => {
  it('backtracks to the latest star only, so a hostile pattern stays fast', () => {
    expect(globMatches('*a*b', 'xaxxb')).toBe(true);
    expect(globMatches('*a*b', 'xaxxbc')).toBe(false);
    expect(globMatches('a**b', 'ab')).toBe(true);
    expect(globMatches('?', '😀')).toBe(true);
    // A backtracking regular expression would not return from this one.
    expect(globMatches(`${'*a'.repeat(30)}*b`, 'a'.repeat(200))).toBe(false);
  });
});

describe('filterChannelRows', () => {
  const rows = NAMES.map((name) => ({ name }));
  it('keeps the same array when nothing is filtered out, and narrows otherwise', () => {
    expect(filterChannelRows(rows, ALL_CHANNELS)).toBe(rows);
    expect(filterChannelRows(rows, parseChannelFilter('*'))).toBe(rows);
    expect(filterChannelRows(rows, parseChannelFilter('news:')).map((row) => row.name)).toEqual([
      'news:lobby',
    ]);
  });
});

describe('describeChannelFilter', () => {
  it('puts the filter into words', () => {
    expect(describeChannelFilter(parseChannelFilter('lobby'))).toBe('a name containing “lobby”');
    expect(describeChannelFilter(parseChannelFilter('chat:**'))).toBe('a name matching “chat:*”');
  });
});
