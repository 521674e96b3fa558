/**
 * Web mode: the same console API as the Electron bridge, over one WebSocket, plus the
 * built renderer as static files, on loopback only. A random session token guards the API;
 * the Host check stops DNS-rebinding pages from reaching it through a browser.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type RequestName,
  WEB_API_PATH,
  type WebClientMessage,
  type WebServerMessage,
} from '../common/console-api.js';
import type { ConsoleBackend } from '../core/console-host.js';

/** Options for {@link startWebServer}. */
export interface WebServerOptions {
  /** What to serve: the console host (or, in tests and benches, anything with the same shape). */
  readonly service: ConsoleBackend;
  /** Folder with the built renderer (index.html and assets/). */
  readonly staticDir: string;
  /** Loopback address to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Session token; default: 32 random bytes. */
  readonly token?: string;
}

/** A running web-mode console. */
export interface WebServer {
  /** The URL to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Close code sent when the session token is wrong (the 4000s are the application's). */
export const CLOSE_BAD_TOKEN = 4401;
/** A browser that cannot keep up gets a fresh snapshot later instead of an ever-growing queue. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_REQUEST_BYTES = 64 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function tokenEquals(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function isRequestName(value: unknown, handlers: ConsoleBackend['handlers']): value is RequestName {
  return typeof value === 'string' && Object.hasOwn(handlers, value);
}

/** Starts the web-mode console and resolves once it listens. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  const { service } = options;
  let port = 0;

  const allowedHost = (request: IncomingMessage) =>
    request.headers.host === `${host}:${port}` || request.headers.host === `localhost:${port}`;

  const serveStatic = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    }
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const relative = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^([/\\])+/, '');
    const file = join(options.staticDir, relative);
    if (!file.startsWith(options.staticDir + sep)) return response.writeHead(403).end();
    try {
      const body = await readFile(file);
      const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
      response.writeHead(200, {
        'Content-Type': type,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        ...(type.startsWith('text/html') ? { 'Content-Security-Policy': CSP } : {}),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  };

  const http = createServer((request, response) => {
    if (!allowedHost(request))
      return response.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong host\n');
    serveStatic(request, response).catch(() => response.destroy());
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });

  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://x');
    const origin = request.headers.origin;
    const sameOrigin =
      origin === undefined || origin === `http://${host}:${port}` || origin === `http://localhost:${port}`;
    if (url.pathname !== WEB_API_PATH || !allowedHost(request) || !sameOrigin) {
      return socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    const authorized = tokenEquals(url.searchParams.get('token') ?? '', token);
    wss.handleUpgrade(request, socket, head, (client) => {
      // Accept, then close with a code the page can read: browsers hide HTTP statuses of failed upgrades.
      if (!authorized) return client.close(CLOSE_BAD_TOKEN, 'invalid session token');
      serveClient(client);
    });
  });

  const serveClient = (client: WebSocket) => {
    let missedDeltas = false;
    const send = (message: WebServerMessage) => client.send(JSON.stringify(message));
    const unsubscribe = service.subscribe((delta) => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
        missedDeltas = true;
        return;
      }
      // After skipping, a delta would not apply: send the whole state instead.
      const payload = missedDeltas ? (service.resetDelta() ?? delta) : delta;
      missedDeltas = false;
      send({ type: 'event', name: 'fleetDelta', payload });
    });
    client.on('error', () => client.terminate());
    client.on('close', unsubscribe);
    client.on('message', (data) => {
      let message: Partial<WebClientMessage>;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return client.close(1007, 'requests must be JSON');
      }
      const id = message.id;
      if (message.type !== 'request' || typeof id !== 'number')
        return client.close(1008, 'malformed request');
      if (!isRequestName(message.method, service.handlers) || !Array.isArray(message.args)) {
        return send({ type: 'response', id, ok: false, error: `unknown method ${String(message.method)}` });
      }
      const handler = service.handlers[message.method] as (...args: unknown[]) => Promise<unknown>;
      handler(...message.args).then(
        (result) => client.readyState === WebSocket.OPEN && send({ type: 'response', id, ok: true, result }),
        (error: unknown) =>
          client.readyState === WebSocket.OPEN &&
          send({
            type: 'response',
            id,
            ok: false,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
    });
  };

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    close: () => {
      closing ??= (async () => {
        // Browsers answer a close frame at once; whoever does not is cut off, so close() never hangs.
        for (const client of wss.clients) client.close(1001, 'console closing');
        await new Promise((resolve) => setTimeout(resolve, wss.clients.size > 0 ? 200 : 0));
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      })();
      return closing;
    },
  };
}
