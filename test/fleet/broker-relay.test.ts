/**
 * The embedded relay, beyond the shared contract: a relay restart (clients reconnect,
 * resubscribe and report the reset), bad frames on both sides, channel eviction.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Broker, BrokerMessage, BrokerStatus } from '../../fleet/broker/broker.js';
import { BrokerDownError } from '../../fleet/broker/broker-message.js';
import {
  createRelayBroker,
  type RelayBroker,
  type RelayBrokerOptions,
  type RelayServer,
  startRelayServer,
} from '../../fleet/broker/relay.js';
import type { DeliveryGap } from '../../fleet/broker/sequenced-delivery.js';
import { closeClients, openClients } from '../helpers/clients.js';
import { sleep, waitFor } from '../helpers/wait.js';

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

const owned: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  // Brokers first, then servers: the reverse of creation.
  for (const item of owned.splice(0).reverse()) await item.close();
  expect(escaped).toEqual([]);
});

async function relay(options: Parameters<typeof startRelayServer>[0] = {}): Promise<RelayServer> {
  const server = await startRelayServer(options);
  owned.push(server);
  return server;
}

function broker(options: RelayBrokerOptions): RelayBroker {
  const created = createRelayBroker(options);
  owned.push(created);
  return created;
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

/** A TCP proxy to a loopback port whose open connections the test can cut. */
async function tcpProxy(targetPort: number): Promise<{ url: string; cut(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.pipe(to);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  owned.push({
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, cut };
}

describe('relay broker', () => {
  it('survives a relay restart: down meanwhile, then reconnected, resubscribed, reset reported', async () => {
    const first = await relay();
    const port = Number(new URL(first.url).port);
    const gaps: DeliveryGap[] = [];
    const a = broker({ url: first.url, nodeId: 'node-a' });
    const b = broker({ url: first.url, nodeId: 'node-b', onGap: (gap) => gaps.push(gap) });
    const [seenA, seenB] = [statuses(a), statuses(b)];
    const messages = received(b);
    await waitFor(() => a.status === 'up' && b.status === 'up', 'both brokers up');
    b.subscribe('restart');
    await waitFor(() => first.subscriberCount('restart') === 1, 'the subscription');
    for (let index = 1; index <= 3; index++) await a.publish('restart', `before ${index}`);
    await waitFor(() => messages.length === 3, 'three messages');

    await first.close();
    await waitFor(() => a.status === 'down' && b.status === 'down', 'both brokers down', 1_000);
    const attemptAt = Date.now();
    await expect(a.publish('restart', 'lost')).rejects.toThrow(BrokerDownError);
    await expect(b.history('restart', 0)).rejects.toThrow(BrokerDownError);
    expect(Date.now() - attemptAt).toBeLessThan(100);
    b.subscribe('joined-while-down');
    await sleep(1_000);

    const second = await relay({ port });
    const restartedAt = Date.now();
    await waitFor(() => a.status === 'up' && b.status === 'up', 'both brokers up again', 5_000);
    const recoveryMs = Date.now() - restartedAt;
    expect(seenA).toEqual(['down', 'up', 'down', 'up']);
    expect(seenB).toEqual(['down', 'up', 'down', 'up']);
    expect(second.subscriberCount('restart')).toBe(1);
    expect(second.subscriberCount('joined-while-down')).toBe(1);

    expect(await a.publish('restart', 'after 1')).toBe(1);
    expect(await a.publish('joined-while-down', 'hello')).toBe(1);
    await waitFor(() => messages.length === 5, 'two messages after the restart');
    expect(messages.slice(3).map((message) => [message.channel, message.seq, message.data])).toEqual([
      ['restart', 1, 'after 1'],
      ['joined-while-down', 1, 'hello'],
    ]);
    expect(gaps).toEqual([
      expect.objectContaining({ reason: 'broker-reset', channel: 'restart', lastSeq: 3 }),
    ]);
    expect(b.stats()).toMatchObject({ resets: 1, reconnects: 1, badFrames: 0 });
    console.info(`relay restart: up ${recoveryMs} ms after the relay listened again`);
  });

  it('fills from history what a client missed while its connection was cut', async () => {
    const server = await relay();
    const proxy = await tcpProxy(Number(new URL(server.url).port));
    const a = broker({ url: server.url, nodeId: 'node-a' });
    await waitFor(() => a.status === 'up', 'A up');
    for (let index = 1; index <= 3; index++) await a.publish('resume', index);

    // B reaches the relay through a proxy, so the test can cut its connection alone.
    const b = broker({ url: proxy.url, nodeId: 'node-b' });
    const messages = received(b);
    b.subscribe('resume');
    await waitFor(() => b.status === 'up' && server.subscriberCount('resume') === 1, 'B subscribed');
    await a.publish('resume', 4);
    await waitFor(() => messages.length === 1, 'the baseline message');
    proxy.cut();
    await waitFor(() => b.status === 'down', 'B down');
    for (let index = 5; index <= 9; index++) await a.publish('resume', index);
    await waitFor(() => messages.length === 6, 'the missed messages');
    expect(messages.map((message) => message.seq)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(b.stats()).toMatchObject({ recovered: 5, duplicates: 0, lost: 0, reconnects: 1 });
  });

  it('ignores and counts bad frames, answers a bad request that has an id, and keeps serving', async () => {
    const server = await relay();
    const [raw] = await openClients(server.url, 1);
    if (!raw) throw new Error('no client');
    const answers: unknown[] = [];
    raw.on('message', (data) => answers.push(JSON.parse(data.toString())));
    raw.send('not json');
    raw.send('{"op":"nope"}');
    raw.send('[1,2]');
    raw.send(JSON.stringify({ op: 'sub', channel: '' }));
    raw.send(JSON.stringify({ op: 'pub', id: 7, channel: 'x' })); // no origin
    raw.send(Buffer.from('{"op":"sync","id":8}'), { binary: true });
    raw.send(JSON.stringify({ op: 'sync', id: 9 }));
    await waitFor(() => answers.length === 2, 'two answers');
    expect(answers).toEqual([
      { op: 'error', id: 7, message: 'invalid request' },
      { op: 'synced', id: 9 },
    ]);
    expect(server.stats().badFrames).toBe(6);
    await closeClients([raw]);

    const a = broker({ url: server.url, nodeId: 'node-a' });
    await waitFor(() => a.status === 'up', 'a broker up');
    expect(await a.publish('still-serving', 1)).toBe(1);
  });

  it('ignores and counts bad frames from the relay', async () => {
    // A fake relay: it answers 'sync' (so the broker goes up), then sends junk.
    const fake = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    owned.push({ close: () => new Promise<void>((resolve) => fake.close(() => resolve())) });
    await new Promise((resolve) => fake.once('listening', resolve));
    fake.on('connection', (socket) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { op: string; id?: number };
        if (frame.op !== 'sync') return;
        socket.send(JSON.stringify({ op: 'synced', id: frame.id }));
        socket.send('junk');
        socket.send(
          JSON.stringify({ op: 'msg', channel: 'c', seq: -1, epoch: 'e', publishedAt: 1, origin: 'x' }),
        );
        socket.send(JSON.stringify({ op: 'ack', id: 999, seq: 1 })); // answers nothing we asked
        socket.send(
          JSON.stringify({
            op: 'msg',
            channel: 'c',
            seq: 1,
            epoch: 'e',
            publishedAt: 1,
            origin: 'x',
            data: 'ok',
          }),
        );
      });
    });
    const { port } = fake.address() as AddressInfo;
    const b = broker({ url: `ws://127.0.0.1:${port}`, nodeId: 'node-b' });
    const messages = received(b);
    b.subscribe('c');
    await waitFor(() => messages.length === 1, 'the valid message');
    expect(messages[0]).toMatchObject({ channel: 'c', seq: 1, data: 'ok' });
    expect(b.stats().badFrames).toBe(3);
    for (const client of fake.clients) client.terminate();
  });

  it('forgets the least recently published channel past maxChannels', async () => {
    const server = await relay({ maxChannels: 2 });
    const a = broker({ url: server.url, nodeId: 'node-a' });
    await waitFor(() => a.status === 'up', 'A up');
    await a.publish('first', 1);
    await a.publish('second', 1);
    await a.publish('first', 2); // 'first' is now the most recent
    await a.publish('third', 1); // evicts 'second'
    expect(server.stats().channels).toBe(2);
    expect(await a.latestSeq('first')).toBe(2);
    expect(await a.latestSeq('second')).toBe(0);
    expect(await a.latestSeq('third')).toBe(1);
    expect(await a.history('second', 1)).toEqual({
      ok: false,
      insufficient: true,
      oldestSeq: null,
      latestSeq: 0,
    });
  });

  it('validates its options with a TypeError', async () => {
    expect(() => createRelayBroker({ url: 'redis://127.0.0.1:1', nodeId: 'n' })).toThrow(TypeError);
    expect(() => createRelayBroker({ url: 'ws://127.0.0.1:1', nodeId: '' })).toThrow(TypeError);
    await expect(startRelayServer({ historyLength: 0 })).rejects.toThrow(TypeError);
    await expect(startRelayServer({ maxChannels: 1.5 })).rejects.toThrow(TypeError);
  });
});
