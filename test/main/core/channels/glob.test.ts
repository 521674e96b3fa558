/** The channels filter: substring, anchored globs, case, and no runaway matching. */
import { describe, expect, it } from 'vitest';
import { compileChannelFilter, globMatches } from '../../../../main/core/channels/glob.js';

const names = ['chat:1', 'chat:12', 'Chat:1', 'room:lobby:3', 'lobby', 'chat:1:typing', 'news'];
const select = (text: string) => {
  const filter = compileChannelFilter(text);
  return filter === null ? names : names.filter(filter);
};

describe('compileChannelFilter', () => {
  it('selects every channel for empty or blank text', () => {
    expect(compileChannelFilter(undefined)).toBeNull();
    expect(compileChannelFilter('   ')).toBeNull();
  });

  it('reads plain text as a substring, case-sensitive', () => {
    expect(select('lobby')).toEqual(['room:lobby:3', 'lobby']);
    expect(select('chat:1')).toEqual(['chat:1', 'chat:12', 'chat:1:typing']);
    expect(select('Chat')).toEqual(['Chat:1']);
    expect(select('  news ')).toEqual(['news']);
  });

  it('reads * and ? as a glob over the whole name', () => {
    expect(select('chat:*')).toEqual(['chat:1', 'chat:12', 'chat:1:typing']);
    expect(select('chat:?')).toEqual(['chat:1']);
    expect(select('*lobby*')).toEqual(['room:lobby:3', 'lobby']);
    expect(select('*:typing')).toEqual(['chat:1:typing']);
    expect(select('lobby*')).toEqual(['lobby']);
    expect(select('*')).toEqual(names);
    expect(select('c?at:1')).toEqual(['chat:1']);
  });

  it('treats every other character literally (regex characters included)', () => {
    const filter = compileChannelFilter('a.b*') as (name: string) => boolean;
    expect(filter('a.b:1')).toBe(true);
    expect(filter('axb:1')).toBe(false);
    expect(globMatches('(x)|[y]+*', '(x)|[y]+z')).toBe(true);
  });

  it('lets ? take one character even when it is a surrogate pair', () => {
    expect(globMatches('room:?', 'room:🔥')).toBe(true);
    expect(globMatches('room:??', 'room:🔥')).toBe(false);
  });

  it('matches adversarial patterns in linear-ish time, unlike a backtracking regex', () => {
    const name = 'a'.repeat(1024);
    const pattern = `${'*a'.repeat(60)}*b`;
    const started = process.hrtime.bigint();
    expect(globMatches(pattern, name)).toBe(false);
    // A regex built from this pattern does not finish in any reasonable time; this does ~10⁵ steps.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1_000);
  });
});
