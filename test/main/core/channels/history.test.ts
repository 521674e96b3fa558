/** The hottest channels' history: eviction by rank, bounded storage, window means, recent points. */
import { describe, expect, it } from 'vitest';
import { ChannelHistory } from '../../../../main/core/channels/history.js';
import {
  type FleetMerge,
  type MergedChannel,
  mergeContributions,
} from '../../../../main/core/channels/merge.js';

function channel(name: string, publishPerSec: number): MergedChannel {
  return {
    name,
    publishPerSec,
    deliveriesPerSec: 0,
    bytesInPerSec: publishPerSec * 10,
    bytesOutPerSec: 0,
    subscribers: 1,
    nodes: 1,
    errorPerSec: 0,
  };
}

/** A merge at `time` of the given channels (ranked here, as mergeContributions would). */
function merge(time: number, channels: Record<string, number>, totalPublish = 1_000): FleetMerge {
  const list = Object.entries(channels)
    .map(([name, rate]) => channel(name, rate))
    .sort((left, right) => right.publishPerSec - left.publishPerSec);
  return {
    ...mergeContributions(time, []),
    channels: list,
    byName: new Map(list.map((entry) => [entry.name, entry])),
    totals: { publishPerSec: totalPublish, deliveriesPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 },
  };
}

describe('ChannelHistory', () => {
  it('keeps the top channels, and evicts the lowest-ranked tracked channel only when a newcomer needs room', () => {
    const history = new ChannelHistory({ channels: 3, capacity: 10 });
    history.record(merge(1, { a: 30, b: 20, c: 10 }), true);
    expect([...history.trackedNames()].sort()).toEqual(['a', 'b', 'c']);
    // d enters the top 3 above c, and needs c's track: c ranks lowest of those outside the top.
    history.record(merge(2, { a: 30, b: 20, d: 15, c: 10 }), true);
    expect([...history.trackedNames()].sort()).toEqual(['a', 'b', 'd']);
    // e enters; of the tracked channels outside the top 3 (only b), b goes.
    history.record(merge(3, { a: 30, d: 25, e: 22, b: 5 }), true);
    expect([...history.trackedNames()].sort()).toEqual(['a', 'd', 'e']);
    expect(history.has('b')).toBe(false);
    // e leaves the merge but no newcomer needs its track: it stays, recorded as 0.
    history.record(merge(4, { a: 30, d: 25 }), true);
    // e is no longer listed at all: recorded as 0, still tracked.
    expect(history.columns('e').series.publishPerSec).toEqual([22, 0]);
    expect(history.columns('e').series.subscribers).toEqual([1, null]);
  });

  it('records a track from the tick it was created, and nothing for a channel without one', () => {
    const history = new ChannelHistory({ channels: 2, capacity: 5 });
    history.record(merge(1000, { a: 1 }), true);
    history.record(merge(2000, { a: 2, b: 4 }), true);
    expect(history.columns('b')).toEqual({
      times: [2000],
      series: {
        publishPerSec: [4],
        deliveriesPerSec: [0],
        bytesInPerSec: [40],
        bytesOutPerSec: [0],
        subscribers: [1],
      },
    });
    expect(history.columns('zzz').times).toEqual([]);
    expect(history.recent('a', 3)).toEqual([1, 2]);
    expect(history.recent('b', 3)).toEqual([null, 4]);
    expect(history.recent('zzz', 3)).toEqual([]);
  });

  it('wraps at capacity and averages windows over the ticks it holds', () => {
    const history = new ChannelHistory({ channels: 2, capacity: 4 });
    for (let tick = 1; tick <= 6; tick++) history.record(merge(tick * 1000, { a: tick }, tick * 10), true);
    expect(history.columns('a').series.publishPerSec).toEqual([3, 4, 5, 6]);
    expect(history.windowFigures('a', 2, 7)).toMatchObject({ publishPerSec: 5.5, nodes: 7, ticks: 2 });
    expect(history.windowTotals(3)).toEqual({
      totals: { publishPerSec: 50, deliveriesPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 },
      ticks: 3,
    });
    // Ticks 0–1 are no longer held: the mean is over ticks 2 and 3 (values 3 and 4).
    expect(history.meanActivity('a', 0, 3)).toBe(3.5);
  });

  it('leaves a gap, not a zero, while no node reports', () => {
    const history = new ChannelHistory({ channels: 1, capacity: 4 });
    history.record(merge(1, { a: 8 }), true);
    history.record(merge(2, {}), false);
    expect(history.columns('a').series.publishPerSec).toEqual([8, null]);
    expect(history.windowFigures('a', 2, 0)?.publishPerSec).toBe(8);
    expect(history.windowTotals(2).ticks).toBe(1);
  });

  it('keeps its storage fixed however many distinct channels pass through', () => {
    const history = new ChannelHistory({ channels: 200, capacity: 900 });
    const bytes = history.byteLength;
    for (let tick = 0; tick < 1_000; tick++) {
      const channels: Record<string, number> = {};
      for (let index = 0; index < 250; index++) channels[`c${tick}:${index}`] = 250 - index;
      history.record(merge(tick * 1000, channels), true);
    }
    expect(history.size).toBe(200);
    expect(history.byteLength).toBe(bytes);
    expect(bytes).toBeLessThan(5_000_000);
  });
});
