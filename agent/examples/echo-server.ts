/**
 * An HTTP + WebSocket echo server with the Fleetdeck agent embedded. Clients use port 8080 (or
 * PORT), balancers probe /healthz, Prometheus scrapes /metrics, the console links to the admin
 * endpoint on 127.0.0.1:9400. examples/sse-and-drain.ts adds SSE, channels and a drain on SIGTERM.
 *   FLEETDECK_TOKEN=<16+ characters> [FLEETDECK_READ_TOKEN=…] npx tsx agent/examples/echo-server.ts
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { createAgent } from '../index.js';

const token = process.env.FLEETDECK_TOKEN;
if (!token) throw new Error('set FLEETDECK_TOKEN (at least 16 characters)');

const agent = createAgent({ nodeId: 'echo-1', token, readToken: process.env.FLEETDECK_READ_TOKEN });
agent.on('error', (error) => console.error(`agent: ${error.message}`));

const server = createServer((request, response) => {
  if (request.url === '/healthz') return agent.healthHandler(request, response);
  if (request.url === '/metrics') return agent.metricsHandler(request, response);
  response.writeHead(404).end();
});
const wss = new WebSocketServer({ server });
agent.attach(wss);
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

server.listen(Number(process.env.PORT ?? 8080), () => console.log('echo server listening'));
agent.ready().then(
  (address) => console.log(`admin endpoint on ${address?.address}:${address?.port}`),
  (error: Error) => console.error(`agent: ${error.message}`),
);

process.once('SIGINT', async () => {
  for (const client of wss.clients) client.close(1001, 'shutting down');
  await agent.close();
  wss.close();
  server.close();
});
