/** The fleet-wide merge: per-node windows, the per-channel sum, "other", the error bound. */
import { describe, expect, it } from 'vitest';
import {
  fanOutOf,
  mergeContributions,
  NodeChannelWindow,
  type NodeContribution,
  remainder,
  sumRows,
} from '../../../../main/core/channels/merge.js';
import { channelSample, entry, FakeNode } from './channel-frames.js';

function closed(window: NodeChannelWindow): NodeContribution {
  const contribution = window.close();
  if (contribution === null) throw new Error('expected a contribution');
  return contribution;
}

describe('NodeChannelWindow', () => {
  it('takes the first sample as a baseline only, then gives per-second rates from the intervals', () => {
    const node = new FakeNode(0, 2000);
    const window = new NodeChannelWindow('n1');
    expect(window.add(node.next([entry('a', { published: 10 })]))).toBe(false);
    expect(window.close()).toBeNull();
    expect(
      window.add(
        node.next([
          entry('a', { published: 8, delivered: 40, bytesIn: 800, bytesOut: 4000, subscribers: 5 }),
        ]),
      ),
    ).toBe(true);
    const contribution = closed(window);
    expect(contribution.seconds).toBe(2);
    expect(contribution.channels.get('a')).toEqual({
      publishPerSec: 4,
      deliveriesPerSec: 20,
      bytesInPerSec: 400,
      bytesOutPerSec: 2000,
      subscribers: 5,
      errorPerSec: 0,
    });
    // Totals from the cumulative counters over the same 2 s.
    expect(contribution.totals).toEqual({
      publishPerSec: 4,
      deliveriesPerSec: 20,
      bytesInPerSec: 400,
      bytesOutPerSec: 2000,
    });
  });

  it('adds up every sample since the last close; a channel missing from one top-K adds 0 for it', () => {
    const node = new FakeNode(0, 500);
    const window = new NodeChannelWindow('n1');
    window.add(node.next([]));
    window.add(node.next([entry('a', { published: 3 }), entry('b', { published: 2 })]));
    window.add(node.next([entry('a', { published: 5 })], { published: 4 }));
    const contribution = closed(window);
    expect(contribution.seconds).toBe(1);
    expect(contribution.channels.get('a')?.publishPerSec).toBe(8);
    expect(contribution.channels.get('b')?.publishPerSec).toBe(2);
    // The totals saw b's unlisted messages in the second sample too.
    expect(contribution.totals.publishPerSec).toBe(14);
    // The next window starts where this one ended.
    window.add(node.next([entry('a', { published: 1 })]));
    const next = closed(window);
    expect(next.seconds).toBe(0.5);
    expect(next.channels.get('a')?.publishPerSec).toBe(2);
    expect(next.totals.publishPerSec).toBe(2);
  });

  it('starts again from a baseline when the agent restarted (seq back) or a counter went back', () => {
    const node = new FakeNode(0, 1000);
    const window = new NodeChannelWindow('n1');
    window.add(node.next([]));
    window.add(node.next([entry('a', { published: 50 })]));
    const restarted = channelSample(1, node.time + 1000, [entry('a', { published: 1 })], {
      published: 1,
      delivered: 0,
      bytesIn: 0,
      bytesOut: 0,
    });
    expect(window.add(restarted)).toBe(false);
    expect(window.close()).toBeNull();
    const after = channelSample(2, node.time + 2000, [entry('a', { published: 7 })], {
      published: 8,
      delivered: 0,
      bytesIn: 0,
      bytesOut: 0,
    });
    expect(window.add(after)).toBe(true);
    expect(closed(window).totals.publishPerSec).toBe(7);
  });

  it('bounds what a channel may be missing: its own error where listed, the last entry where not', () => {
    const node = new FakeNode(0, 1000);
    const window = new NodeChannelWindow('n1');
    window.add(node.next([]));
    // Sample 1: a exact, b tracked late (error 3), c the last entry (weight 2).
    window.add(
      node.next([
        entry('a', { published: 10 }),
        entry('b', { published: 4, error: 3 }),
        entry('c', { published: 2 }),
      ]),
    );
    // Sample 2: b is not listed; the last entry weighs 6.
    window.add(node.next([entry('a', { published: 9 }), entry('c', { published: 6 })]));
    const contribution = closed(window);
    // Per second over 2 s: a 0; b 3 (its error) + 6 (not listed, at most the last entry) = 9 → 4.5/s.
    expect(contribution.channels.get('a')?.errorPerSec).toBe(0);
    expect(contribution.channels.get('b')?.errorPerSec).toBe(4.5);
    expect(contribution.channels.get('c')?.errorPerSec).toBe(0);
    // A channel in neither list: at most 2 + 6.
    expect(contribution.unlistedBoundPerSec).toBe(4);
  });
});

function contribution(
  nodeId: string,
  channels: Record<
    string,
    { publish: number; deliveries: number; bytesOut?: number; subscribers?: number; error?: number }
  >,
  totals: {
    publishPerSec: number;
    deliveriesPerSec: number;
    bytesInPerSec?: number;
    bytesOutPerSec?: number;
  },
  unlistedBoundPerSec = 0,
): NodeContribution {
  return {
    nodeId,
    sampleTime: 0,
    seconds: 1,
    intervalMs: 1000,
    unlistedBoundPerSec,
    channels: new Map(
      Object.entries(channels).map(([name, figures]) => [
        name,
        {
          publishPerSec: figures.publish,
          deliveriesPerSec: figures.deliveries,
          bytesInPerSec: figures.publish * 100,
          bytesOutPerSec: figures.bytesOut ?? figures.deliveries * 100,
          subscribers: figures.subscribers ?? 0,
          errorPerSec: figures.error ?? 0,
        },
      ]),
    ),
    totals: { bytesInPerSec: 0, bytesOutPerSec: 0, ...totals },
  };
}

describe('mergeContributions', () => {
  const merge = mergeContributions(5, [
    contribution(
      'n1',
      { hot: { publish: 10, deliveries: 100, subscribers: 10 }, warm: { publish: 5, deliveries: 0 } },
      { publishPerSec: 20, deliveriesPerSec: 110, bytesInPerSec: 2_000, bytesOutPerSec: 12_000 },
      2,
    ),
    contribution(
      'n2',
      { hot: { publish: 2, deliveries: 60, subscribers: 6, error: 1 }, cold: { publish: 1, deliveries: 1 } },
      { publishPerSec: 3, deliveriesPerSec: 61, bytesInPerSec: 300, bytesOutPerSec: 6_200 },
      3,
    ),
  ]);

  it('sums each channel over the nodes that list it, hottest first', () => {
    expect(merge.channels.map((channel) => channel.name)).toEqual(['hot', 'warm', 'cold']);
    expect(merge.byName.get('hot')).toMatchObject({
      publishPerSec: 12,
      deliveriesPerSec: 160,
      subscribers: 16,
      nodes: 2,
      bytesOutPerSec: 16_000,
    });
    expect(fanOutOf(merge.byName.get('hot') as NonNullable<ReturnType<typeof merge.byName.get>>)).toBeCloseTo(
      160 / 12,
    );
    expect(fanOutOf({ publishPerSec: 0, deliveriesPerSec: 4 })).toBeNull();
    expect(merge.totals).toEqual({
      publishPerSec: 23,
      deliveriesPerSec: 171,
      bytesInPerSec: 2_300,
      bytesOutPerSec: 18_200,
    });
  });

  it("sums the error bound: each listing node's error, and the unlisted bound of each node that did not list it", () => {
    expect(merge.byName.get('hot')?.errorPerSec).toBe(1);
    expect(merge.byName.get('warm')?.errorPerSec).toBe(3); // n2 did not list it
    expect(merge.byName.get('cold')?.errorPerSec).toBe(2); // n1 did not list it
  });

  it('gives an "other" that makes the rows add up to the totals, and never goes below 0', () => {
    const rows = merge.channels.slice(0, 1);
    const other = remainder(merge.totals, rows);
    const sum = sumRows([...rows, other]);
    expect(sum).toEqual(merge.totals);
    expect(other.publishPerSec).toBe(11);
    // A row can exceed a total only through rounding or a lost sample: clamp, do not go negative.
    expect(
      remainder({ publishPerSec: 1, deliveriesPerSec: 1, bytesInPerSec: 1, bytesOutPerSec: 1 }, rows)
        .publishPerSec,
    ).toBe(0);
  });
});
