/**
 * Pub/sub across a fleet: three reference nodes sharing a real redis-server. A message
 * published on any node reaches subscribers on every node; an SSE client on one node and a
 * WebSocket client on another see one channel's messages with the same seqs in the same
 * order, even with three nodes publishing at once; POST /publish is a way in like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBroker, type RedisBroker } from '../../fleet/broker/redis-broker.js';
import type { ServerMessage } from '../../fleet/node/client-protocol.js';
import { type NodeServer, startNodeServer } from '../../fleet/node-server.js';
import { publishOverHttp, sseFleetClient, wsFleetClient } from '../helpers/fleet-clients.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { TEST_TOKENS } from '../helpers/processes.js';
import { redisServerForFile } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const redis = redisServerForFile();
const owner = new FleetOwner();
const nodes: NodeServer[] = [];
const brokers: RedisBroker[] = [];

type Message = Extract<ServerMessage, { op: 'msg' }>;

beforeAll(async () => {
  for (const nodeId of ['node-1', 'node-2', 'node-3']) {
    // One broker (two Redis connections) per node, as separate processes would have.
    const broker = createRedisBroker({ url: redis().url, nodeId });
    brokers.push(broker);
    const node = await startNodeServer({ nodeId, token: TEST_TOKENS.operate, adminPort: 0, broker });
    owner.own(node, (started) => started.close(), nodeId);
    nodes.push(node);
  }
  // Publishing rejects until the broker is up; subscribing earlier would also work, but the
  // tests below want every node's subscriber connection ready before the first publish.
  await waitFor(() => brokers.every((broker) => broker.status === 'up'), 'every broker up', 10_000);
});

afterAll(async () => {
  await owner.dispose();
});

function node(index: number): NodeServer {
  const found = nodes[index];
  if (!found) throw new Error(`node-${index + 1} did not start`);
  return found;
}

/** A WebSocket client on `target`, subscribed to `channel`, owned by the file. */
async function subscribedWs(target: NodeServer, channel: string) {
  const client = wsFleetClient(target.url);
  owner.own(client, (c) => c.socket.terminate(), 'ws client');
  await client.opened;
  client.send({ op: 'sub', channel });
  await waitFor(
    () => client.received.some((m) => m.op === 'subscribed' && m.channel === channel),
    `subscribed to ${channel} on ${target.url}`,
  );
  return client;
}

describe('pub/sub across three nodes on Redis', () => {
  it('delivers a message published on any node to the subscribers of every node', async () => {
    const channel = 'fanout';
    const subscribers: Array<Awaited<ReturnType<typeof subscribedWs>>> = [];
    // Two subscribers per node: a channel is subscribed once at the broker per node, then fanned out locally.
    for (const index of [0, 1, 2, 0, 1, 2]) subscribers.push(await subscribedWs(node(index), channel));
    const started = Date.now();
    const acks: number[] = [];
    for (const [index, publisher] of subscribers.slice(0, 3).entries()) {
      publisher.send({ op: 'pub', channel, data: { from: `node-${index + 1}` }, id: `p${index}` });
      const ack = await waitFor(
        () => publisher.received.find((m) => m.op === 'ack' && m.id === `p${index}`),
        `ack of p${index}`,
      );
      if (ack.op === 'ack') acks.push(ack.seq);
    }
    await waitFor(
      () => subscribers.every((client) => client.messages(channel).length === 3),
      'three messages at every subscriber',
    );
    const elapsedMs = Date.now() - started;
    expect(acks).toEqual([1, 2, 3]);
    for (const client of subscribers) {
      expect(client.messages(channel).map((m) => [m.seq, m.data])).toEqual([
        [1, { from: 'node-1' }],
        [2, { from: 'node-2' }],
        [3, { from: 'node-3' }],
      ]);
    }
    const deliveries = subscribers.reduce((sum, client) => sum + client.messages(channel).length, 0);
    console.log(
      `fan-out: 3 publishes (one per node) × ${subscribers.length} subscribers on 3 nodes = ${deliveries} deliveries in ${elapsedMs} ms`,
    );
  });

  it('gives an SSE client on node-2 and a WebSocket client on node-3 the same seqs in the same order', async () => {
    const channel = 'mixed';
    const perPublisher = 100;
    const sse = sseFleetClient(node(1).httpUrl, [channel]);
    owner.own(sse, (client) => client.destroy(), 'sse client');
    await waitFor(
      () => sse.received.some((m) => m.op === 'subscribed' && m.channel === channel),
      'SSE subscribed on node-2',
    );
    const ws = await subscribedWs(node(2), channel);
    // One publisher per node, all at once, so the broker interleaves them: only its seq order
    // can make the two views agree.
    const publishers = await Promise.all([0, 1, 2].map((index) => subscribedWs(node(index), channel)));
    const started = Date.now();
    for (let round = 0; round < perPublisher; round++) {
      for (const [index, publisher] of publishers.entries()) {
        publisher.send({ op: 'pub', channel, data: { from: index, round }, id: `${index}:${round}` });
      }
    }
    const total = perPublisher * publishers.length;
    await waitFor(
      () => sse.messages(channel).length >= total && ws.messages(channel).length >= total,
      `${total} messages on both transports`,
      15_000,
    );
    const elapsedMs = Date.now() - started;
    const seqs = (messages: Message[]) => messages.map((m) => m.seq);
    const expected = Array.from({ length: total }, (_, index) => index + 1);
    expect(seqs(sse.messages(channel))).toEqual(expected);
    expect(seqs(ws.messages(channel))).toEqual(expected);
    // Same seq, same payload: the two transports saw one sequence, not two similar ones.
    expect(sse.messages(channel)).toEqual(ws.messages(channel));
    // The acks hand out exactly the seqs that were delivered: no seq was assigned twice or skipped.
    const ackedSeqs = publishers
      .flatMap((publisher) => publisher.received.filter((m) => m.op === 'ack'))
      .map((m) => (m.op === 'ack' ? m.seq : 0))
      .sort((a, b) => a - b);
    expect(ackedSeqs).toEqual(expected);
    // Each publisher's own messages keep their order within the merged sequence.
    for (const index of [0, 1, 2]) {
      const rounds = ws
        .messages(channel)
        .map((m) => m.data as { from: number; round: number })
        .filter((data) => data.from === index)
        .map((data) => data.round);
      expect(rounds).toEqual(Array.from({ length: perPublisher }, (_, round) => round));
    }
    console.log(
      `mixed transports: ${total} messages from 3 concurrent publishers, SSE (node-2) and WS (node-3) agree on seqs 1..${total}, ${elapsedMs} ms`,
    );
  });

  it('publishes through POST /publish on node-1 to subscribers of both transports elsewhere', async () => {
    const channel = 'http-in';
    const ws = await subscribedWs(node(1), channel);
    const sse = sseFleetClient(node(2).httpUrl, [channel]);
    owner.own(sse, (client) => client.destroy(), 'sse client');
    await waitFor(
      () => sse.received.some((m) => m.op === 'subscribed' && m.channel === channel),
      'SSE subscribed on node-3',
    );
    const answers = [];
    for (let index = 0; index < 5; index++) {
      answers.push(await publishOverHttp(node(0).httpUrl, channel, { index }));
    }
    expect(answers).toEqual(
      Array.from({ length: 5 }, (_, index) => ({ status: 200, body: { seq: index + 1 } })),
    );
    await waitFor(
      () => ws.messages(channel).length === 5 && sse.messages(channel).length === 5,
      'the five HTTP publishes on node-2 (WS) and node-3 (SSE)',
    );
    const expected = Array.from({ length: 5 }, (_, index) => [index + 1, { index }]);
    expect(ws.messages(channel).map((m) => [m.seq, m.data])).toEqual(expected);
    expect(sse.messages(channel).map((m) => [m.seq, m.data])).toEqual(expected);
    // A malformed publish is refused, and publishes nothing.
    expect((await publishOverHttp(node(0).httpUrl, '', 'x')).status).toBe(400);
    const totals = nodes.map((server) => server.agent.sample().channels.totals);
    console.log(
      `POST /publish: 5 seqs ${answers.map((answer) => answer.body.seq).join(',')}; per-node published/delivered totals since the file began ${JSON.stringify(totals.map((t) => [t.published, t.delivered]))}`,
    );
  });
});
