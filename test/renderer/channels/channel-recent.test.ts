import { describe, expect, it } from 'vitest';
import {
  appendRecent,
  NO_RECENT_ACTIVITY,
  RECENT_POINTS,
  recentLine,
} from '../../../renderer/channels/channel-recent.js';
import { channel } from './rows.js';

const T = 1_000_000;
const rows = (a: number, b: number) => [
  channel('a', { publishPerSec: a, deliveriesPerSec: 2 * a }),
  channel('b', { publishPerSec: b }),
];

describe('appendRecent', () => {
  it('adds publish + deliveries per channel, one value per new console tick', () => {
    let recent = appendRecent(NO_RECENT_ACTIVITY, rows(1, 5), T);
    recent = appendRecent(recent, rows(2, 6), T + 1000);
    expect(recent.time).toBe(T + 1000);
    expect(recent.values.get('a')).toEqual([3, 6]);
    expect(recent.values.get('b')).toEqual([5, 6]);
  });

  it('ignores an answer that is not newer (two polls inside one tick)', () => {
    const first = appendRecent(NO_RECENT_ACTIVITY, rows(1, 5), T);
    expect(appendRecent(first, rows(9, 9), T)).toBe(first);
    expect(appendRecent(first, rows(9, 9), T - 1000)).toBe(first);
  });

  it('marks seconds no poll saw as gaps, not as a line between the two values', () => {
    let recent = appendRecent(NO_RECENT_ACTIVITY, rows(1, 5), T);
    recent = appendRecent(recent, rows(2, 5), T + 3000);
    expect(recent.values.get('a')).toEqual([3, null, null, 6]);
  });

  it('drops channels no longer listed and starts new ones with one value', () => {
    let recent = appendRecent(NO_RECENT_ACTIVITY, rows(1, 5), T);
    recent = appendRecent(recent, [channel('c', { deliveriesPerSec: 7 })], T + 1000);
    expect([...recent.values.keys()]).toEqual(['c']);
    expect(recent.values.get('c')).toEqual([7]);
  });

  it('keeps at most a minute per channel', () => {
    let recent = NO_RECENT_ACTIVITY;
    for (let second = 0; second < RECENT_POINTS + 15; second++) {
      recent = appendRecent(recent, [channel('a', { publishPerSec: second })], T + second * 1000);
    }
    const line = recent.values.get('a') ?? [];
    expect(line).toHaveLength(RECENT_POINTS);
    expect(line.at(-1)).toBe(RECENT_POINTS + 14);
    expect(line[0]).toBe(15);
    // A long silence is at most a full line of gaps before the new value.
    recent = appendRecent(recent, [channel('a', { publishPerSec: 1 })], T + 10 * 60_000);
    expect(recent.values.get('a')).toEqual([...Array(RECENT_POINTS - 1).fill(null), 1]);
  });
});

describe('recentLine', () => {
  it('prefers the console’s line and falls back to the gathered one', () => {
    const gathered = appendRecent(NO_RECENT_ACTIVITY, [channel('a', { publishPerSec: 4 })], T);
    expect(recentLine(channel('a', { recent: [1, null, 2] }), gathered)).toEqual([1, null, 2]);
    expect(recentLine(channel('a'), gathered)).toEqual([4]);
    expect(recentLine(channel('b'), gathered)).toBeUndefined();
  });
});
