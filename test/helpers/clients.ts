/** Real `ws` clients for tests: open many, close them all. */
import { type ClientRequest, get } from 'node:http';
import { WebSocket } from 'ws';

/** Opens `count` clients to `url` and resolves when all are open. */
export async function openClients(url: string, count: number): Promise<WebSocket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
}

/** Closes clients (with `code`) and resolves once every close handshake ends. */
export async function closeClients(sockets: WebSocket[], code = 1000): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close(code);
        }),
    ),
  );
}

/** Connects to an agent's admin endpoint and collects every frame it sends. */
export function adminClient(url: string, token?: string) {
  const frames: Array<Record<string, unknown>> = [];
  const socket = new WebSocket(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  socket.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
  return { socket, frames, opened };
}

/** An SSE client on Node's http: collects `data:` lines, resolves `ended` when the stream ends. */
export function sseClient(url: string) {
  const events: string[] = [];
  let request: ClientRequest | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    request = get(url, (response) => {
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          events.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      resolve();
    });
    request.on('error', reject);
  });
  const ended = opened.then(() => new Promise<void>((resolve) => request?.once('close', () => resolve())));
  return { events, opened, ended, destroy: () => request?.destroy() };
}
