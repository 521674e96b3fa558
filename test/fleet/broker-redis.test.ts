/**
 * The Redis adapter against a real redis-server child: what the contract cannot say. An
 * outage (stop, then restart on the same port), a subscription dropped while Redis stays up,
 * malformed payloads, key prefixes, and the redis-server process itself.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, BrokerMessage, BrokerStatus } from '../../fleet/broker/broker.js';
import { BrokerDownError } from '../../fleet/broker/broker-message.js';
import {
  createRedisBroker,
  type RedisBroker,
  type RedisBrokerOptions,
} from '../../fleet/broker/redis-broker.js';
import {
  REDIS_SERVER_MISSING,
  type RedisProcess,
  startRedisServer,
} from '../../fleet/broker/redis-process.js';
import type { DeliveryGap } from '../../fleet/broker/sequenced-delivery.js';
import { isAlive, redisServerForFile, startTestRedis } from '../helpers/redis.js';
import { sleep, waitFor } from '../helpers/wait.js';

// Anything escaping the adapters during a test lands here, and each test checks it is empty.
const escaped: unknown[] = [];
const onEscape = (error: unknown) => escaped.push(error);
beforeAll(() => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
});
afterAll(() => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

const owned: Array<{ close(): Promise<unknown> } | { quit(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(owned.splice(0).map((item) => ('close' in item ? item.close() : item.quit())));
  expect(escaped).toEqual([]);
});

function broker(options: RedisBrokerOptions): RedisBroker {
  const created = createRedisBroker(options);
  owned.push(created);
  return created;
}

function admin(url: string): Redis {
  // Retries forever, like the brokers, so it survives the outage test's restart.
  const client = new Redis(url, { retryStrategy: () => 50 });
  client.on('error', () => {});
  owned.push(client);
  return client;
}

function received(target: Broker): BrokerMessage[] {
  const messages: BrokerMessage[] = [];
  target.onMessage((message) => messages.push(message));
  return messages;
}

function statuses(target: Broker): BrokerStatus[] {
  const seen: BrokerStatus[] = [target.status];
  target.onStatus((status) => seen.push(status));
  return seen;
}

async function subscribers(client: Redis, channel: string): Promise<number> {
  const [, count] = (await client.pubsub('NUMSUB', `fd:ch:${channel}`)) as [string, number];
  return Number(count);
}

describe('redis broker: outage', () => {
  let server: RedisProcess | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  it('goes down with Redis, fails fast meanwhile, and is back within 5 s of the restart', async () => {
    server = await startTestRedis();
    const gaps: DeliveryGap[] = [];
    const a = broker({ url: server.url, nodeId: 'node-a' });
    const b = broker({ url: server.url, nodeId: 'node-b', onGap: (gap) => gaps.push(gap) });
    const [seenA, seenB] = [statuses(a), statuses(b)];
    const messages = received(b);
    const raw = admin(server.url);
    await waitFor(() => a.status === 'up' && b.status === 'up', 'both brokers up');
    b.subscribe('outage');
    await waitFor(async () => (await subscribers(raw, 'outage')) === 1, 'the subscription');
    for (let index = 1; index <= 3; index++) await a.publish('outage', `before ${index}`);
    await waitFor(() => messages.length === 3, 'three messages before the outage');

    const stoppedAt = Date.now();
    await server.stop();
    await waitFor(() => a.status === 'down' && b.status === 'down', 'both brokers down', 1_000);
    const detectedMs = Date.now() - stoppedAt;

    // Fails fast: no offline queue, no waiting for the reconnect.
    const attemptAt = Date.now();
    await expect(a.publish('outage', 'lost')).rejects.toThrow(BrokerDownError);
    await expect(b.history('outage', 0)).rejects.toThrow(BrokerDownError);
    await expect(b.latestSeq('outage')).rejects.toThrow(BrokerDownError);
    expect(Date.now() - attemptAt).toBeLessThan(100);
    // The node keeps working meanwhile: subscribing during the outage is remembered.
    b.subscribe('joined-during-outage');
    await sleep(2_000 - (Date.now() - stoppedAt));

    await server.restart();
    const restartedAt = Date.now();
    await waitFor(() => a.status === 'up' && b.status === 'up', 'both brokers up again', 5_000);
    const recoveryMs = Date.now() - restartedAt;
    expect(recoveryMs).toBeLessThan(5_000);
    expect(seenA).toEqual(['down', 'up', 'down', 'up']);
    expect(seenB).toEqual(['down', 'up', 'down', 'up']);

    // 'up' means resubscribed: both channels, at once.
    expect(await subscribers(raw, 'outage')).toBe(1);
    expect(await subscribers(raw, 'joined-during-outage')).toBe(1);

    // The restarted Redis has no keys: seq starts again at 1, under a new epoch. B reports
    // the reset and delivers the new epoch instead of dropping 1 and 2 as duplicates of the
    // old ones.
    expect(await a.publish('outage', 'after 1')).toBe(1);
    expect(await a.publish('outage', 'after 2')).toBe(2);
    expect(await a.publish('joined-during-outage', 'hello')).toBe(1);
    await waitFor(() => messages.length === 6, 'three messages after the outage');
    expect(messages.map((message) => [message.channel, message.seq, message.data])).toEqual([
      ['outage', 1, 'before 1'],
      ['outage', 2, 'before 2'],
      ['outage', 3, 'before 3'],
      ['outage', 1, 'after 1'],
      ['outage', 2, 'after 2'],
      ['joined-during-outage', 1, 'hello'],
    ]);
    expect(gaps).toEqual([
      expect.objectContaining({ reason: 'broker-reset', channel: 'outage', lastSeq: 3 }),
    ]);
    expect(b.stats()).toMatchObject({ resets: 1, lost: 0, duplicates: 0, malformed: 0 });
    // A client that saw seq 3 of the lost epoch asks for more: the answer says it lost messages.
    expect(await b.history('outage', 3)).toEqual({
      ok: false,
      insufficient: true,
      oldestSeq: 1,
      latestSeq: 2,
    });
    console.info(`redis outage: down detected in ${detectedMs} ms, up ${recoveryMs} ms after the restart`);
  });
});

describe('redis broker: with Redis up', () => {
  const redis = redisServerForFile();

  it('fills a gap from history when only the subscription dropped', async () => {
    const gaps: DeliveryGap[] = [];
    const a = broker({ url: redis().url, nodeId: 'node-a' });
    const b = broker({ url: redis().url, nodeId: 'node-b', onGap: (gap) => gaps.push(gap) });
    const messages = received(b);
    const raw = admin(redis().url);
    await waitFor(() => a.status === 'up' && b.status === 'up', 'both brokers up');
    b.subscribe('gap');
    await waitFor(async () => (await subscribers(raw, 'gap')) === 1, 'the subscription');
    for (let index = 1; index <= 5; index++) await a.publish('gap', index);
    await waitFor(() => messages.length === 5, 'five messages');

    // Only B's subscriber is in pub/sub mode (A subscribes to nothing): Redis stays up, A
    // keeps publishing while B's subscription is away.
    await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    for (let index = 6; index <= 15; index++) await a.publish('gap', index);
    await waitFor(() => messages.length === 15, 'the ten missed messages, from history');
    for (let index = 16; index <= 20; index++) await a.publish('gap', index);
    await waitFor(() => messages.length === 20, 'twenty messages');

    expect(messages.map((message) => message.seq)).toEqual(range(1, 20));
    expect(messages.map((message) => message.data)).toEqual(range(1, 20));
    expect(b.stats()).toMatchObject({ recovered: 10, duplicates: 0, lost: 0 });
    expect(gaps).toEqual([]);
  });

  it('drops and counts a malformed pub/sub payload, and keeps delivering', async () => {
    const a = broker({ url: redis().url, nodeId: 'node-a' });
    const b = broker({ url: redis().url, nodeId: 'node-b' });
    const messages = received(b);
    const raw = admin(redis().url);
    await waitFor(() => a.status === 'up' && b.status === 'up', 'both brokers up');
    b.subscribe('malformed');
    await waitFor(async () => (await subscribers(raw, 'malformed')) === 1, 'the subscription');

    await raw.publish('fd:ch:malformed', 'not json');
    await raw.publish('fd:ch:malformed', '{"seq":"one","epoch":"e","publishedAt":1,"origin":"x"}');
    await raw.publish('fd:ch:malformed', '[1,2,3]');
    await a.publish('malformed', 'valid');
    await waitFor(() => messages.length === 1, 'the valid message');
    expect(messages[0]).toMatchObject({ seq: 1, data: 'valid' });
    expect(b.stats().malformed).toBe(3);
  });

  it('keeps its keys under the prefix, and another prefix is another fleet', async () => {
    const a = broker({ url: redis().url, nodeId: 'node-a' });
    const other = broker({ url: redis().url, nodeId: 'node-x', prefix: 'other-fleet:' });
    const messages = received(other);
    const raw = admin(redis().url);
    await waitFor(() => a.status === 'up' && other.status === 'up', 'both brokers up');
    other.subscribe('shared-name');
    await waitFor(
      async () =>
        Number(((await raw.pubsub('NUMSUB', 'other-fleet:ch:shared-name')) as [string, number])[1]) === 1,
      'the subscription',
    );
    await a.publish('shared-name', 'for fd: only');
    expect(await raw.keys('*shared-name')).toEqual(
      expect.arrayContaining(['fd:seq:shared-name', 'fd:hist:shared-name']),
    );
    expect(await raw.hgetall('fd:seq:shared-name')).toMatchObject({ seq: '1' });
    expect(await raw.xlen('fd:hist:shared-name')).toBe(1);
    expect(await other.latestSeq('shared-name')).toBe(0);
    await other.publish('shared-name', 'for other-fleet:');
    await waitFor(() => messages.length === 1, 'the other fleet message');
    expect(messages[0]).toMatchObject({ seq: 1, origin: 'node-x', data: 'for other-fleet:' });
  });

  it('stores the payload in history as it was published', async () => {
    const a = broker({ url: redis().url, nodeId: 'node-a' });
    const raw = admin(redis().url);
    await waitFor(() => a.status === 'up', 'the broker up');
    await a.publish('stored', { n: 1 });
    const [[id, fields]] = (await raw.xrange('fd:hist:stored', '-', '+')) as [[string, string[]]];
    expect(id).toBe('1-0');
    expect(fields[0]).toBe('m');
    expect(JSON.parse(fields[1] as string)).toEqual({
      origin: 'node-a',
      data: { n: 1 },
      seq: 1,
      publishedAt: expect.any(Number),
      epoch: expect.any(String),
    });
  });

  it('validates its options with a TypeError', () => {
    expect(() => createRedisBroker({ url: 'http://127.0.0.1', nodeId: 'n' })).toThrow(TypeError);
    expect(() => createRedisBroker({ url: redis().url, nodeId: '' })).toThrow(TypeError);
    expect(() => createRedisBroker({ url: redis().url, nodeId: 'n', historyLength: 0 })).toThrow(TypeError);
  });
});

describe('redis-server child process', () => {
  it('fails with the install hint when redis-server is missing', async () => {
    await expect(startRedisServer({ binary: 'redis-server-not-installed' })).rejects.toThrow(
      REDIS_SERVER_MISSING,
    );
  });

  it('stops safely twice and restarts empty on the same port', async () => {
    const server = await startTestRedis();
    try {
      const raw = admin(server.url);
      await raw.set('k', 'v');
      const firstPid = server.pid as number;
      await server.restart();
      expect(server.pid).not.toBe(firstPid);
      expect(isAlive(firstPid)).toBe(false);
      await waitFor(async () => (await raw.dbsize().catch(() => -1)) === 0, 'the restarted, empty server');
      const secondPid = server.pid as number;
      await Promise.all([server.stop(), server.stop()]);
      await server.stop();
      expect(server.pid).toBeNull();
      expect(isAlive(secondPid)).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('refuses a port another server holds', async () => {
    const server = await startTestRedis();
    try {
      await expect(startRedisServer({ port: server.port })).rejects.toThrow(/failed to start/);
    } finally {
      await server.stop();
    }
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}
