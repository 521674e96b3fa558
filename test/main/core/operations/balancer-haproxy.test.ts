/**
 * The balancer view against a real HAProxy: four reference node processes (node-1…3 with the
 * agent's HAProxy agent-check, node-4 without), HAProxy in front of them with 300 ms checks, and
 * the console core linked to the agents. HAProxy must be installed (apt-get install haproxy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { type RunningHaproxy, startHaproxy } from '../../../../fleet/balancer/haproxy.js';
import type { BalancerView } from '../../../../main/common/models.js';
import { type ConsoleService, createConsoleService } from '../../../../main/core/console-service.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import { parseBalancer } from '../../../../main/core/operations/balancer-config.js';
import { closeClients } from '../../../helpers/clients.js';
import { type AgentWatch, watchAgent } from '../../../helpers/fleet-agent.js';
import { connectAndWelcome, waitForAllUp } from '../../../helpers/fleet-balancer.js';
import { FleetNodeProcess } from '../../../helpers/fleet-node-process.js';
import { FleetOwner } from '../../../helpers/fleet-owner.js';
import { freePort, TEST_TOKENS } from '../../../helpers/processes.js';
import { sleep, waitFor } from '../../../helpers/wait.js';

const CHECK_INTERVAL_MS = 300;
/** Twice the check interval (the mismatch grace) and one more check. */
const PAST_GRACE_MS = 3 * CHECK_INTERVAL_MS + 200;
const IDS = ['node-1', 'node-2', 'node-3', 'node-4'];

const owner = new FleetOwner();
const nodes = new Map<string, FleetNodeProcess>();
const agents = new Map<string, AgentWatch>();
const clients: WebSocket[] = [];
let haproxy: RunningHaproxy;
let service: ConsoleService;
let audit: AuditLog;

const fail = (message: string): never => {
  throw new Error(message);
};

beforeAll(async () => {
  const started = await Promise.all(
    IDS.map((id) => FleetNodeProcess.start({ id, agentCheck: id !== 'node-4' })),
  );
  for (const node of started)
    nodes.set(
      node.id,
      owner.own(node, (process) => process.stop(), node.id),
    );
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
  audit = new AuditLog(null, { user: 'tester' });
  service = createConsoleService({
    fleet: {
      name: 'balancer fleet',
      nodes: started.map((node) => ({
        id: node.id,
        adminUrl: node.adminUrl,
        publicUrl: node.url,
        token: TEST_TOKENS.operate,
      })),
      balancer: parseBalancer(
        {
          kind: 'haproxy',
          runtimeApi: `tcp://${haproxy.runtime.host}:${haproxy.runtime.port}`,
          checkIntervalMs: CHECK_INTERVAL_MS,
        },
        fail,
      ),
    },
    flushMs: 50,
    audit,
  });
  owner.defer('console service', () => service.dispose());
  owner.defer('clients', () => closeClients(clients.splice(0)));
  await waitForAllUp(haproxy, IDS);
  await waitFor(
    () => IDS.every((id) => service.store.view(id)?.status === 'active'),
    'every agent active in the console',
    10_000,
  );
}, 60_000);

afterAll(async () => {
  await owner.dispose();
}, 30_000);

const view = (): Promise<BalancerView> => service.handlers.getBalancer();
const serverOf = (balancer: BalancerView, name: string) =>
  balancer.servers.find((server) => server.name === name);
const mismatchesOf = (balancer: BalancerView, nodeId: string) =>
  balancer.mismatches.filter((mismatch) => mismatch.nodeId === nodeId).map((mismatch) => mismatch.message);

describe('the balancer view with a real HAProxy', () => {
  it('lists every server UP with the sessions HAProxy holds to each node, matching the agents', async () => {
    for (let index = 0; index < 12; index++) await connectAndWelcome(haproxy.wsUrl, clients);
    const balancer = await waitFor(
      async () => {
        const current = await view();
        const total = current.servers.reduce((sum, server) => sum + server.sessions, 0);
        const agreeing = current.servers.every(
          (server) => server.sessions === service.store.view(server.nodeId ?? '')?.connections?.open,
        );
        // HAProxy starts servers UP before their first check has run ("INI Initializing").
        const checked = current.servers.every((server) => server.checkStatus?.startsWith('L7OK'));
        return total === 12 && agreeing && checked ? current : null;
      },
      '12 sessions in HAProxy, matching every agent, every server checked',
      10_000,
      100,
    );
    expect(balancer).toMatchObject({
      configured: true,
      kind: 'haproxy',
      address: `${haproxy.runtime.host}:${haproxy.runtime.port}`,
      reachable: true,
      problem: null,
      mismatches: [],
    });
    expect(balancer.servers.map((server) => [server.name, server.nodeId, server.state])).toEqual(
      IDS.map((id) => [id, id, 'UP']),
    );
    // (Weighted) round robin over four servers: every one has some.
    expect(balancer.servers.every((server) => server.sessions > 0)).toBe(true);
    expect(serverOf(balancer, 'node-1')).toMatchObject({
      backend: 'nodes',
      checkStatus: 'L7OK · agent L7OK',
    });
    expect(serverOf(balancer, 'node-4')?.checkStatus).toBe('L7OK');
    expect(balancer.servers.every((server) => server.weight > 0)).toBe(true);
  });

  it("shows an agent's drain as DRAIN within 3 s and reports no mismatch", async () => {
    const began = Date.now();
    await agents.get('node-2')?.command('drain', { deadlineMs: 60_000 });
    const drained = await waitFor(
      async () => ((serverOf(await view(), 'node-2')?.state ?? '').startsWith('DRAIN') ? Date.now() : null),
      'node-2 DRAIN in the balancer view',
      3_000,
      50,
    );
    expect(drained - began).toBeLessThan(3_000);
    await waitFor(
      () => service.store.view('node-2')?.status === 'draining',
      'node-2 draining in the console',
    );
    await sleep(PAST_GRACE_MS);
    const balancer = await view();
    expect(serverOf(balancer, 'node-2')?.state).toBe('DRAIN (agent)');
    expect(balancer.mismatches).toEqual([]);

    await agents.get('node-2')?.command('undrain');
    await waitFor(async () => serverOf(await view(), 'node-2')?.state === 'UP', 'node-2 UP again', 3_000, 50);
  });

  it('warns when an agent drains but HAProxy keeps sending it connections (no agent-check)', async () => {
    await agents.get('node-4')?.command('drain', { deadlineMs: 60_000 });
    await waitFor(
      () => service.store.view('node-4')?.status === 'draining',
      'node-4 draining in the console',
    );
    // Within the grace HAProxy may still be catching up: no warning yet.
    expect(mismatchesOf(await view(), 'node-4')).toEqual([]);
    const messages = await waitFor(
      async () => {
        const found = mismatchesOf(await view(), 'node-4');
        return found.length > 0 ? found : null;
      },
      'a mismatch for node-4',
      3_000,
      50,
    );
    expect(messages).toEqual(['node-4 is draining but HAProxy still sends it new connections']);
    // The node answers 503 to /healthz, which this config accepts, and no agent says `drain`.
    expect(serverOf(await view(), 'node-4')?.state).toBe('UP');

    await agents.get('node-4')?.command('undrain');
    await waitFor(
      () => service.store.view('node-4')?.status === 'active',
      'node-4 active again in the console',
    );
    expect(mismatchesOf(await view(), 'node-4')).toEqual([]);
  });

  it('sets MAINT at the balancer, which holds against the agent and warns; ready clears it; both audited', async () => {
    const maint = await service.handlers.setBalancerState('node-3', 'maint');
    expect(maint).toMatchObject({
      action: 'balancer-state',
      nodeId: 'node-3',
      args: { target: 'node-3', state: 'maint' },
      outcome: 'succeeded',
      user: 'tester',
      source: 'console',
      fleet: 'balancer fleet',
    });
    expect(maint.message).toBe(
      'HAProxy server nodes/node-3 set to maint; its agent-check is paused until it is set ready',
    );
    let balancer = await view();
    expect(serverOf(balancer, 'node-3')?.state).toBe('MAINT');
    // The agent has been active for long: the warning is there at once.
    expect(mismatchesOf(balancer, 'node-3')).toEqual([
      'HAProxy keeps node-3 out although its agent is active',
    ]);
    // Several agent-check intervals later the agent's `ready` has not undone it.
    await sleep(PAST_GRACE_MS);
    expect(serverOf(await view(), 'node-3')?.state).toBe('MAINT');

    const ready = await service.handlers.setBalancerState('node-3', 'ready');
    expect(ready).toMatchObject({ outcome: 'succeeded', args: { state: 'ready' } });
    expect(ready.message).toBe('HAProxy server nodes/node-3 set to ready; its agent-check runs again');
    balancer = await waitFor(
      async () => {
        const current = await view();
        return serverOf(current, 'node-3')?.checkStatus === 'L7OK · agent L7OK' ? current : null;
      },
      'node-3 UP with its agent-check running',
      3_000,
      50,
    );
    expect(serverOf(balancer, 'node-3')?.state).toBe('UP');
    expect(mismatchesOf(balancer, 'node-3')).toEqual([]);

    const drain = await service.handlers.setBalancerState('node-1', 'drain');
    expect(drain.outcome).toBe('succeeded');
    expect(serverOf(await view(), 'node-1')?.state).toBe('DRAIN');
    expect(mismatchesOf(await view(), 'node-1')).toEqual([
      'HAProxy keeps node-1 out although its agent is active',
    ]);
    await service.handlers.setBalancerState('node-1', 'ready');
    expect(serverOf(await view(), 'node-1')?.state).toBe('UP');

    const entries = (await audit.read(100)).entries.filter((entry) => entry.action === 'balancer-state');
    expect(entries.map((entry) => [entry.nodeId, entry.args.state, entry.outcome])).toEqual([
      ['node-1', 'ready', 'succeeded'],
      ['node-1', 'drain', 'succeeded'],
      ['node-3', 'ready', 'succeeded'],
      ['node-3', 'maint', 'succeeded'],
    ]);
    expect(entries.every((entry) => entry.endedAt !== null && entry.endedAt >= entry.startedAt)).toBe(true);
  });

  it('reports a server the fleet does not know and a node HAProxy does not have, and acts on the stray server', async () => {
    // A server at a port nothing listens on: HAProxy marks it DOWN; nothing in the fleet is it.
    await haproxy.addServer({ id: 'stray', host: '127.0.0.1', port: await freePort() });
    owner.defer('stray server', () => haproxy.removeServer('stray').catch(() => {}));
    service.addNode({
      id: 'node-9',
      adminUrl: 'ws://127.0.0.1:9',
      publicUrl: null,
      token: TEST_TOKENS.operate,
    });

    const balancer = await waitFor(
      async () => {
        const current = await view();
        return serverOf(current, 'stray') !== undefined && current.mismatches.length >= 2 ? current : null;
      },
      'the stray server and node-9 reported',
      3_000,
      50,
    );
    expect(serverOf(balancer, 'stray')).toMatchObject({ nodeId: null });
    expect(balancer.mismatches).toEqual(
      expect.arrayContaining([
        { nodeId: null, server: 'stray', message: 'HAProxy server stray is not in the fleet' },
        { nodeId: 'node-9', server: null, message: 'node-9 is not behind HAProxy' },
      ]),
    );
    expect(balancer.mismatches).toHaveLength(2);

    // An operator can still put the stray server out of rotation, by its server name.
    const record = await service.handlers.setBalancerState('stray', 'maint');
    expect(record).toMatchObject({ nodeId: null, args: { target: 'stray' }, outcome: 'succeeded' });
    expect(serverOf(await view(), 'stray')?.state).toBe('MAINT');

    // A node with no server cannot be set, and says why; the attempt is audited as failed.
    await expect(service.handlers.setBalancerState('node-9', 'drain')).rejects.toThrow(
      'node-9 is not behind HAProxy: backend nodes has no server named node-9 or at its address',
    );
    const [failed] = (await audit.read(100)).entries.filter((entry) => entry.nodeId === 'node-9');
    expect(failed).toMatchObject({ nodeId: 'node-9', outcome: 'failed' });
    expect(failed?.message).toContain('node-9 is not behind HAProxy');

    await haproxy.removeServer('stray');
    service.removeNode('node-9');
    expect((await view()).mismatches).toEqual([]);
  });

  it('turns a stopped HAProxy into a readable problem, not an exception', async () => {
    const where = `${haproxy.runtime.host}:${haproxy.runtime.port}`;
    await haproxy.stop();
    // Views share one `show stat` for half a second; the next one finds HAProxy gone.
    const balancer = await waitFor(
      async () => {
        const current = await view();
        return current.reachable ? null : current;
      },
      'the view to notice HAProxy is gone',
      2_000,
      50,
    );
    expect(balancer).toMatchObject({ configured: true, reachable: false, servers: [], mismatches: [] });
    expect(balancer.problem).toBe(
      `HAProxy's runtime API at ${where} refused the connection: is HAProxy running, with "stats socket ${where} level admin" in its global section?`,
    );
    await expect(service.handlers.setBalancerState('node-1', 'maint')).rejects.toThrow(
      `HAProxy's runtime API at ${where} refused the connection`,
    );
  });
});
