/** A host application for agent tests: HTTP + `ws` at /ws + an SSE endpoint, with the agent embedded. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { type Agent, type AgentOptions, createAgent } from '../../agent/index.js';

/** Tokens the test hosts use. */
export const HOST_TOKENS = { operate: 'operate-token-0123456789', read: 'read-token-0123456789ab' };

/** A running test host. */
export interface TestHost {
  readonly agent: Agent;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly adminUrl: string;
  close(): Promise<void>;
}

function serveSse(agent: Agent, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  const connection = agent.track(
    {
      // A drain ends the stream with a last event that carries the close code.
      close: (code, reason) => {
        response.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
      },
    },
    { transport: 'sse' },
  );
  const hello = 'data: {"op":"welcome"}\n\n';
  response.write(hello);
  connection.sent(Buffer.byteLength(hello));
  request.on('close', () => connection.closed());
}

/** Starts a host (echo over WebSocket, a welcome event over SSE) with an agent on free ports. */
export async function startTestHost(options: Partial<AgentOptions> = {}): Promise<TestHost> {
  const agent = createAgent({
    nodeId: 'host-1',
    token: HOST_TOKENS.operate,
    readToken: HOST_TOKENS.read,
    intervalMs: 100,
    admin: { port: 0 },
    ...options,
  });
  const http = createServer((request, response) => {
    if (request.url === '/healthz') return agent.healthHandler(request, response);
    if (request.url === '/events') return serveSse(agent, request, response);
    if (request.url === '/metrics') return agent.metricsHandler(request, response);
    response.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  agent.attach(wss);
  wss.on('connection', (socket) =>
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const admin = await agent.ready();
  return {
    agent,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    adminUrl: `ws://127.0.0.1:${admin?.port}`,
    async close() {
      await agent.close();
      for (const client of wss.clients) client.terminate();
      http.closeAllConnections();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
