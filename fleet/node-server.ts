/**
 * The reference node: an HTTP server with a `ws` endpoint at /ws and an SSE fallback,
 * sharing pub/sub channels through a broker, with the Fleetdeck agent embedded the way a
 * user would embed it. It is also our reference for how to embed the agent.
 *
 *   GET  /ws                      WebSocket: JSON messages of fleet/node/client-protocol.ts
 *   GET  /sse?channels=a,b&since=a:5,b:7   Server-Sent Events: the same messages as `data:`
 *   POST /publish {channel, data} publish (the SSE client's way to send); answers {seq}
 *   GET  /healthz                 200 active, 503 draining or drained
 *   GET  /metrics                 Prometheus text
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { closeWebSocketServer } from '../agent/close-server.js';
import { type Agent, createAgent } from '../agent/index.js';
import type { AgentCheckWeightOptions } from '../agent/integrations/haproxy-agent-check.js';
import type { Broker } from './broker/broker.js';
import { createMemoryBroker } from './broker/memory-broker.js';
import { ChannelHub, type Subscriber } from './node/channel-hub.js';
import {
  MAX_CHANNEL_LENGTH,
  MAX_CLIENT_MESSAGE_BYTES,
  parseClientMessage,
  type ServerMessage,
  validateClientMessage,
} from './node/client-protocol.js';

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
  /** How the agent-check turns load into a weight (only with `agentCheckPort`); default: the agent's. */
  readonly agentCheckWeight?: Partial<AgentCheckWeightOptions>;
  readonly intervalMs?: number;
  readonly labels?: Record<string, string>;
  /** The broker; default: an in-process one (this node alone). The node closes it on close(). */
  readonly broker?: Broker;
}

/** A running reference node. */
export interface NodeServer {
  readonly agent: Agent;
  /** WebSocket URL clients connect to. */
  readonly url: string;
  /** Base HTTP URL (for /healthz, /sse, /publish). */
  readonly httpUrl: string;
  /** The agent's admin endpoint. */
  readonly adminUrl: string;
  /** The agent-check port, when enabled. */
  readonly agentCheckPort: number | null;
  close(): Promise<void>;
}

/** SSE keep-alive comment interval: proxies drop idle streams. */
const SSE_KEEPALIVE_MS = 15_000;
/** Most channels one SSE connection may ask for. */
const MAX_SSE_CHANNELS = 64;

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    .end(JSON.stringify(body));
}

/** `since=a:5,b:7` → Map; bad entries are an error string. */
function parseSse(url: URL): { channels: string[]; since: Map<string, number> } | string {
  const channels = (url.searchParams.get('channels') ?? '').split(',').filter((name) => name.length > 0);
  if (channels.length === 0 || channels.length > MAX_SSE_CHANNELS)
    return `channels: 1–${MAX_SSE_CHANNELS} names`;
  if (channels.some((name) => name.length > MAX_CHANNEL_LENGTH))
    return 'channel names are at most 200 characters';
  const since = new Map<string, number>();
  for (const entry of (url.searchParams.get('since') ?? '').split(',').filter(Boolean)) {
    const at = entry.lastIndexOf(':');
    const seq = Number(entry.slice(at + 1));
    if (at <= 0 || !Number.isSafeInteger(seq) || seq < 0)
      return `since: "channel:seq" pairs (bad: ${entry.slice(0, 80)})`;
    since.set(entry.slice(0, at), seq);
  }
  return { channels, since };
}

async function readBody(request: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CLIENT_MESSAGE_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts a reference node and resolves once its public and admin ports listen. */
export async function startNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const host = options.host ?? '127.0.0.1';
  const broker = options.broker ?? createMemoryBroker({ nodeId: options.nodeId });
  const subscribers = new Map<WebSocket, Subscriber>();
  const agent = createAgent({
    nodeId: options.nodeId,
    token: options.token,
    ...(options.readToken ? { readToken: options.readToken } : {}),
    ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
    labels: { role: 'reference-node', broker: broker.kind, ...options.labels },
    version: '0.1.0',
    admin: { host, port: options.adminPort ?? 0 },
    ...(options.agentCheckPort !== undefined
      ? {
          agentCheck: {
            host,
            port: options.agentCheckPort,
            ...(options.agentCheckWeight ? { weight: options.agentCheckWeight } : {}),
          },
        }
      : {}),
    // Tell each client, before the agent closes it for a drain, to come back through the balancer.
    beforeClose: (connection, context) => {
      const subscriber = connection instanceof WebSocket ? subscribers.get(connection) : undefined;
      subscriber?.send({ op: 'moving', code: context.code, reason: context.reason });
    },
  });
  const reportBroker = (status: string) =>
    agent.dependency('broker', status === 'up', `${broker.kind} ${status}`);
  reportBroker(broker.status);
  const stopBrokerStatus = broker.onStatus(reportBroker);
  const hub = new ChannelHub(broker, agent);

  const publish = async (channel: string, data: unknown, bytes: number) => hub.publish(channel, data, bytes);

  const serveSse = (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const parsed = parseSse(url);
    if (typeof parsed === 'string') return json(response, 400, { error: parsed });
    if (agent.state !== 'active') {
      response.writeHead(503, { 'Retry-After': '5', 'Content-Type': 'text/plain' }).end('node draining\n');
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    response.socket?.setNoDelay(true);
    const write = (text: string) => {
      if (response.writableEnded) return;
      const frame = `data: ${text}\n\n`;
      response.write(frame);
      tracked.sent(Buffer.byteLength(frame));
    };
    const subscriber: Subscriber = {
      send: (message: ServerMessage) => write(JSON.stringify(message)),
      sendEncoded: write,
    };
    const tracked = agent.track(
      {
        close: (code, reason) => {
          subscriber.send({ op: 'moving', code, reason });
          response.end();
        },
      },
      { transport: 'sse' },
    );
    const keepAlive = setInterval(() => response.write(':\n\n'), SSE_KEEPALIVE_MS);
    request.on('close', () => {
      clearInterval(keepAlive);
      hub.drop(subscriber);
      tracked.closed();
    });
    subscriber.send({ op: 'welcome', node: options.nodeId, transport: 'sse' });
    for (const channel of parsed.channels) void hub.subscribe(subscriber, channel, parsed.since.get(channel));
  };

  const servePublish = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    if (body === null)
      return json(response, 413, { error: `body larger than ${MAX_CLIENT_MESSAGE_BYTES} bytes` });
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return json(response, 400, { error: 'POST /publish takes JSON {channel, data}' });
    }
    const message = validateClientMessage({ ...(value as object), op: 'pub' });
    if (typeof message === 'string' || message.op !== 'pub') return json(response, 400, { error: message });
    try {
      json(response, 200, { seq: await publish(message.channel, message.data, Buffer.byteLength(body)) });
    } catch (error) {
      json(response, 503, { error: `broker unavailable: ${(error as Error).message}` });
    }
  };

  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://node');
    if (url.pathname === '/healthz') return agent.healthHandler(request, response);
    if (url.pathname === '/metrics') return agent.metricsHandler(request, response);
    if (url.pathname === '/sse' && request.method === 'GET') return serveSse(request, response, url);
    if (url.pathname === '/publish' && request.method === 'POST') {
      servePublish(request, response).catch(() => response.destroy());
      return;
    }
    response
      .writeHead(404, { 'Content-Type': 'text/plain' })
      .end('Fleetdeck reference node: WebSocket at /ws, SSE at /sse\n');
  });
  const wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  agent.attach(wss);
  wss.on('connection', (socket) => {
    const subscriber: Subscriber = {
      send: (message) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      },
      sendEncoded: (text) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
      },
    };
    subscribers.set(socket, subscriber);
    socket.on('error', () => socket.terminate());
    socket.on('message', (data: RawData) => {
      const text = data.toString();
      const message = parseClientMessage(text);
      if (typeof message === 'string') return subscriber.send({ op: 'error', message });
      switch (message.op) {
        case 'sub':
          return void hub.subscribe(subscriber, message.channel, message.since);
        case 'unsub':
          return hub.unsubscribe(subscriber, message.channel);
        case 'pub':
          publish(message.channel, message.data, Buffer.byteLength(text)).then(
            (seq) => message.id !== undefined && subscriber.send({ op: 'ack', id: message.id, seq }),
            (error: Error) =>
              subscriber.send({
                op: 'error',
                message: `broker unavailable: ${error.message}`,
                ...(message.id !== undefined ? { id: message.id } : {}),
              }),
          );
      }
    });
    socket.on('close', () => {
      hub.drop(subscriber);
      subscribers.delete(socket);
    });
    subscriber.send({ op: 'welcome', node: options.nodeId, transport: 'websocket' });
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
          stopBrokerStatus();
          hub.dispose();
          await broker.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await agent.close();
    http.close();
    await broker.close();
    throw error;
  }
}
