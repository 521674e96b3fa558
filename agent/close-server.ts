/** Closing a WebSocket server without letting an unresponsive peer hold it open. */
import type { WebSocketServer } from 'ws';

/**
 * Sends every client a close frame, gives them `graceMs` to answer, terminates the rest,
 * then closes the server. ws's own `close()` would wait for every client (up to 30 s each).
 */
export async function closeWebSocketServer(
  server: WebSocketServer,
  code: number,
  reason: string,
  graceMs = 1_000,
): Promise<void> {
  const clients = [...server.clients];
  const closed = clients.map(
    (client) => new Promise<void>((resolve) => client.once('close', () => resolve())),
  );
  for (const client of clients) client.close(code, reason);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(closed),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
  ]);
  clearTimeout(timer);
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
