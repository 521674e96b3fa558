// Rooms over WebSocket (/ws?room=R; text is published) and SSE (/events?room=R); SIGTERM drains at a
// pace, telling clients where to resume. FLEETDECK_TOKEN=<16+ chars> npx tsx agent/examples/sse-and-drain.ts
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { createAgent } from '../index.js';

type Member = { send(text: string): void }; // a ws socket, or the SSE object given to track()
const agent = createAgent({
  nodeId: 'node-1',
  token: process.env.FLEETDECK_TOKEN ?? '',
  beforeClose: (member) => (member as Member).send(JSON.stringify({ resume: 'wss://fleet.example.com/ws' })),
});
agent.on('error', (error) => console.error(`agent: ${error.message}`));
const rooms = new Map<string, Set<Member>>();
function join(room: string, member: Member): () => void {
  rooms.set(room, (rooms.get(room) ?? new Set()).add(member));
  agent.channels.subscribed(room, 1);
  return () => rooms.get(room)?.delete(member) && agent.channels.subscribed(room, -1);
}
function publish(room: string, text: string): void {
  const members = [...(rooms.get(room) ?? [])];
  for (const member of members) member.send(text); // attach() counts ws sends; SSE ones are counted below
  agent.channels.published(room, Buffer.byteLength(text));
  agent.channels.delivered(room, members.length, Buffer.byteLength(text) * members.length);
}
const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return agent.healthHandler(request, response);
  if (url.pathname === '/metrics') return agent.metricsHandler(request, response);
  if (url.pathname !== '/events') return response.writeHead(404).end();
  // attach() refuses ws upgrades while draining; track() refuses nothing, so refuse SSE here.
  if (agent.state !== 'active') return response.writeHead(503, { 'Retry-After': '5' }).end();
  response.writeHead(200, { 'Content-Type': 'text/event-stream' }).flushHeaders();
  const sse = {
    send(text: string) {
      response.write(`data: ${text}\n\n`);
      tracked.sent(Buffer.byteLength(text) + 8); // with the "data: " and "\n\n" framing
    },
    close: (code: number) => response.end(`event: close\ndata: ${code}\n\n`), // what drains call
  };
  const tracked = agent.track(sse, { transport: 'sse' });
  response.on('close', join(url.searchParams.get('room') ?? 'lobby', sse));
  response.on('close', () => tracked.closed()); // on every end, a drain's too: 'drained' waits for it
});
const wss = new WebSocketServer({ server, path: '/ws' });
agent.attach(wss);
wss.on('connection', (socket, request) => {
  const room = new URL(request.url ?? '/', 'http://localhost').searchParams.get('room') ?? 'lobby';
  socket.on('close', join(room, socket));
  socket.on('message', (data) => publish(room, data.toString()));
});
server.listen(Number(process.env.PORT ?? 8080));

process.once('SIGTERM', () => {
  agent.on('event', ({ name, data }) => {
    if (name === 'state' && data.to === 'drained') void agent.close().then(() => process.exit(0));
  });
  agent.drain({ deadlineMs: 30_000 }); // after the listener: with no client left, it drains at once
});
