/** HAProxy's view of the `nodes` backend, and clients that record which node welcomed them. */
import { WebSocket } from 'ws';
import type { HaproxyStat, RunningHaproxy } from '../../fleet/balancer/haproxy.js';
import { waitFor } from './wait.js';

/** The `show stat` row of one server of the `nodes` backend, or undefined. */
export async function backendRow(haproxy: RunningHaproxy, id: string): Promise<HaproxyStat | undefined> {
  return (await haproxy.showStat()).find((row) => row.proxy === 'nodes' && row.server === id);
}

/** Every server row of the `nodes` backend, by id. */
export async function backendRows(haproxy: RunningHaproxy): Promise<Map<string, HaproxyStat>> {
  const rows = (await haproxy.showStat()).filter(
    (row) => row.proxy === 'nodes' && row.server !== 'BACKEND' && row.server !== 'FRONTEND',
  );
  return new Map(rows.map((row) => [row.server, row]));
}

/** Waits until every listed server is UP (health check and agent-check both answered). */
export function waitForAllUp(haproxy: RunningHaproxy, ids: readonly string[], timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const rows = await backendRows(haproxy);
      return ids.every((id) => rows.get(id)?.status === 'UP') ? rows : null;
    },
    `${ids.join(', ')} UP in HAProxy`,
    timeoutMs,
    100,
  );
}

/**
 * Opens one WebSocket and resolves with the node id of its welcome. The 'message' listener
 * is attached right after construction: the welcome can come in the same read as the 101.
 */
export function connectAndWelcome(url: string, sockets: WebSocket[], timeoutMs = 10_000): Promise<string> {
  const socket = new WebSocket(url);
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no welcome within ${timeoutMs} ms`)), timeoutMs);
    socket.once('message', (data) => {
      clearTimeout(timer);
      const message = JSON.parse(data.toString()) as { op?: string; node?: unknown };
      if (message.op === 'welcome' && typeof message.node === 'string') resolve(message.node);
      else reject(new Error(`expected a welcome, got ${data.toString().slice(0, 200)}`));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Counts how many of `nodes` went to each id (every id of `ids` present, 0 if none). */
export function countByNode(nodes: readonly string[], ids: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const node of nodes) counts[node] = (counts[node] ?? 0) + 1;
  return counts;
}
