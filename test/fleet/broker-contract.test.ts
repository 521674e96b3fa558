/**
 * The Broker contract, run against both adapters with real servers: a redis-server child
 * process and the embedded relay. Each suite stands for two nodes (brokers A and B) on one
 * broker. Adapter-specific behaviour (outages, restarts, bad input) is in broker-redis and
 * broker-relay.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, BrokerMessage } from '../../fleet/broker/broker.js';
import { BrokerDownError } from '../../fleet/broker/broker-message.js';
import { createRedisBroker } from '../../fleet/broker/redis-broker.js';
import { createRelayBroker, type RelayServer, startRelayServer } from '../../fleet/broker/relay.js';
import { redisServerForFile } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

/** What the contract needs from an adapter under test. */
interface BrokerFixture {
  /** A broker for node `nodeId` on the shared server. */
  create(nodeId: string, options?: { historyLength?: number; onError?: (error: unknown) => void }): Broker;
  /** How many brokers are subscribed to `channel` at the server now. */
  subscriberCount(channel: string): Promise<number>;
}

function describeBrokerContract(kind: string, setup: () => BrokerFixture): void {
  describe(`Broker contract: ${kind}`, () => {
    let fixture: BrokerFixture;
    const brokers: Broker[] = [];
    let channelIndex = 0;

    beforeAll(() => {
      fixture = setup();
    });
    afterEach(async () => {
      await Promise.all(brokers.splice(0).map((broker) => broker.close()));
    });

    /** A channel name no other test uses. */
    const channel = (name: string) => `${name}-${++channelIndex}`;

    async function node(
      nodeId: string,
      options?: { historyLength?: number; onError?: (error: unknown) => void },
    ): Promise<Broker> {
      const broker = fixture.create(nodeId, options);
      brokers.push(broker);
      await waitFor(() => broker.status === 'up', `${nodeId} to be up`);
      return broker;
    }

    function received(broker: Broker): BrokerMessage[] {
      const messages: BrokerMessage[] = [];
      broker.onMessage((message) => messages.push(message));
      return messages;
    }

    async function subscribed(name: string, count = 1): Promise<void> {
      await waitFor(
        async () => (await fixture.subscriberCount(name)) >= count,
        `${count} subscriber(s) on ${name}`,
      );
    }

    it('delivers what A publishes to subscribers on B, seq 1, 2, 3… per channel, in order', async () => {
      const [a, b] = [await node('node-a'), await node('node-b')];
      const messages = received(b);
      const [red, blue] = [channel('red'), channel('blue')];
      b.subscribe(red);
      b.subscribe(blue);
      await subscribed(red);
      await subscribed(blue);

      const before = Date.now();
      const seqs: number[] = [];
      for (let index = 1; index <= 20; index++) {
        seqs.push(await a.publish(red, { index }));
        if (index % 2 === 0) seqs.push(await a.publish(blue, `blue ${index}`));
      }
      await waitFor(() => messages.length === 30, '30 messages on B');

      const onRed = messages.filter((message) => message.channel === red);
      const onBlue = messages.filter((message) => message.channel === blue);
      expect(onRed.map((message) => message.seq)).toEqual(range(1, 20));
      expect(onRed.map((message) => message.data)).toEqual(range(1, 20).map((index) => ({ index })));
      expect(onBlue.map((message) => message.seq)).toEqual(range(1, 10));
      expect(onBlue[0]?.data).toBe('blue 2');
      expect(seqs.filter((_, index) => index % 3 !== 2)).toEqual(range(1, 20));
      for (const message of messages) {
        expect(message.origin).toBe('node-a');
        // The broker's clock (Redis TIME or the relay's), on this same machine.
        expect(message.publishedAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(message.publishedAt).toBeLessThanOrEqual(Date.now() + 1_000);
        expect(Object.keys(message).sort()).toEqual(['channel', 'data', 'origin', 'publishedAt', 'seq']);
      }
    });

    it('does not deliver channels B is not subscribed to, nor a channel after unsubscribe', async () => {
      const [a, b] = [await node('node-a'), await node('node-b')];
      const messages = received(b);
      const [wanted, other] = [channel('wanted'), channel('other')];
      b.subscribe(wanted);
      await subscribed(wanted);

      await a.publish(other, 'not for B');
      await a.publish(wanted, 'first');
      await waitFor(() => messages.length === 1, 'the first message');
      b.unsubscribe(wanted);
      await waitFor(async () => (await fixture.subscriberCount(wanted)) === 0, 'the unsubscribe');
      await a.publish(wanted, 'after unsubscribe');
      // A barrier: B subscribes to a third channel and sees its message, so anything on the
      // other two would have arrived by then.
      const barrier = channel('barrier');
      b.subscribe(barrier);
      await subscribed(barrier);
      await a.publish(barrier, 'barrier');
      await waitFor(() => messages.some((message) => message.channel === barrier), 'the barrier');
      expect(messages.map((message) => message.data)).toEqual(['first', 'barrier']);
    });

    it('history after N returns exactly the messages after N', async () => {
      const a = await node('node-a');
      const b = await node('node-b');
      const name = channel('history');
      for (let index = 1; index <= 10; index++) await a.publish(name, index);

      const missing = await b.history(name, 6);
      expect(missing.ok).toBe(true);
      if (!missing.ok) return;
      expect(missing.messages.map((message) => [message.seq, message.data])).toEqual([
        [7, 7],
        [8, 8],
        [9, 9],
        [10, 10],
      ]);
      expect(missing.messages.every((message) => message.channel === name)).toBe(true);
      expect(await b.history(name, 10)).toEqual({ ok: true, messages: [] });
      const all = await b.history(name, 0);
      expect(all.ok && all.messages.map((message) => message.seq)).toEqual(range(1, 10));
      expect(await b.history(channel('never-published'), 0)).toEqual({ ok: true, messages: [] });
    });

    it('with historyLength 10 and 50 publishes, history after 5 is insufficient and says so', async () => {
      const a = await node('node-a', { historyLength: 10 });
      const b = await node('node-b', { historyLength: 10 });
      const name = channel('short-history');
      for (let index = 1; index <= 50; index++) await a.publish(name, index);

      expect(await b.history(name, 5)).toEqual({
        ok: false,
        insufficient: true,
        oldestSeq: 41,
        latestSeq: 50,
      });
      const covered = await b.history(name, 40);
      expect(covered.ok && covered.messages.map((message) => message.seq)).toEqual(range(41, 50));
    });

    it('history after a seq the broker never reached is insufficient: the broker lost state', async () => {
      const a = await node('node-a');
      const name = channel('lost');
      for (let index = 1; index <= 3; index++) await a.publish(name, index);
      expect(await a.history(name, 100)).toEqual({
        ok: false,
        insufficient: true,
        oldestSeq: 1,
        latestSeq: 3,
      });
    });

    it('latestSeq is 0 for a channel never published, then the last seq', async () => {
      const a = await node('node-a');
      const name = channel('latest');
      expect(await a.latestSeq(name)).toBe(0);
      await a.publish(name, 'one');
      await a.publish(name, 'two');
      expect(await a.latestSeq(name)).toBe(2);
    });

    it('gives concurrent publishers unique seqs, and every subscriber sees one order', async () => {
      const [a, b] = [await node('node-a'), await node('node-b')];
      const [onA, onB] = [received(a), received(b)];
      const name = channel('busy');
      a.subscribe(name);
      b.subscribe(name);
      await subscribed(name, 2);

      const seqs = await Promise.all([
        ...range(1, 50).map((index) => a.publish(name, `a${index}`)),
        ...range(1, 50).map((index) => b.publish(name, `b${index}`)),
      ]);
      expect([...seqs].sort((x, y) => x - y)).toEqual(range(1, 100));
      await waitFor(() => onA.length === 100 && onB.length === 100, '100 messages on each node');
      expect(onA.map((message) => message.seq)).toEqual(range(1, 100));
      expect(onB.map((message) => [message.seq, message.data])).toEqual(
        onA.map((message) => [message.seq, message.data]),
      );
      // Each publisher's own messages keep its order.
      const fromA = onB.filter((message) => message.origin === 'node-a').map((message) => message.data);
      expect(fromA).toEqual(range(1, 50).map((index) => `a${index}`));
    });

    it('carries JSON data exactly, including large integers and unicode', async () => {
      const [a, b] = [await node('node-a'), await node('node-b')];
      const messages = received(b);
      const name = channel('data');
      b.subscribe(name);
      await subscribed(name);
      const data = {
        text: 'é 🚀 "quoted" \\ back',
        list: [1, 2.5, -0.125, 'x', null, true],
        nested: { max: Number.MAX_SAFE_INTEGER, tiny: 1e-300 },
      };
      await a.publish(name, data);
      await a.publish(name, undefined);
      await waitFor(() => messages.length === 2, 'two messages');
      expect(messages[0]?.data).toEqual(data);
      expect(messages[1]?.data).toBeNull();
    });

    it('a listener that throws does not stop the others', async () => {
      const errors: unknown[] = [];
      const [a, b] = [await node('node-a'), await node('node-b', { onError: (error) => errors.push(error) })];
      b.onMessage(() => {
        throw new Error('listener bug');
      });
      const messages = received(b);
      const name = channel('throwing');
      b.subscribe(name);
      await subscribed(name);
      await a.publish(name, 1);
      await a.publish(name, 2);
      await waitFor(() => messages.length === 2, 'both messages');
      expect(errors).toHaveLength(2);
    });

    it('rejects bad arguments with a TypeError', async () => {
      const a = await node('node-a');
      await expect(a.publish('', 1)).rejects.toThrow(TypeError);
      await expect(a.publish('x'.repeat(201), 1)).rejects.toThrow(TypeError);
      expect(() => a.subscribe('')).toThrow(TypeError);
      await expect(a.history('ok', -1)).rejects.toThrow(TypeError);
      await expect(a.history('ok', 1.5)).rejects.toThrow(TypeError);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(a.publish('ok', cyclic)).rejects.toThrow(TypeError);
    });

    it('close() is safe twice, reports down, and publish then rejects', async () => {
      const a = await node('node-a');
      const statuses: string[] = [];
      a.onStatus((status) => statuses.push(status));
      await Promise.all([a.close(), a.close()]);
      await a.close();
      expect(a.status).toBe('down');
      expect(statuses).toEqual(['down']);
      await expect(a.publish('after-close', 1)).rejects.toThrow(BrokerDownError);
    });
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

const redisServer = redisServerForFile();
let redisAdmin: Redis | undefined;
afterAll(async () => {
  await redisAdmin?.quit();
});
describeBrokerContract('redis', () => {
  const url = redisServer().url;
  const admin = new Redis(url);
  redisAdmin = admin;
  return {
    create: (nodeId, options) => createRedisBroker({ url, nodeId, ...options }),
    subscriberCount: async (channel) => {
      const [, count] = (await admin.pubsub('NUMSUB', `fd:ch:${channel}`)) as [string, number];
      return Number(count);
    },
  };
});

let relay: RelayServer | undefined;
beforeAll(async () => {
  relay = await startRelayServer();
});
afterAll(async () => {
  await relay?.close();
});
describeBrokerContract('relay', () => {
  const server = relay as RelayServer;
  return {
    create: (nodeId, options) => createRelayBroker({ url: server.url, nodeId, ...options }),
    subscriberCount: async (channel) => server.subscriberCount(channel),
  };
});
