/**
 * The reference node: an HTTP server with a `ws` endpoint at /ws speaking a small JSON
 * pub/sub protocol, `/healthz`, and the Fleetdeck agent embedded the way a user would.
 *
 * Client → node: {"op":"sub","channel":C} · {"op":"unsub","channel":C} · {"op":"pub","channel":C,"data":D}
 * Node → client: {"op":"welcome","node":ID} · {"op":"msg","channel":C,"data":D} · {"op":"error","message":M}
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { closeWebSocketServer } from '../agent/close-server.js';
import { type Agent, createAgent } from '../agent/index.js';

/** Options for {@link startNodeServer}. */
export interface NodeServerOptions {
  readonly nodeId: string;
  readonly token: string;
  readonly readToken?: string;
  readonly host?: string;
  /** Public port; 0 picks a free one. */
  readonly port?: number;
  /** Agent admin port; 0 picks a free one. */
  readonly adminPort?: number;
  /** HAProxy agent-check port; 0 picks a free one; absent: no agent-check. */
  readonly agentCheckPort?: number;
  readonly intervalMs?: number;
  readonly labels?: Record<string, string>;
}

/** A running reference node. */
export interface NodeServer {
  readonly agent: Agent;
  /** WebSocket URL clients connect to. */
  readonly url: string;
  /** Base HTTP URL (for /healthz). */
  readonly httpUrl: string;
  /** The agent's admin endpoint. */
  readonly adminUrl: string;
  /** The agent-check port, when enabled. */
  readonly agentCheckPort: number | null;
  close(): Promise<void>;
}

const MAX_CHANNEL_LENGTH = 200;
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** A tiny in-node pub/sub: channel → local subscribers, reported to the agent. */
class LocalChannels {
  private readonly subscribers = new Map<string, Set<WebSocket>>();
  private readonly bySocket = new WeakMap<WebSocket, Set<string>>();

  constructor(private readonly agent: Agent) {}

  subscribe(socket: WebSocket, channel: string): void {
    const sockets = this.subscribers.get(channel) ?? new Set<WebSocket>();
    if (sockets.has(socket)) return;
    this.subscribers.set(channel, sockets.add(socket));
    this.agent.channels.subscribed(channel, 1);
    const channels = this.bySocket.get(socket) ?? new Set<string>();
    this.bySocket.set(socket, channels.add(channel));
  }

  unsubscribe(socket: WebSocket, channel: string): void {
    const sockets = this.subscribers.get(channel);
    if (!sockets?.delete(socket)) return;
    this.agent.channels.subscribed(channel, -1);
    if (sockets.size === 0) this.subscribers.delete(channel);
    this.bySocket.get(socket)?.delete(channel);
  }

  dropSocket(socket: WebSocket): void {
    for (const channel of this.bySocket.get(socket) ?? []) this.unsubscribe(socket, channel);
    this.bySocket.delete(socket);
  }

  publish(channel: string, text: string): void {
    const bytes = Buffer.byteLength(text);
    this.agent.channels.published(channel, bytes);
    let recipients = 0;
    for (const socket of this.subscribers.get(channel) ?? []) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(text);
        recipients++;
      }
    }
    if (recipients > 0) this.agent.channels.delivered(channel, recipients, bytes * recipients);
  }
}

function handleClientMessage(socket: WebSocket, data: RawData, channels: LocalChannels): void {
  let message: { op?: unknown; channel?: unknown; data?: unknown };
  try {
    message = JSON.parse(data.toString());
  } catch {
    return socket.send(JSON.stringify({ op: 'error', message: 'messages must be JSON' }));
  }
  const channel = message?.channel;
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_LENGTH) {
    return socket.send(
      JSON.stringify({ op: 'error', message: 'channel must be a string of 1–200 characters' }),
    );
  }
  switch (message.op) {
    case 'sub':
      return channels.subscribe(socket, channel);
    case 'unsub':
      return channels.unsubscribe(socket, channel);
    case 'pub':
      return channels.publish(channel, JSON.stringify({ op: 'msg', channel, data: message.data ?? null }));
    default:
      socket.send(JSON.stringify({ op: 'error', message: 'op must be sub, unsub or pub' }));
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts a reference node and resolves once both its public and admin ports listen. */
export async function startNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const host = options.host ?? '127.0.0.1';
  const agent = createAgent({
    nodeId: options.nodeId,
    token: options.token,
    ...(options.readToken ? { readToken: options.readToken } : {}),
    ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
    labels: { role: 'reference-node', ...options.labels },
    version: '0.1.0',
    admin: { host, port: options.adminPort ?? 0 },
    ...(options.agentCheckPort !== undefined ? { agentCheck: { host, port: options.agentCheckPort } } : {}),
  });
  const channels = new LocalChannels(agent);
  const http = createServer((request, response) => {
    if (request.url === '/healthz') return agent.healthHandler(request, response);
    if (request.url === '/metrics') return agent.metricsHandler(request, response);
    response
      .writeHead(404, { 'Content-Type': 'text/plain' })
      .end('Fleetdeck reference node: WebSocket at /ws\n');
  });
  const wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  agent.attach(wss);
  wss.on('connection', (socket) => {
    socket.on('error', () => socket.terminate());
    socket.on('message', (data) => handleClientMessage(socket, data, channels));
    socket.on('close', () => channels.dropSocket(socket));
    socket.send(JSON.stringify({ op: 'welcome', node: options.nodeId }));
  });

  try {
    const [address, admin] = await Promise.all([listen(http, options.port ?? 0, host), agent.ready()]);
    let closing: Promise<void> | null = null;
    return {
      agent,
      url: `ws://${host}:${address.port}/ws`,
      httpUrl: `http://${host}:${address.port}`,
      adminUrl: `ws://${host}:${admin?.port}`,
      agentCheckPort: agent.agentCheckAddress()?.port ?? null,
      close: () => {
        closing ??= (async () => {
          await agent.close();
          await closeWebSocketServer(wss, 1001, 'node shutting down');
          http.closeAllConnections();
          await new Promise<void>((resolve) => http.close(() => resolve()));
        })();
        return closing;
      },
    };
  } catch (error) {
    await agent.close();
    http.close();
    throw error;
  }
}
