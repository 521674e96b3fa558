/**
 * A drain in a whole fleet: Redis, HAProxy with agent-checks, three node processes and 150
 * simulated users (WebSocket and SSE, some publishing) coming in through HAProxy. Draining
 * node-2 through its agent's admin endpoint shows as DRAIN in HAProxy within 3 s, and by the
 * deadline + 5 s every one of its clients, of both transports, is connected to another
 * node: the agents' counts and the users' own truth agree on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleFrame } from '../../agent/index.js';
import { type RunningHaproxy, startHaproxy } from '../../fleet/balancer/haproxy.js';
import type { RedisProcess } from '../../fleet/broker/redis-process.js';
import { startUsers, type Users } from '../../fleet/users.js';
import { type AgentWatch, openByTransport, watchAgent } from '../helpers/fleet-agent.js';
import { backendRow, waitForAllUp } from '../helpers/fleet-balancer.js';
import { FleetNodeProcess } from '../helpers/fleet-node-process.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { isAlive, startTestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const USERS = 150;
const DEADLINE_MS = 5_000;
const CHECK_INTERVAL_MS = 300;

const owner = new FleetOwner();
let redis: RedisProcess;
let haproxy: RunningHaproxy;
const nodes = new Map<string, FleetNodeProcess>();
const agents = new Map<string, AgentWatch>();

beforeAll(async () => {
  redis = owner.own(await startTestRedis(), (server) => server.stop(), 'redis-server');
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
  const pids = [...nodes.values()].map((node) => node.pid);
  const redisPid = redis?.pid ?? null;
  await owner.dispose();
  // Nothing this file started may outlive it.
  for (const pid of [...pids, redisPid]) if (pid !== null) expect(isAlive(pid)).toBe(false);
}, 30_000);

function sample(id: string): SampleFrame | null {
  return agents.get(id)?.latest() ?? null;
}

/** Open connections per node and transport, as the agents report them. */
function agentCounts() {
  return Object.fromEntries([...agents.keys()].map((id) => [id, openByTransport(sample(id))]));
}

describe('drain in a fleet behind HAProxy', () => {
  it('moves every client of a drained node, both transports, to the other nodes by deadline + 5 s', async () => {
    const users: Users = owner.own(
      startUsers({
        url: haproxy.url,
        clients: USERS,
        durationMs: 120_000,
        sseShare: 0.3,
        channels: 50,
        publisherShare: 0.1,
        // Short enough that messages flow during the whole drain.
        publishEveryMs: 500,
      }),
      (running) => running.stop(),
      'users',
    );
    const total = (counts: { websocket: number; sse: number }) => counts.websocket + counts.sse;
    await waitFor(
      () => {
        const perNode = Object.values(agentCounts());
        return (
          total(users.truth().connections) === USERS &&
          perNode.reduce((sum, c) => sum + total(c), 0) === USERS
        );
      },
      `${USERS} users connected, by the users and by the agents`,
      15_000,
      100,
    );
    const before = agentCounts();
    const truthBefore = users.truth();
    // Round robin through HAProxy puts about a third on node-2; make sure both transports are there.
    expect(before['node-2']?.websocket).toBeGreaterThan(0);
    expect(before['node-2']?.sse).toBeGreaterThan(0);

    const started = Date.now();
    const progress = (await agents.get('node-2')?.command('drain', { deadlineMs: DEADLINE_MS })) as {
      total: number;
      kind: string;
    };
    expect(progress).toMatchObject({
      kind: 'drain',
      total: total(before['node-2'] ?? { websocket: 0, sse: 0 }),
    });

    const drainRow = await waitFor(
      async () => {
        const row = await backendRow(haproxy, 'node-2');
        return row && /^DRAIN/.test(row.status) ? row : null;
      },
      'node-2 DRAIN in HAProxy',
      3_000,
      50,
    );
    const drainSeenMs = Date.now() - started;

    const settleBudgetMs = DEADLINE_MS + 5_000 - (Date.now() - started);
    await waitFor(
      () => {
        const node1 = openByTransport(sample('node-1'));
        const node2 = openByTransport(sample('node-2'));
        const node3 = openByTransport(sample('node-3'));
        const truth = users.truth().connections;
        return (
          total(node2) === 0 &&
          total(node1) + total(node3) === USERS &&
          total(truth) === USERS &&
          node1.websocket + node3.websocket === truth.websocket &&
          node1.sse + node3.sse === truth.sse
        );
      },
      'node-2 empty and every user on node-1 or node-3',
      settleBudgetMs,
      100,
    );
    const settledMs = Date.now() - started;
    const after = agentCounts();
    const truthAfter = users.truth();
    const node2 = sample('node-2');
    const rows = await Promise.all(['node-1', 'node-2', 'node-3'].map((id) => backendRow(haproxy, id)));
    const figures = Object.values(truthAfter.channels).reduce(
      (sum, channel) => ({
        published: sum.published + channel.published,
        received: sum.received + channel.received,
        missing: sum.missing + channel.missing,
        duplicates: sum.duplicates + channel.duplicates,
        announcedGaps: sum.announcedGaps + channel.announcedGaps,
      }),
      { published: 0, received: 0, missing: 0, duplicates: 0, announcedGaps: 0 },
    );
    console.log(
      [
        `drain: before ${JSON.stringify(before)}; users ${JSON.stringify(truthBefore.connections)}`,
        `  HAProxy showed "${drainRow.status}" for node-2 after ${drainSeenMs} ms`,
        `  settled after ${settledMs} ms (deadline ${DEADLINE_MS} ms): ${JSON.stringify(after)}; users ${JSON.stringify(truthAfter.connections)}`,
        `  node-2 state ${node2?.state}, close codes ${JSON.stringify(node2?.connections.closeCodes)}, drain ${JSON.stringify(node2?.drain)}`,
        `  haproxy: ${rows.map((row) => `${row?.server} ${row?.status} w${row?.weight} scur ${row?.currentSessions}`).join('; ')}`,
        `  users: reconnects ${truthAfter.reconnects - truthBefore.reconnects}, publish failures ${truthAfter.publishFailures}, channel figures ${JSON.stringify(figures)}`,
      ].join('\n'),
    );
    expect(total(after['node-2'] ?? { websocket: -1, sse: -1 })).toBe(0);
    expect(truthAfter.connections.websocket + truthAfter.connections.sse).toBe(USERS);
    // The users came back through HAProxy: each of node-2's clients reconnected at least once.
    expect(truthAfter.reconnects - truthBefore.reconnects).toBeGreaterThanOrEqual(
      total(before['node-2'] ?? { websocket: 0, sse: 0 }),
    );
    // Both transports were closed with the drain's code, 1012 (SSE closes count as 1006).
    expect(node2?.connections.closeCodes['1012']).toBe(before['node-2']?.websocket);
    await waitFor(() => sample('node-2')?.state === 'drained', 'node-2 drained', 3_000);
  }, 60_000);
});
