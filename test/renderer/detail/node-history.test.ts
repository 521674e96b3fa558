import { describe, expect, it } from 'vitest';
import { NODE_SERIES, type NodeSeriesName, type NodeView } from '../../../main/common/models.js';
import {
  appendPoints,
  liveFigures,
  type NodePoint,
  newestTime,
  pointsFromColumns,
} from '../../../renderer/detail/node-history.js';
import { nodeView } from '../../main/core/node-views.js';

function columns(times: number[], fill: (name: NodeSeriesName, index: number) => number | null) {
  const series = Object.fromEntries(
    NODE_SERIES.map((name) => [name, times.map((_, index) => fill(name, index))]),
  ) as Record<NodeSeriesName, (number | null)[]>;
  return { times, series };
}

const point = (time: number, connectionsOpen: number | null = 1): NodePoint =>
  pointsFromColumns(
    columns([time], (name) => (name === 'connectionsOpen' ? connectionsOpen : 0)),
  )[0] as NodePoint;

describe('pointsFromColumns', () => {
  it('turns aligned columns into one point per time, oldest first, keeping gaps as null', () => {
    const points = pointsFromColumns(
      columns([1000, 2000], (name, index) => (name === 'cpu' && index === 1 ? null : index + 1)),
    );
    expect(points).toHaveLength(2);
    expect(points[0]).toEqual({ time: 1000, ...Object.fromEntries(NODE_SERIES.map((name) => [name, 1])) });
    expect(points[1]).toMatchObject({ time: 2000, cpu: null, rssBytes: 2, connectionsOpen: 2 });
  });

  it('reads a short column as gaps rather than undefined', () => {
    const input = columns([1000, 2000], () => 5);
    const short = { ...input, series: { ...input.series, rssBytes: [5] } };
    expect(pointsFromColumns(short)[1]?.rssBytes).toBeNull();
  });
});

describe('appendPoints', () => {
  it('adds only the points newer than the newest held', () => {
    const held = [point(1000), point(2000)];
    const next = appendPoints(held, [point(2000, 99), point(3000), point(4000)], 60_000);
    expect(next.map((each) => each.time)).toEqual([1000, 2000, 3000, 4000]);
    // The overlapping point is the one already held, not the repeat.
    expect(next[1]?.connectionsOpen).toBe(1);
    expect(newestTime(next)).toBe(4000);
  });

  it('returns the very same array when a poll brought nothing new, so nothing re-renders', () => {
    const held = [point(1000), point(2000)];
    expect(appendPoints(held, [], 60_000)).toBe(held);
    expect(appendPoints(held, [point(1500), point(2000)], 60_000)).toBe(held);
  });

  it('keeps only the window behind the newest point', () => {
    let held: readonly NodePoint[] = [];
    for (let time = 1000; time <= 10_000; time += 1000) held = appendPoints(held, [point(time)], 3_000);
    // Points within 3 s of 10 000, the boundary excluded: 8 000, 9 000, 10 000.
    expect(held.map((each) => each.time)).toEqual([8000, 9000, 10_000]);
  });

  it('starts from nothing', () => {
    expect(newestTime([])).toBeUndefined();
    expect(appendPoints([], [point(5)], 1000).map((each) => each.time)).toEqual([5]);
  });
});

describe('liveFigures', () => {
  it('reads the series from the live view, messages in and out summed', () => {
    const view = nodeView('a', 7, {
      rates: {
        bytesInPerSec: 10,
        bytesOutPerSec: 20,
        messagesInPerSec: 3,
        messagesOutPerSec: 4,
        opensPerSec: 0,
        closesPerSec: 0,
        abnormalClosesPerSec: 0.5,
      },
    });
    expect(liveFigures(view)).toEqual({
      connectionsOpen: 7,
      bytesInPerSec: 10,
      bytesOutPerSec: 20,
      messagesPerSec: 7,
      loopDelayP99Ms: 5,
      cpu: 0.1,
      rssBytes: 100 * 1024 * 1024,
      abnormalClosesPerSec: 0.5,
    });
  });

  it('has no figures for a node that is down: its last health is stale', () => {
    const down: NodeView = nodeView('a', 0, {
      status: 'unreachable',
      connections: null,
      rates: null,
      openByTransport: null,
    });
    expect(Object.values(liveFigures(down)).every((value) => value === null)).toBe(true);
  });

  it('has no abnormal-close rate when the core did not set one (older views)', () => {
    const rates = { ...(nodeView('a').rates as NonNullable<NodeView['rates']>) };
    delete (rates as { abnormalClosesPerSec?: number }).abnormalClosesPerSec;
    expect(liveFigures(nodeView('a', 1, { rates })).abnormalClosesPerSec).toBeNull();
  });
});
