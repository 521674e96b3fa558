/**
 * How a real HAProxy spreads WebSocket users over three reference nodes, each serving the
 * agent-check: `leastconn` and `roundrobin` land 300 users within ±10 % of 100 per node,
 * and `custom` (round robin weighted by the agents' load-based weights) sends measurably
 * fewer new users to a node whose agent reports more load.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { AgentCheckWeightOptions } from '../../agent/integrations/haproxy-agent-check.js';
import { type HaproxyOptions, type RunningHaproxy, startHaproxy } from '../../fleet/balancer/haproxy.js';
import { type NodeServer, startNodeServer } from '../../fleet/node-server.js';
import { backendRows, connectAndWelcome, countByNode, waitForAllUp } from '../helpers/fleet-balancer.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { TEST_TOKENS } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const IDS = ['node-1', 'node-2', 'node-3'] as const;
const USERS = 300;
const CHECK_INTERVAL_MS = 300;

let owner = new FleetOwner();
afterEach(async () => {
  const current = owner;
  owner = new FleetOwner();
  await current.dispose();
});

interface BalancedFleet {
  readonly haproxy: RunningHaproxy;
  readonly nodes: ReadonlyMap<string, NodeServer>;
  /** Every client socket the test opened (the owner terminates them). */
  readonly sockets: WebSocket[];
}

/** Three in-process nodes with agent-check ports behind a real HAProxy, all owned by `owner`. */
async function balancedFleet(
  balance: HaproxyOptions['balance'],
  weights: Partial<Record<string, Partial<AgentCheckWeightOptions>>> = {},
): Promise<BalancedFleet> {
  const sockets: WebSocket[] = [];
  const nodes = new Map<string, NodeServer>();
  for (const nodeId of IDS) {
    const weight = weights[nodeId];
    const node = await startNodeServer({
      nodeId,
      token: TEST_TOKENS.operate,
      adminPort: 0,
      agentCheckPort: 0,
      ...(weight ? { agentCheckWeight: weight } : {}),
    });
    owner.own(node, (started) => started.close(), nodeId);
    nodes.set(nodeId, node);
  }
  const haproxy = await startHaproxy({
    balance,
    checkIntervalMs: CHECK_INTERVAL_MS,
    servers: [...nodes].map(([id, node]) => ({
      id,
      host: '127.0.0.1',
      port: Number(new URL(node.httpUrl).port),
      agentCheckPort: node.agentCheckPort ?? 0,
    })),
  });
  owner.own(haproxy, (running) => running.stop(), 'haproxy');
  // Registered last, so terminated first: clients go before the balancer and the nodes.
  owner.defer('clients', () => {
    for (const socket of sockets) socket.terminate();
  });
  await waitForAllUp(haproxy, IDS);
  return { haproxy, nodes, sockets };
}

/** Opens `count` users through the balancer at once and counts which node welcomed each. */
async function openUsers(fleet: BalancedFleet, count: number): Promise<Record<string, number>> {
  const welcomes = await Promise.all(
    Array.from({ length: count }, () => connectAndWelcome(fleet.haproxy.wsUrl, fleet.sockets)),
  );
  return countByNode(welcomes, IDS);
}

/** Each node's share must be within ±10 % of an even split. */
function expectEven(counts: Record<string, number>): void {
  const even = USERS / IDS.length;
  for (const id of IDS) {
    expect(counts[id], `${id} of ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(Math.ceil(even * 0.9));
    expect(counts[id], `${id} of ${JSON.stringify(counts)}`).toBeLessThanOrEqual(Math.floor(even * 1.1));
  }
}

describe('HAProxy balancing of WebSocket users over three nodes (real haproxy)', () => {
  it('leastconn: 300 users land within ±10 % of 100 per node', async () => {
    const fleet = await balancedFleet('leastconn');
    const counts = await openUsers(fleet, USERS);
    const sessions = [...(await backendRows(fleet.haproxy))].map(
      ([id, row]) => `${id}=${row.currentSessions}`,
    );
    console.log(`leastconn: welcomes ${JSON.stringify(counts)}; haproxy sessions ${sessions.join(' ')}`);
    expectEven(counts);
    // The nodes' own count agrees with the welcomes: every welcomed user is a live connection.
    for (const id of IDS) expect(fleet.nodes.get(id)?.agent.sample().connections.open).toBe(counts[id]);
  });

  it('roundrobin: 300 users land within ±10 % of 100 per node', async () => {
    const fleet = await balancedFleet('roundrobin');
    const counts = await openUsers(fleet, USERS);
    console.log(`roundrobin: welcomes ${JSON.stringify(counts)}`);
    expectEven(counts);
  });

  it('custom: a node whose agent reports more load gets measurably fewer new users', async () => {
    // node-1 counts 200 connections as full load, so 100 open ones make its weight about 50,
    // while the others (default 10 000) stay near 100.
    const fleet = await balancedFleet('custom', { 'node-1': { maxConnections: 200 } });
    const node1 = fleet.nodes.get('node-1') as NodeServer;
    await Promise.all(Array.from({ length: 100 }, () => connectAndWelcome(node1.url, fleet.sockets)));
    const before = await waitFor(
      async () => {
        const rows = await backendRows(fleet.haproxy);
        const weight = (id: string) => rows.get(id)?.weight ?? 0;
        const settled =
          weight('node-1') >= 35 &&
          weight('node-1') <= 55 &&
          weight('node-2') >= 85 &&
          weight('node-3') >= 85;
        return settled ? rows : null;
      },
      'node-1 weight ~50 and the others ~100 in HAProxy',
      5_000,
      100,
    );
    const weightsBefore = Object.fromEntries([...before].map(([id, row]) => [id, row.weight]));

    const counts = await openUsers(fleet, USERS);
    const rowsAfter = await backendRows(fleet.haproxy);
    const weightsAfter = Object.fromEntries([...rowsAfter].map(([id, row]) => [id, row.weight]));
    const share = (id: string) => (counts[id] ?? 0) / USERS;
    console.log(
      `custom: weights before ${JSON.stringify(weightsBefore)}, after ${JSON.stringify(weightsAfter)}; ` +
        `new users ${JSON.stringify(counts)}; shares ${IDS.map((id) => `${id}=${share(id).toFixed(3)}`).join(' ')}`,
    );
    expect(IDS.reduce((sum, id) => sum + (counts[id] ?? 0), 0)).toBe(USERS);
    expect(share('node-1')).toBeLessThan(0.8 * share('node-2'));
    expect(share('node-1')).toBeLessThan(0.8 * share('node-3'));
  });
});
