/** Rising channels: the rule, the coarse record, and the marker in the snapshot. */
import { describe, expect, it } from 'vitest';
import { createChannels } from '../../../../main/core/channels/index.js';
import { DEFAULT_RISING_RULE, MinuteAgo, risingFactor } from '../../../../main/core/channels/rising.js';
import { FleetStore } from '../../../../main/core/fleet-store.js';
import { entry, FakeNode } from './channel-frames.js';

describe('risingFactor', () => {
  it('needs the factor over a minute ago, and over the floor', () => {
    expect(DEFAULT_RISING_RULE).toMatchObject({ factor: 3, floorPerSec: 5 });
    expect(risingFactor(60, 20)).toBe(3);
    expect(risingFactor(59, 20)).toBeNull();
    // 1 → 4 msgs/s is a factor of 4 but below 3 × the 5 msgs/s floor.
    expect(risingFactor(4, 1)).toBeNull();
    expect(risingFactor(15, 0)).toBe(3);
    expect(risingFactor(100, null)).toBeNull();
  });
});

describe('MinuteAgo', () => {
  it('records every 10 s, looks up the nearest record, and bounds what a cut record did not keep', () => {
    const record = new MinuteAgo({ everyMs: 10_000, keep: 3, channels: 2 });
    record.record(0, [
      { name: 'a', activity: 50 },
      { name: 'b', activity: 20 },
      { name: 'c', activity: 7 },
    ]);
    record.record(5_000, [{ name: 'a', activity: 999 }]); // not due: ignored
    record.record(10_000, [{ name: 'a', activity: 40 }]);
    expect(record.lookup('a', 1_000)).toBe(50);
    expect(record.lookup('c', 1_000)).toBe(20); // cut at 2: c had at most the last kept value
    expect(record.lookup('c', 9_000)).toBe(0); // that record held its whole merge
    expect(record.lookup('a', 60_000)).toBeNull(); // nothing near
    for (let time = 20_000; time <= 60_000; time += 10_000) record.record(time, []);
    expect(record.size).toBe(0); // only the last 3 (empty) records are kept
  });
});

describe('the rising marker in getChannels', () => {
  it('marks a channel that jumped over the last minute, and not a steady one', async () => {
    let now = 0;
    const channels = createChannels({ name: 'f', nodes: [] }, new FleetStore('f', []), { now: () => now });
    const node = new FakeNode(0, 1000);
    channels.sample('n1', node.next([]));
    for (let second = 1; second <= 80; second++) {
      now = second * 1000;
      const burst = second > 70 ? 200 : 2;
      channels.sample(
        'n1',
        node.next([entry('steady', { published: 40 }), entry('burst', { published: burst })]),
      );
      channels.tick(now);
    }
    const snapshot = await channels.handlers.getChannels({});
    const row = (name: string) => snapshot.channels.find((channel) => channel.name === name);
    expect(row('burst')?.risingFactor).toBeCloseTo(200 / 5);
    expect(row('steady')?.risingFactor).toBeNull();
    expect(snapshot.risingThreshold).toBe(3);
    expect(snapshot.risingFloorPerSec).toBe(5);
    channels.dispose();
  });

  it('falls back on the coarse record for a channel that had no history a minute ago', async () => {
    let now = 0;
    // One track: only the hottest channel has history.
    const channels = createChannels({ name: 'f', nodes: [] }, new FleetStore('f', []), {
      now: () => now,
      history: { channels: 1 },
    });
    const node = new FakeNode(0, 1000);
    channels.sample('n1', node.next([]));
    for (let second = 1; second <= 75; second++) {
      now = second * 1000;
      // "late" was listed at 10/s a minute ago (in the coarse record), and 24/s now: ×2.4, not rising.
      // "new" was listed by nobody a minute ago and carries 30/s now: rising from the floor.
      const top = [entry('top', { published: 1000 }), entry('late', { published: second > 60 ? 24 : 10 })];
      if (second > 65) top.push(entry('new', { published: 30 }));
      channels.sample('n1', node.next(top));
      channels.tick(now);
    }
    const snapshot = await channels.handlers.getChannels({});
    const row = (name: string) => snapshot.channels.find((channel) => channel.name === name);
    expect(row('late')?.recent).toEqual([]); // no history: the coarse record answered
    expect(row('late')?.risingFactor).toBeNull();
    expect(row('new')?.risingFactor).toBeCloseTo(30 / 5);
    channels.dispose();
  });
});
