/**
 * Lossless resume through a drain and a crash: Redis, HAProxy, three node processes and 60
 * subscriber users (WebSocket and SSE, 3 of 20 channels each). A publisher writes 2,400
 * sequenced messages straight into Redis over about 8 s; meanwhile node-2 is drained
 * (deadline 3 s) and node-3 is SIGKILLed, then restarted on its ports. Every user
 * reconnects through HAProxy and resumes each channel from the last seq it saw.
 *
 * Afterwards, for every user and every channel it subscribed, the seqs the application got
 * are exactly consecutive from its first one to the channel's final seq: no hole, no
 * duplicate. The users' truth shows missing 0 and announcedGaps 0. `duplicates` may be > 0:
 * it counts copies the client itself dropped by seq (e.g. a message that arrived live just
 * before the connection moved and came again from history after the resume); the
 * application never sees those, which the consecutive check proves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHaproxy, startHaproxy } from '../../fleet/balancer/haproxy.js';
import { createRedisBroker, type RedisBroker } from '../../fleet/broker/redis-broker.js';
import { type RedisProcess, startRedisServer } from '../../fleet/broker/redis-process.js';
import { startUsers, type Users } from '../../fleet/users.js';
import { type AgentWatch, watchAgent } from '../helpers/fleet-agent.js';
import { backendRow, waitForAllUp } from '../helpers/fleet-balancer.js';
import { FleetNodeProcess } from '../helpers/fleet-node-process.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { isAlive } from '../helpers/redis.js';
import { sleep, waitFor } from '../helpers/wait.js';

const USERS = 60;
const CHANNELS = 20;
const SUBSCRIPTIONS_PER_USER = 3;
const MESSAGES = 2_400;
const BATCH = 12;
/** 200 batches of 12 every 40 ms: about 8 s of publishing at ~300 messages/s. */
const BATCH_EVERY_MS = 40;
const PREFIX = 'resume:';
const CHECK_INTERVAL_MS = 300;

const owner = new FleetOwner();
let redis: RedisProcess;
let haproxy: RunningHaproxy;
const nodes = new Map<string, FleetNodeProcess>();
const agents = new Map<string, AgentWatch>();
const pids: number[] = [];

beforeAll(async () => {
  redis = owner.own(await startRedisServer(), (server) => server.stop(), 'redis-server');
  const started = await Promise.all(
    ['node-1', 'node-2', 'node-3'].map((id) => FleetNodeProcess.start({ id, broker: redis.url })),
  );
  for (const node of started) {
    owner.own(node, (process) => process.stop(), node.id);
    nodes.set(node.id, node);
  }
  haproxy = owner.own(
    await startHaproxy({
      balance: 'roundrobin',
      checkIntervalMs: CHECK_INTERVAL_MS,
      servers: started.map((node) => node.haproxyServer()),
    }),
    (running) => running.stop(),
    'haproxy',
  );
  for (const node of started) {
    const watch = owner.own(watchAgent(node.adminUrl), (agent) => agent.close(), `${node.id} admin`);
    await watch.ready;
    agents.set(node.id, watch);
  }
  await waitForAllUp(haproxy, [...nodes.keys()]);
}, 60_000);

afterAll(async () => {
  const redisPid = redis?.pid ?? null;
  await owner.dispose();
  // Every node process this file started, the restarted one included, must be gone.
  for (const pid of [...pids, redisPid]) if (pid !== null) expect(isAlive(pid)).toBe(false);
}, 30_000);

function node(id: string): FleetNodeProcess {
  const found = nodes.get(id);
  if (!found) throw new Error(`${id} did not start`);
  return found;
}

/** Publishes MESSAGES messages round robin over the channels, in paced batches; returns each channel's final seq. */
async function publishAll(
  broker: RedisBroker,
  progress: { published: number },
): Promise<Map<string, number>> {
  const finalSeq = new Map<string, number>();
  for (let start = 0; start < MESSAGES; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, MESSAGES - start) }, (_, offset) => start + offset);
    const seqs = await Promise.all(
      batch.map(async (index) => {
        const channel = `${PREFIX}${(index % CHANNELS) + 1}`;
        return [channel, await broker.publish(channel, { index })] as const;
      }),
    );
    for (const [channel, seq] of seqs) finalSeq.set(channel, Math.max(seq, finalSeq.get(channel) ?? 0));
    progress.published += batch.length;
    await sleep(BATCH_EVERY_MS);
  }
  return finalSeq;
}

describe('lossless resume through a drain and a crash', () => {
  it('gives every user every message of its channels exactly once, in order', async () => {
    for (const found of nodes.values()) if (found.pid !== null) pids.push(found.pid);
    const users: Users = owner.own(
      startUsers({
        url: haproxy.url,
        clients: USERS,
        durationMs: 120_000,
        sseShare: 0.4,
        channels: CHANNELS,
        zipf: 0,
        subscriptionsPerUser: SUBSCRIPTIONS_PER_USER,
        // We publish: the users only subscribe, so every seq's origin is known.
        publisherShare: 0,
        channelPrefix: PREFIX,
      }),
      (running) => running.stop(),
      'users',
    );
    // Every user connected and every subscription registered at a node before the first publish.
    await waitFor(
      () => {
        const connections = users.truth().connections;
        const subscribers = [...agents.values()].reduce(
          (sum, agent) => sum + (agent.latest()?.channels.subscribers ?? 0),
          0,
        );
        return (
          connections.websocket + connections.sse === USERS && subscribers === USERS * SUBSCRIPTIONS_PER_USER
        );
      },
      `${USERS} users with ${USERS * SUBSCRIPTIONS_PER_USER} subscriptions`,
      15_000,
      100,
    );
    const connectedBefore = users.truth().connections;

    const publisher = owner.own(
      createRedisBroker({ url: redis.url, nodeId: 'publisher' }),
      (broker) => broker.close(),
      'publisher',
    );
    await waitFor(() => publisher.status === 'up', 'the publisher broker up', 5_000);
    const progress = { published: 0 };
    const started = Date.now();
    const publishing = publishAll(publisher, progress);

    // The chaos is keyed to publishing progress, so it always lands mid-stream.
    const timeline: string[] = [];
    const at = (what: string) =>
      timeline.push(`${what} @${Date.now() - started} ms (${progress.published} published)`);
    await waitFor(() => progress.published >= 500, '500 published', 10_000);
    await agents.get('node-2')?.command('drain', { deadlineMs: 3_000 });
    at('drain node-2');
    await waitFor(() => progress.published >= 1_000, '1000 published', 10_000);
    await node('node-3').kill();
    at('SIGKILL node-3');
    await waitFor(() => progress.published >= 1_500, '1500 published', 10_000);
    await node('node-3').restart();
    const restartedPid = node('node-3').pid;
    if (restartedPid !== null) pids.push(restartedPid);
    at('node-3 restarted');
    const finalSeq = await publishing;
    at('publishing done');

    // Settle: every user connected again and at the final seq of each of its channels.
    await waitFor(
      () => {
        const connections = users.truth().connections;
        if (connections.websocket + connections.sse !== USERS) return false;
        return users
          .received()
          .every(
            (channels) =>
              Object.keys(channels).length === SUBSCRIPTIONS_PER_USER &&
              Object.entries(channels).every(([channel, seqs]) => seqs.at(-1) === finalSeq.get(channel)),
          );
      },
      'every user at the final seq of each of its channels',
      20_000,
      200,
    );
    at('settled');

    const received = users.received();
    const truth = users.truth();
    let deliveries = 0;
    const perChannel = new Map<string, { final: number; subscribers: number; deliveries: number }>();
    for (const [user, channels] of received.entries()) {
      expect(Object.keys(channels), `user ${user}'s channels`).toHaveLength(SUBSCRIPTIONS_PER_USER);
      for (const [channel, seqs] of Object.entries(channels)) {
        const final = finalSeq.get(channel) ?? -1;
        // Every subscription was registered before the first publish: each channel starts at 1.
        const first = seqs[0] ?? 0;
        expect(first, `user ${user}'s first seq on ${channel}`).toBe(1);
        // Exactly first, first + 1, …, final: a hole, a duplicate or a reordering all break this.
        const consecutive = Array.from({ length: final - first + 1 }, (_, offset) => first + offset);
        expect(seqs, `user ${user} on ${channel}`).toEqual(consecutive);
        deliveries += seqs.length;
        const figures = perChannel.get(channel) ?? { final, subscribers: 0, deliveries: 0 };
        figures.subscribers++;
        figures.deliveries += seqs.length;
        perChannel.set(channel, figures);
      }
    }
    const sums = Object.values(truth.channels).reduce(
      (sum, channel) => ({
        received: sum.received + channel.received,
        missing: sum.missing + channel.missing,
        duplicates: sum.duplicates + channel.duplicates,
        announcedGaps: sum.announcedGaps + channel.announcedGaps,
      }),
      { received: 0, missing: 0, duplicates: 0, announcedGaps: 0 },
    );
    const rows = await Promise.all(['node-1', 'node-2', 'node-3'].map((id) => backendRow(haproxy, id)));
    console.log(
      [
        `resume: ${progress.published} messages published on ${finalSeq.size} channels; users ${JSON.stringify(connectedBefore)}`,
        `  timeline: ${timeline.join('; ')}`,
        `  deliveries to the application ${deliveries} (users' truth: received ${sums.received}); reconnects ${truth.reconnects}, connects ${truth.connects}`,
        `  missing ${sums.missing}, announced gaps ${sums.announcedGaps}, duplicates dropped by the client ${sums.duplicates}`,
        `  per channel (final seq/subscribers/deliveries): ${[...perChannel]
          .sort(([a], [b]) => Number(a.slice(PREFIX.length)) - Number(b.slice(PREFIX.length)))
          .map(
            ([channel, f]) => `${channel.slice(PREFIX.length)}:${f.final}/${f.subscribers}/${f.deliveries}`,
          )
          .join(' ')}`,
        `  haproxy: ${rows.map((row) => `${row?.server} ${row?.status} scur ${row?.currentSessions}`).join('; ')}`,
      ].join('\n'),
    );
    expect(progress.published).toBe(MESSAGES);
    expect([...finalSeq.values()].reduce((sum, seq) => sum + seq, 0)).toBe(MESSAGES);
    expect(sums.received).toBe(deliveries);
    expect(sums.missing).toBe(0);
    expect(sums.announcedGaps).toBe(0);
    // The chaos really moved users: at least the drained and the killed node's clients reconnected.
    expect(truth.reconnects).toBeGreaterThan(USERS / 3);
  }, 90_000);
});
