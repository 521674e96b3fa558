/** The reference node on its own: both transports on one channel, resume, gaps, drain notices. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../fleet/broker/broker.js';
import { createMemoryBroker } from '../../fleet/broker/memory-broker.js';
import { type NodeServer, startNodeServer } from '../../fleet/node-server.js';
import { publishOverHttp, sseFleetClient, wsFleetClient } from '../helpers/fleet-clients.js';
import { TEST_TOKENS } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function node(historyLength = 1_000): Promise<NodeServer> {
  const started = await startNodeServer({
    nodeId: 'node-1',
    token: TEST_TOKENS.operate,
    adminPort: 0,
    broker: createMemoryBroker({ nodeId: 'node-1', historyLength }),
  });
  disposers.push(() => started.close());
  return started;
}

describe('reference node', () => {
  it('serves the same channel to WebSocket and SSE clients, publishing from either', async () => {
    const { url, httpUrl, agent } = await node();
    const ws = wsFleetClient(url);
    disposers.push(() => ws.socket.terminate());
    await ws.opened;
    ws.send({ op: 'sub', channel: 'room:1' });
    const sse = sseFleetClient(httpUrl, ['room:1']);
    disposers.push(() => sse.destroy());
    await waitFor(
      () => ws.received.some((m) => m.op === 'subscribed') && sse.received.some((m) => m.op === 'subscribed'),
      'both subscribed',
    );
    expect(sse.received[0]).toEqual({ op: 'welcome', node: 'node-1', transport: 'sse' });

    ws.send({ op: 'pub', channel: 'room:1', data: 'from ws', id: 'p1' });
    expect(await publishOverHttp(httpUrl, 'room:1', 'from sse')).toEqual({ status: 200, body: { seq: 2 } });
    await waitFor(
      () => ws.messages('room:1').length === 2 && sse.messages('room:1').length === 2,
      'both messages on both',
    );
    expect(ws.messages('room:1').map((m) => [m.seq, m.data])).toEqual([
      [1, 'from ws'],
      [2, 'from sse'],
    ]);
    expect(sse.messages('room:1')).toEqual(ws.messages('room:1'));
    expect(ws.received).toContainEqual({ op: 'ack', id: 'p1', seq: 1 });

    const sample = agent.sample();
    expect(sample.connections.byTransport).toMatchObject({ websocket: { open: 1 }, sse: { open: 1 } });
    expect(sample.channels.totals).toMatchObject({ published: 2, delivered: 4 });
    expect(sample.dependencies.broker).toMatchObject({ up: true });
    expect(await publishOverHttp(httpUrl, '', 'x')).toMatchObject({ status: 400 });
  });

  it('resumes from a seq with exactly the missed messages, in order, on either transport', async () => {
    const { url, httpUrl } = await node();
    for (let index = 1; index <= 10; index++) await publishOverHttp(httpUrl, 'news', index);
    const ws = wsFleetClient(url);
    disposers.push(() => ws.socket.terminate());
    await ws.opened;
    ws.send({ op: 'sub', channel: 'news', since: 6 });
    const sse = sseFleetClient(httpUrl, ['news'], { news: 3 });
    disposers.push(() => sse.destroy());
    await waitFor(
      () => ws.received.some((m) => m.op === 'subscribed') && sse.received.some((m) => m.op === 'subscribed'),
      'caught up',
    );
    await publishOverHttp(httpUrl, 'news', 11);
    await waitFor(
      () => ws.messages('news').length === 5 && sse.messages('news').length === 8,
      'the live message',
    );
    expect(ws.messages('news').map((m) => m.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(sse.messages('news').map((m) => m.data)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('says so explicitly when the history no longer covers the gap', async () => {
    const { url, httpUrl } = await node(5);
    for (let index = 1; index <= 20; index++) await publishOverHttp(httpUrl, 'busy', index);
    const ws = wsFleetClient(url);
    disposers.push(() => ws.socket.terminate());
    await ws.opened;
    ws.send({ op: 'sub', channel: 'busy', since: 2 });
    await waitFor(() => ws.received.some((m) => m.op === 'subscribed'), 'subscribed');
    expect(ws.received).toContainEqual({ op: 'gap', channel: 'busy', after: 2, resumeFrom: 16 });
    expect(ws.messages('busy').map((m) => m.seq)).toEqual([16, 17, 18, 19, 20]);
  });

  it('tells clients of both transports it is moving them before a drain closes them', async () => {
    const { url, httpUrl, agent } = await node();
    const ws = wsFleetClient(url);
    await ws.opened;
    const sse = sseFleetClient(httpUrl, ['x']);
    await waitFor(() => sse.received.length > 0, 'the SSE welcome');
    agent.drain({ deadlineMs: 200 });
    expect(await ws.closed).toBe(1012);
    await sse.ended;
    const moving = { op: 'moving', code: 1012, reason: 'node draining' };
    expect(ws.received).toContainEqual(moving);
    expect(sse.received).toContainEqual(moving);
    await waitFor(() => agent.state === 'drained', 'drained');
    // New SSE streams are refused while drained, like WebSocket upgrades.
    const late = sseFleetClient(httpUrl, ['x']);
    await late.ended;
    expect(late.status()).toBe(503);
  });
});

describe('hub repairs', () => {
  it('fills a hole from history when live messages arrive past the next expected seq', async () => {
    // A broker that skips delivering seq 2 live (as if published while the subscription was being set up).
    const broker = createMemoryBroker({ nodeId: 'node-1' });
    const lossy: Broker = {
      ...broker,
      onMessage: (listener) =>
        broker.onMessage((message) => {
          if (message.seq !== 2) listener(message);
        }),
    };
    const started = await startNodeServer({
      nodeId: 'node-1',
      token: TEST_TOKENS.operate,
      adminPort: 0,
      broker: lossy,
    });
    disposers.push(() => started.close());
    const ws = wsFleetClient(started.url);
    disposers.push(() => ws.socket.terminate());
    await ws.opened;
    ws.send({ op: 'sub', channel: 'c' });
    await waitFor(() => ws.received.some((m) => m.op === 'subscribed'), 'subscribed');
    for (let index = 1; index <= 4; index++) await publishOverHttp(started.httpUrl, 'c', index);
    await waitFor(() => ws.messages('c').length === 4, 'all four messages');
    expect(ws.messages('c').map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });
});
