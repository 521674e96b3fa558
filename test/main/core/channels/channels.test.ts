/** The channels module as the service drives it: samples, ticks, and the three requests. */
import { describe, expect, it } from 'vitest';
import { type Channels, createChannels } from '../../../../main/core/channels/index.js';
import { FleetStore } from '../../../../main/core/fleet-store.js';
import { entry, FakeNode } from './channel-frames.js';

function setup(): { channels: Channels; tick: (time: number) => void } {
  let now = 0;
  const channels = createChannels({ name: 'f', nodes: [] }, new FleetStore('f', []), { now: () => now });
  return {
    channels,
    tick: (time) => {
      now = time;
      channels.tick(time);
    },
  };
}

/** Two nodes, 10 s of traffic: chat:1 hot on both, chat:2 on n1, news:1 on n2, and unlisted traffic. */
function twoNodes() {
  const { channels, tick } = setup();
  const n1 = new FakeNode(0, 1000);
  const n2 = new FakeNode(300, 1000);
  channels.sample('n1', n1.next([]));
  channels.sample('n2', n2.next([]));
  for (let second = 1; second <= 10; second++) {
    channels.sample(
      'n1',
      n1.next(
        [
          entry('chat:1', {
            published: 100,
            delivered: 1000,
            bytesIn: 10_000,
            bytesOut: 100_000,
            subscribers: 10,
          }),
          entry('chat:2', { published: 30, delivered: 30, bytesIn: 3_000, bytesOut: 3_000, subscribers: 1 }),
        ],
        { published: 7, bytesIn: 700 },
      ),
    );
    channels.sample(
      'n2',
      n2.next(
        [
          entry('chat:1', {
            published: 50,
            delivered: 500,
            bytesIn: 5_000,
            bytesOut: 50_000,
            subscribers: 5,
          }),
          entry('news:1', { published: 1, delivered: 40, bytesIn: 100, bytesOut: 4_000, subscribers: 40 }),
        ],
        { published: 3, bytesIn: 300 },
      ),
    );
    tick(second * 1000);
  }
  return channels;
}

describe('getChannels', () => {
  it('merges the nodes per channel, hottest first, with fan-out, share and an "other" that adds up', async () => {
    const channels = twoNodes();
    const snapshot = await channels.handlers.getChannels({});
    expect(snapshot.channels.map((row) => row.name)).toEqual(['chat:1', 'chat:2', 'news:1']);
    const [hot] = snapshot.channels;
    expect(hot).toMatchObject({
      publishPerSec: 150,
      deliveriesPerSec: 1500,
      subscribers: 15,
      nodes: 2,
      fanOut: 10,
      errorPerSec: 0,
      risingFactor: null,
    });
    expect(hot?.shareOfBytesOut).toBeCloseTo(150_000 / 157_000);
    expect(hot?.recent).toHaveLength(10);
    expect(snapshot.totals).toEqual({
      publishPerSec: 191,
      deliveriesPerSec: 1570,
      bytesInPerSec: 19_100,
      bytesOutPerSec: 157_000,
    });
    // The unlisted traffic is "other"; rows + other = totals exactly.
    expect(snapshot.other).toEqual({
      publishPerSec: 10,
      deliveriesPerSec: 0,
      bytesInPerSec: 1_000,
      bytesOutPerSec: 0,
    });
    expect(snapshot).toMatchObject({ nodesReporting: 2, trackedChannels: 3, matchedChannels: 3, windowS: 1 });
    channels.dispose();
  });

  it('filters by substring or glob, sorts by any figure, and cuts to top', async () => {
    const channels = twoNodes();
    const names = async (query: Parameters<Channels['handlers']['getChannels']>[0]) =>
      (await channels.handlers.getChannels(query)).channels.map((row) => row.name);
    expect(await names({ filter: 'chat' })).toEqual(['chat:1', 'chat:2']);
    expect(await names({ filter: '*:1' })).toEqual(['chat:1', 'news:1']);
    expect(await names({ filter: 'Chat' })).toEqual([]);
    expect(await names({ sort: 'subscribers' })).toEqual(['news:1', 'chat:1', 'chat:2']);
    expect(await names({ sort: 'fanOut' })).toEqual(['news:1', 'chat:1', 'chat:2']);
    expect(await names({ top: 1, sort: 'publishPerSec' })).toEqual(['chat:1']);
    const filtered = await channels.handlers.getChannels({ filter: 'news:*' });
    expect(filtered.matchedChannels).toBe(1);
    // "other" is everything not listed, the other channels included.
    expect(filtered.other.publishPerSec).toBe(190);
    channels.dispose();
  });

  it('averages over a window from the history', async () => {
    const { channels, tick } = setup();
    const node = new FakeNode(0, 1000);
    channels.sample('n1', node.next([]));
    for (let second = 1; second <= 20; second++) {
      channels.sample('n1', node.next([entry('a', { published: second <= 10 ? 10 : 30 })], { published: 5 }));
      tick(second * 1000);
    }
    const latest = await channels.handlers.getChannels({});
    expect(latest.channels[0]?.publishPerSec).toBe(30);
    const window = await channels.handlers.getChannels({ windowS: 20 });
    expect(window.windowS).toBe(20);
    expect(window.channels[0]?.publishPerSec).toBe(20);
    expect(window.totals.publishPerSec).toBe(25);
    expect(window.other.publishPerSec).toBe(5);
    // A window longer than the console has watched covers what it has.
    expect((await channels.handlers.getChannels({ windowS: 900 })).windowS).toBe(20);
    channels.dispose();
  });

  it('holds a node whose sample is merely late, and drops one that stopped or was forgotten', async () => {
    const { channels, tick } = setup();
    const node = new FakeNode(0, 1000);
    channels.sample('n1', node.next([]));
    channels.sample('n1', node.next([entry('a', { published: 10 })]));
    tick(1000);
    tick(2000); // no new sample: the figures are held
    expect((await channels.handlers.getChannels({})).channels[0]?.publishPerSec).toBe(10);
    tick(5000); // three intervals without a sample: the node no longer reports
    expect((await channels.handlers.getChannels({})).nodesReporting).toBe(0);
    channels.sample('n1', node.next([entry('a', { published: 10 })]));
    tick(6000);
    expect((await channels.handlers.getChannels({})).nodesReporting).toBe(1);
    channels.forget('n1');
    tick(7000);
    const snapshot = await channels.handlers.getChannels({});
    expect(snapshot.nodesReporting).toBe(0);
    expect(snapshot.channels).toEqual([]);
    channels.dispose();
  });

  it('refuses malformed queries', async () => {
    const { channels } = setup();
    const { getChannels } = channels.handlers;
    const call = (...args: unknown[]) => (getChannels as (...args: unknown[]) => Promise<unknown>)(...args);
    await expect(call({ top: 0 })).rejects.toThrow(/top must be/);
    await expect(call({ sort: 'name' })).rejects.toThrow(/sort must be one of/);
    await expect(call({ windowS: 1.5 })).rejects.toThrow(/windowS/);
    await expect(call({ filter: 'x'.repeat(300) })).rejects.toThrow(/filter/);
    await expect(call({ sortBy: 'activity' })).rejects.toThrow(/has no "sortBy"/);
    await expect(call()).rejects.toThrow(/takes/);
    await expect(call({ top: null, filter: null })).resolves.toMatchObject({ channels: [] });
    channels.dispose();
  });
});

describe('getChannel', () => {
  it('gives the channel now, its history and where it is published and delivered', async () => {
    const channels = twoNodes();
    const detail = await channels.handlers.getChannel('chat:1');
    expect(detail.now?.publishPerSec).toBe(150);
    expect(detail.history.times).toHaveLength(10);
    expect(detail.history.series.deliveriesPerSec.at(-1)).toBe(1500);
    expect(detail.perNode).toEqual([
      { nodeId: 'n1', publishPerSec: 100, deliveriesPerSec: 1000, bytesOutPerSec: 100_000, subscribers: 10 },
      { nodeId: 'n2', publishPerSec: 50, deliveriesPerSec: 500, bytesOutPerSec: 50_000, subscribers: 5 },
    ]);
    const unknown = await channels.handlers.getChannel('nope');
    expect(unknown).toMatchObject({ now: null, perNode: [], history: { times: [] } });
    channels.dispose();
  });
});

describe('getBroker', () => {
  it('says when the fleet file names no broker', async () => {
    const { channels } = setup();
    await expect(channels.handlers.getBroker()).resolves.toMatchObject({
      configured: false,
      kind: null,
      reachable: false,
      problem: null,
      subscribers: [],
    });
    channels.dispose();
  });
});

describe('memory', () => {
  it('stays bounded with 1,000,000 distinct channels per node', () => {
    const { channels, tick } = setup();
    const nodes = ['n1', 'n2', 'n3'].map((id, index) => ({ id, node: new FakeNode(index * 100, 1000) }));
    for (const { id, node } of nodes) channels.sample(id, node.next([]));
    let distinct = 0;
    let maxMerged = 0;
    // 1,000,000 distinct names per node, 50 listed per sample (K = 50), 20,000 per second.
    for (let second = 1; second <= 50; second++) {
      for (const { id, node } of nodes) {
        const top = Array.from({ length: 50 }, (_, index) =>
          entry(`${id}:user:${distinct + index}`, { published: 50 - index }),
        );
        channels.sample(id, node.next(top, { published: 20_000 }));
      }
      distinct += 20_000;
      tick(second * 1000);
      maxMerged = Math.max(maxMerged, channels.stats().merged);
    }
    const stats = channels.stats();
    expect(distinct).toBe(1_000_000);
    expect(maxMerged).toBeLessThanOrEqual(150); // at most K per node
    expect(stats.historyChannels).toBe(200);
    expect(stats.pending).toBe(0);
    expect(stats.risingRecord).toBeLessThanOrEqual(8 * 1_000);
    channels.dispose();
  });
});
