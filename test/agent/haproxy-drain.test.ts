/**
 * Drain through the agent, seen by a real HAProxy: the agent's own agent-check port says
 * `drain`, HAProxy shows DRAIN within 3 s and sends new connections only to the other
 * nodes; undrain brings the server back UP. HAProxy must be installed (a missing binary
 * fails the test with "haproxy not found: apt-get install haproxy").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type RunningHaproxy, startHaproxy } from '../../fleet/balancer/haproxy.js';
import { type NodeServer, startNodeServer } from '../../fleet/node-server.js';
import { adminClient, closeClients } from '../helpers/clients.js';
import { TEST_TOKENS } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

function welcomedBy(url: string, sockets: WebSocket[]): Promise<string> {
  const socket = new WebSocket(url);
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    // Listen before 'open': the welcome can arrive in the same read as the handshake.
    socket.once('message', (data) => resolve((JSON.parse(data.toString()) as { node: string }).node));
    socket.once('error', reject);
  });
}

describe('agent drain behind HAProxy', () => {
  it('shows DRAIN within 3 s, routes new connections elsewhere, and comes back UP on undrain', async () => {
    const nodes: NodeServer[] = [];
    for (const nodeId of ['node-1', 'node-2', 'node-3']) {
      const node = await startNodeServer({
        nodeId,
        token: TEST_TOKENS.operate,
        adminPort: 0,
        agentCheckPort: 0,
      });
      disposers.push(() => node.close());
      nodes.push(node);
    }
    const haproxy: RunningHaproxy = await startHaproxy({
      servers: nodes.map((node, index) => ({
        id: `node-${index + 1}`,
        host: '127.0.0.1',
        port: Number(new URL(node.httpUrl).port),
        agentCheckPort: node.agentCheckPort as number,
      })),
      balance: 'custom',
      checkIntervalMs: 500,
    });
    disposers.push(() => haproxy.stop());
    const statusOf = async (server: string) =>
      (await haproxy.showStat()).find((row) => row.proxy === 'nodes' && row.server === server)?.status ?? '';
    await waitFor(
      async () => (await Promise.all(['node-1', 'node-2', 'node-3'].map(statusOf))).every((s) => s === 'UP'),
      'all UP',
      5_000,
    );

    // Drain node-2 through its agent's admin endpoint, as the console does.
    const console = adminClient(nodes[1]?.adminUrl as string, TEST_TOKENS.operate);
    disposers.push(() => console.socket.close());
    await console.opened;
    console.socket.send(
      JSON.stringify({ type: 'command', id: 'd', name: 'drain', args: { deadlineMs: 10_000 } }),
    );
    await waitFor(() => console.frames.find((frame) => frame.id === 'd'), 'the drain reply');
    const drainedAt = Date.now();
    await waitFor(async () => (await statusOf('node-2')).startsWith('DRAIN'), 'node-2 in DRAIN', 3_000);
    expect(Date.now() - drainedAt).toBeLessThanOrEqual(3_000);

    const sockets: WebSocket[] = [];
    disposers.push(() => closeClients(sockets));
    const landed = await Promise.all(Array.from({ length: 30 }, () => welcomedBy(haproxy.wsUrl, sockets)));
    expect(landed).not.toContain('node-2');
    expect(new Set(landed)).toEqual(new Set(['node-1', 'node-3']));

    console.socket.send(JSON.stringify({ type: 'command', id: 'u', name: 'undrain', args: {} }));
    await waitFor(async () => (await statusOf('node-2')) === 'UP', 'node-2 back UP', 3_000);
    const after = await Promise.all(Array.from({ length: 30 }, () => welcomedBy(haproxy.wsUrl, sockets)));
    expect(after).toContain('node-2');
  }, 30_000);
});
