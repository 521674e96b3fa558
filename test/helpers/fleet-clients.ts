/** Clients of the reference fleet's protocol (fleet/node/client-protocol.ts) for tests. */
import { type ClientRequest, request } from 'node:http';
import { WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from '../../fleet/node/client-protocol.js';

/** A WebSocket client that records every server message from the first one on. */
export function wsFleetClient(url: string) {
  const received: ServerMessage[] = [];
  const socket = new WebSocket(url);
  // Listen before 'open': the welcome can arrive in the same read as the handshake.
  socket.on('message', (data) => received.push(JSON.parse(data.toString()) as ServerMessage));
  socket.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  return {
    socket,
    received,
    opened,
    closed,
    send: (message: ClientMessage) => socket.send(JSON.stringify(message)),
    messages: (channel: string) =>
      received.filter(
        (message): message is Extract<ServerMessage, { op: 'msg' }> =>
          message.op === 'msg' && message.channel === channel,
      ),
  };
}

/** An SSE client of /sse that parses each `data:` event. */
export function sseFleetClient(httpUrl: string, channels: string[], since: Record<string, number> = {}) {
  const received: ServerMessage[] = [];
  const query = new URLSearchParams({ channels: channels.join(',') });
  const sinceText = Object.entries(since)
    .map(([channel, seq]) => `${channel}:${seq}`)
    .join(',');
  if (sinceText) query.set('since', sinceText);
  let req: ClientRequest | undefined;
  let status = 0;
  const ended = new Promise<void>((resolve) => {
    req = request(`${httpUrl}/sse?${query}`, (response) => {
      status = response.statusCode ?? 0;
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event.startsWith('data: ')) received.push(JSON.parse(event.slice(6)) as ServerMessage);
        }
      });
      response.on('close', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
  return {
    received,
    ended,
    status: () => status,
    destroy: () => req?.destroy(),
    messages: (channel: string) =>
      received.filter(
        (message): message is Extract<ServerMessage, { op: 'msg' }> =>
          message.op === 'msg' && message.channel === channel,
      ),
  };
}

/** POST /publish; resolves with the status and body. */
export async function publishOverHttp(httpUrl: string, channel: string, data: unknown) {
  const response = await fetch(`${httpUrl}/publish`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, data }),
  });
  return { status: response.status, body: (await response.json()) as { seq?: number; error?: string } };
}
