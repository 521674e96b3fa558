/**
 * A real HAProxy in front of two in-process reference nodes, each with an agent-check
 * responder whose reply the test controls. HAProxy must be installed: a missing binary
 * fails the test (in CI and locally) with "haproxy not found: apt-get install haproxy".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AgentCheckResponder } from '../../agent/integrations/haproxy-agent-check.js';
import { haproxyConfig, type RunningHaproxy, startHaproxy } from '../../fleet/balancer/haproxy.js';
import { type NodeServer, startNodeServer } from '../../fleet/node-server.js';
import { closeClients } from '../helpers/clients.js';
import { TEST_TOKENS } from '../helpers/processes.js';
import { sleep, waitFor } from '../helpers/wait.js';

const CHECK_INTERVAL_MS = 300;
const STATE_CHANGE_TIMEOUT_MS = 3_000;

/** A node with its agent-check responder; `reply` is what HAProxy reads next. */
interface CheckedNode {
  readonly id: string;
  readonly server: NodeServer;
  readonly responder: AgentCheckResponder;
  agentCheckPort: number;
  reply: string;
}

/** Opens a client through the balancer and resolves with the node that welcomed it. */
function connectThrough(url: string, opened: WebSocket[]): Promise<string> {
  const socket = new WebSocket(url);
  opened.push(socket);
  // Listen before 'open': the welcome can arrive in the same read as the handshake.
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => {
      const message = JSON.parse(data.toString()) as { op?: string; node?: string };
      if (message.op === 'welcome' && typeof message.node === 'string') resolve(message.node);
      else reject(new Error(`expected a welcome, got ${data.toString()}`));
    });
    socket.once('error', reject);
  });
}

describe('haproxyConfig', () => {
  it('renders a backend with health checks and agent-checks', () => {
    const config = haproxyConfig({
      servers: [
        { id: 'node-1', host: '127.0.0.1', port: 41001, agentCheckPort: 42001 },
        { id: 'node-2', host: '127.0.0.1', port: 41002 },
      ],
      balance: 'random2',
      checkIntervalMs: 300,
      frontendPort: 40000,
      runtimePort: 40001,
    });
    expect(config).toContain('  stats socket ipv4@127.0.0.1:40001 level admin');
    expect(config).toContain('  maxconn 20000');
    expect(config).toContain('  timeout tunnel 1h');
    expect(config).toContain('  bind 127.0.0.1:40000');
    expect(config).toContain('  balance random(2)');
    expect(config).not.toMatch(/^\s*daemon/m);
    expect(config).toContain(
      '  server node-1 127.0.0.1:41001 weight 100 check inter 300ms fall 1 rise 1 agent-check agent-port 42001 agent-inter 300ms agent-addr 127.0.0.1\n',
    );
    expect(config).toContain('  server node-2 127.0.0.1:41002 weight 100 check inter 300ms fall 1 rise 1\n');
  });

  it('refuses ids and hosts that could inject directives', () => {
    const base = { balance: 'custom' as const, frontendPort: 40000, runtimePort: 40001 };
    expect(() =>
      haproxyConfig({ ...base, servers: [{ id: 'a\n  stats enable', host: '127.0.0.1', port: 1 }] }),
    ).toThrow(TypeError);
    expect(() =>
      haproxyConfig({ ...base, servers: [{ id: 'a', host: '127.0.0.1 backup', port: 1 }] }),
    ).toThrow(TypeError);
    expect(() => haproxyConfig({ ...base, servers: [{ id: 'a', host: '127.0.0.1', port: 70_000 }] })).toThrow(
      TypeError,
    );
    expect(() => haproxyConfig({ ...base, servers: [] })).toThrow(TypeError);
  });
});

describe('HAProxy with agent-checks (real haproxy)', () => {
  let nodes: CheckedNode[] = [];
  let haproxy: RunningHaproxy | undefined;
  const clients: WebSocket[] = [];
  let checkErrors: unknown[] = [];

  beforeEach(async () => {
    checkErrors = [];
    for (const id of ['node-1', 'node-2']) {
      const server = await startNodeServer({ nodeId: id, token: TEST_TOKENS.operate, adminPort: 0 });
      const node: CheckedNode = {
        id,
        server,
        reply: 'ready up 100%\n',
        agentCheckPort: 0,
        responder: new AgentCheckResponder(
          () => node.reply,
          (error) => checkErrors.push(error),
        ),
      };
      nodes.push(node);
      node.agentCheckPort = (await node.responder.listen('127.0.0.1', 0)).port;
    }
    haproxy = await startHaproxy({
      balance: 'custom',
      checkIntervalMs: CHECK_INTERVAL_MS,
      servers: nodes.map((node) => ({
        id: node.id,
        host: '127.0.0.1',
        port: Number(new URL(node.server.url).port),
        agentCheckPort: node.agentCheckPort,
      })),
    });
  });

  afterEach(async () => {
    await closeClients(clients.splice(0));
    await haproxy?.stop();
    haproxy = undefined;
    await Promise.all(nodes.map((node) => Promise.all([node.responder.close(), node.server.close()])));
    nodes = [];
  });

  /** The `show stat` row of a server in the `nodes` backend. */
  async function stat(id: string) {
    const rows = await (haproxy as RunningHaproxy).showStat();
    return rows.find((row) => row.proxy === 'nodes' && row.server === id);
  }

  async function waitForStatus(id: string, pattern: RegExp) {
    return waitFor(
      async () => {
        const row = await stat(id);
        return row && pattern.test(row.status) ? row : null;
      },
      `${id} to be ${pattern}`,
      STATE_CHANGE_TIMEOUT_MS,
      50,
    );
  }

  it('drains a node on "drain", routes every new WebSocket elsewhere, and takes it back on "ready"', async () => {
    const running = haproxy as RunningHaproxy;
    // Servers start out UP; after two intervals with fall 1, UP means /healthz and the agent answered.
    await sleep(2 * CHECK_INTERVAL_MS);
    expect((await stat('node-1'))?.status).toBe('UP');
    expect((await stat('node-2'))?.status).toBe('UP');

    const [node1] = nodes;
    if (!node1) throw new Error('node-1 was not started');
    node1.reply = 'drain\n';
    // HAProxy 2.6 shows an agent's drain as "DRAIN (agent)".
    await waitForStatus('node-1', /^DRAIN/);

    const landed = await Promise.all(
      Array.from({ length: 20 }, () => connectThrough(running.wsUrl, clients)),
    );
    expect(landed).toEqual(Array.from({ length: 20 }, () => 'node-2'));
    expect((await stat('node-2'))?.currentSessions).toBe(20);
    expect((await stat('node-1'))?.currentSessions).toBe(0);

    // Only "ready" clears a drain; "up" alone would leave node-1 in DRAIN.
    node1.reply = 'ready up 100%\n';
    await waitForStatus('node-1', /^UP$/);
    const afterReady = await Promise.all(
      Array.from({ length: 10 }, () => connectThrough(running.wsUrl, clients)),
    );
    expect(afterReady).toContain('node-1');
    expect(checkErrors.every((error) => (error as NodeJS.ErrnoException).code === 'ECONNRESET')).toBe(true);
  });

  it('takes the weight from the agent-check percentage', async () => {
    await waitForStatus('node-1', /^UP$/);
    expect((await stat('node-1'))?.weight).toBe(100);
    const [node1] = nodes;
    if (!node1) throw new Error('node-1 was not started');
    node1.reply = 'ready up 50%\n';
    await waitFor(
      async () => (await stat('node-1'))?.weight === 50,
      'node-1 weight 50',
      STATE_CHANGE_TIMEOUT_MS,
      50,
    );
    expect((await stat('node-1'))?.status).toBe('UP');
    expect((await stat('node-2'))?.weight).toBe(100);
  });

  it('answers runtime API commands and stops cleanly, twice', async () => {
    const running = haproxy as RunningHaproxy;
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.wsUrl).toBe(`${running.url.replace('http:', 'ws:')}/ws`);
    expect(await running.command('show info')).toMatch(/^Name: HAProxy$/m);
    await expect(running.command('show info\nshutdown frontend fleet')).rejects.toThrow(TypeError);
    await running.stop();
    await running.stop();
    await expect(running.command('show info')).rejects.toThrow();
  });
});
