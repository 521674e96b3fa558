/**
 * The broker view: INFO and NUMSUB parsing, the cross-check sentences, a real Redis with real
 * subscriptions, a broker that is down (a real closed port), and credentials never shown.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  brokerInfo,
  createBrokerProbe,
  parseNumsub,
  parseRedisInfo,
  subscriberMismatch,
} from '../../../../main/core/channels/broker.js';
import { parseBrokerConfig, redactedAddress, scrub } from '../../../../main/core/channels/broker-config.js';
import { createChannels } from '../../../../main/core/channels/index.js';
import { parseFleetFile } from '../../../../main/core/fleet-file.js';
import { FleetStore } from '../../../../main/core/fleet-store.js';
import { freePort } from '../../../helpers/processes.js';
import { redisServerForFile } from '../../../helpers/redis.js';
import { entry, FakeNode } from './channel-frames.js';

const redis = redisServerForFile();
const clients: Redis[] = [];
afterAll(() => {
  for (const client of clients) client.disconnect();
});

const fail = (message: string): never => {
  throw new Error(message);
};

describe('INFO and NUMSUB', () => {
  it('reads the figures the view shows from INFO text', () => {
    const text = [
      '# Server',
      'redis_version:7.0.15',
      'redis_mode:standalone',
      '',
      '# Clients',
      'connected_clients:12',
      '# Memory',
      'used_memory:1048576',
      'used_memory_human:1.00M',
      '# Stats',
      'instantaneous_ops_per_sec:340',
      'pubsub_channels:57',
      'pubsub_patterns:0',
      'weird line without colon',
    ].join('\r\n');
    const fields = parseRedisInfo(text);
    expect(fields.get('used_memory_human')).toBe('1.00M');
    expect(brokerInfo(fields)).toEqual({
      version: '7.0.15',
      connectedClients: 12,
      usedMemoryBytes: 1_048_576,
      opsPerSec: 340,
      pubsubChannels: 57,
      pubsubPatterns: 0,
    });
    expect(brokerInfo(new Map([['connected_clients', 'many']]))).toMatchObject({
      version: null,
      connectedClients: null,
    });
  });

  it('reads NUMSUB replies, and nothing from a malformed one', () => {
    expect(parseNumsub(['fd:ch:a', 2, 'fd:ch:b', '0'])).toEqual(
      new Map([
        ['fd:ch:a', 2],
        ['fd:ch:b', 0],
      ]),
    );
    expect(parseNumsub('OK').size).toBe(0);
  });

  it('says which way the broker and the agents disagree, and only when it can tell', () => {
    const agents = (nodesSubscribed: number, nodesListing = 3) => ({
      nodesSubscribed,
      agentSubscribers: 9,
      nodesListing,
    });
    expect(subscriberMismatch('fd:ch:a', 3, agents(3), 3)).toBeNull();
    expect(subscriberMismatch('fd:ch:a', 1, agents(3), 3)).toBe(
      '3 nodes report local subscribers but Redis counts 1 subscription to fd:ch:a: 2 nodes may not receive what the others publish.',
    );
    expect(subscriberMismatch('fd:ch:a', 2, agents(1), 3)).toMatch(
      /^Redis counts 2 subscriptions to fd:ch:a but only 1 node reports/,
    );
    // A node that did not list the channel may have subscribers: no claim then.
    expect(subscriberMismatch('fd:ch:a', 2, agents(1, 2), 3)).toBeNull();
  });
});

describe('the broker block and credentials', () => {
  it('validates the block and keeps the password out of the address', () => {
    const config = parseBrokerConfig(
      { kind: 'redis', url: 'redis://admin:s3cret-pass@10.0.0.9:6379/0' },
      fail,
    );
    expect(config).toMatchObject({ kind: 'redis', address: 'redis://10.0.0.9:6379/0', prefix: 'fd:' });
    expect(parseBrokerConfig(undefined, fail)).toBeNull();
    expect(() => parseBrokerConfig({ kind: 'redis', url: 'http://x' }, fail)).toThrow(/redis:\/\//);
    expect(() => parseBrokerConfig({ kind: 'relay', url: 'redis://x:1' }, fail)).toThrow(/ws:\/\//);
    expect(() => parseBrokerConfig({ kind: 'kafka', url: 'x' }, fail)).toThrow(/"redis" or "relay"/);
    expect(() => parseBrokerConfig({ kind: 'redis', url: 'redis://h:1', password: 'x' }, fail)).toThrow(
      /broker.password is not a setting/,
    );
    // An invalid URL is refused without echoing it.
    expect(() => parseBrokerConfig({ kind: 'redis', url: 'redis://u:hunter22@[bad' }, fail)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter22') }),
    );
    expect(redactedAddress('rediss://:pw@[::1]:6380')).toBe('rediss://[::1]:6380');
    expect(
      scrub('AUTH failed for s3cret-pass at redis://admin:s3cret-pass@h:1', 'redis://admin:s3cret-pass@h:1'),
    ).toBe('AUTH failed for *** at redis://h:1');
  });

  it('is read from the fleet file as the launcher writes it', () => {
    const fleet = parseFleetFile(
      {
        name: 'f',
        tokens: { operate: 'operate-token-0123456789' },
        nodes: [],
        broker: { kind: 'relay', url: 'ws://127.0.0.1:7000' },
      },
      'fleet.json',
    );
    expect(fleet.broker).toMatchObject({ kind: 'relay', address: 'ws://127.0.0.1:7000' });
    expect(parseFleetFile({ name: 'f', nodes: [] }, 'fleet.json').broker).toBeNull();
    expect(() => parseFleetFile({ name: 'f', nodes: [], broker: 'redis' }, 'fleet.json')).toThrow(
      /fleet.json: "broker" must be an object/,
    );
  });
});

describe('a broker that is down', () => {
  it('is unreachable with a readable problem, within the timeout, without the password', async () => {
    const port = await freePort(); // nothing listens there
    const url = `redis://admin:s3cret-pass@127.0.0.1:${port}`;
    const probe = createBrokerProbe(parseBrokerConfig({ kind: 'redis', url }, fail));
    const input = {
      channels: ['a'],
      agents: () => ({ nodesSubscribed: 1, agentSubscribers: 1, nodesListing: 1 }),
      nodesReporting: 1,
    };
    const started = Date.now();
    const view = await probe.view(input);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(view).toMatchObject({
      configured: true,
      kind: 'redis',
      reachable: false,
      info: null,
      subscribers: [],
    });
    expect(view.address).toBe(`redis://127.0.0.1:${port}`);
    expect(view.problem).toMatch(
      new RegExp(`Redis at redis://127.0.0.1:${port} is not reachable: .*ECONNREFUSED`),
    );
    expect(JSON.stringify(view)).not.toContain('s3cret-pass');
    // It asks again on the next request (and fails again, as fast).
    const again = await probe.view(input);
    expect(again.reachable).toBe(false);
    await probe.dispose();
    await probe.dispose();
  });

  it('is unreachable for the relay too', async () => {
    const port = await freePort();
    const probe = createBrokerProbe(
      parseBrokerConfig({ kind: 'relay', url: `ws://127.0.0.1:${port}` }, fail),
    );
    const view = await probe.view({
      channels: [],
      agents: () => ({ nodesSubscribed: 0, agentSubscribers: 0, nodesListing: 0 }),
      nodesReporting: 0,
    });
    expect(view).toMatchObject({ kind: 'relay', reachable: false });
    expect(view.problem).toMatch(/ECONNREFUSED/);
  });
});

describe('a real Redis', () => {
  it('reads INFO and NUMSUB for the hottest channels and flags the node whose subscription is missing', async () => {
    // One Redis subscription to room:1 and one to room:2, as one node with local subscribers of each would hold.
    const subscriber = new Redis(redis().url, { disableClientInfo: true });
    clients.push(subscriber);
    await subscriber.subscribe('fd:ch:room:1', 'fd:ch:room:2');

    let now = 0;
    const channels = createChannels(
      {
        name: 'f',
        nodes: [],
        broker: parseBrokerConfig({ kind: 'redis', url: redis().url }, fail),
      },
      new FleetStore('f', []),
      { now: () => now },
    );
    const n1 = new FakeNode(0, 1000);
    const n2 = new FakeNode(0, 1000);
    channels.sample('n1', n1.next([]));
    channels.sample('n2', n2.next([]));
    for (let second = 1; second <= 3; second++) {
      // Both nodes report local subscribers of room:1; only n1 of room:2.
      channels.sample(
        'n1',
        n1.next([
          entry('room:1', { delivered: 40, subscribers: 4 }),
          entry('room:2', { delivered: 9, subscribers: 3 }),
        ]),
      );
      channels.sample(
        'n2',
        n2.next([entry('room:1', { delivered: 20, subscribers: 2 }), entry('room:2', { published: 1 })]),
      );
      now = second * 1000;
      channels.tick(now);
    }
    const view = await channels.handlers.getBroker();
    expect(view).toMatchObject({ configured: true, kind: 'redis', reachable: true, problem: null });
    expect(view.mapping).toContain('"fd:ch:{name}"');
    expect(view.info?.version).toMatch(/^\d+\.\d+/);
    expect(view.info?.pubsubChannels).toBeGreaterThanOrEqual(2);
    expect(view.info?.connectedClients).toBeGreaterThanOrEqual(2);
    expect(view.subscribers).toEqual([
      {
        channel: 'room:1',
        redis: 1,
        nodesSubscribed: 2,
        agentSubscribers: 6,
        mismatch:
          '2 nodes report local subscribers but Redis counts 1 subscription to fd:ch:room:1: 1 node may not receive what the others publish.',
      },
      { channel: 'room:2', redis: 1, nodesSubscribed: 1, agentSubscribers: 3, mismatch: null },
    ]);
    channels.dispose();
  });
});
