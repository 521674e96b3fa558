/**
 * The admin endpoint: a WebSocket on its own (internal) port. Bearer-token auth decides
 * the role; samples go to every authenticated client; commands come back. Nothing a
 * client sends can throw into the host: every frame is validated, every error is a reply.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { closeWebSocketServer } from './close-server.js';
import { countingWebSocketClass } from './integrations/ws.js';
import {
  type AgentFrame,
  type CommandFrame,
  encodeFrame,
  MAX_FRAME_BYTES,
  parseConsoleFrame,
  type ReplyFrame,
  type Role,
} from './protocol.js';

/** A slow console gets fewer samples, not more memory: skip it above this many queued bytes. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Failed auth attempts allowed per address per window before it is refused outright. */
const MAX_AUTH_FAILURES = 20;
const AUTH_WINDOW_MS = 60_000;
/** Bound on the number of addresses the rate limiter remembers. */
const MAX_TRACKED_ADDRESSES = 1024;

/** What the admin server needs from the agent. */
export interface AdminServerHooks {
  /** The role a bearer token grants, or null. */
  authenticate(token: string): Role | null;
  /** The hello frame for a newly authenticated client. */
  hello(role: Role): AgentFrame;
  /** Runs a command from an `operate` client; resolves to the reply's result. */
  execute(command: CommandFrame): Promise<unknown>;
  /** Counts an error caught at this boundary. */
  countError(error: unknown): void;
}

/** Compares secrets in constant time, whatever their lengths. */
export function secretEquals(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function bearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function remoteAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

/**
 * A frame as the UTF-8 bytes of its JSON, to send as a text frame. `ws` writes a string
 * payload to the TCP socket as a string, and the host's own sends are almost always Buffers:
 * the first sample written as a string deoptimized Node's stream code, which the host's
 * traffic runs through too, into handling both kinds of chunk from then on (agent/README.md,
 * "Cost").
 */
function frameBytes(frame: AgentFrame): Buffer {
  return Buffer.from(encodeFrame(frame));
}

function sendText(client: WebSocket, payload: Buffer): void {
  client.send(payload, { binary: false });
}

function refuseUpgrade(socket: Duplex, status: string, extraHeaders = ''): void {
  const body = `${status}\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extraHeaders}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The admin WebSocket endpoint. */
export class AdminServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly roles = new WeakMap<WebSocket, Role>();
  private readonly authFailures = new Map<string, { count: number; since: number }>();
  private closed = false;

  constructor(private readonly hooks: AdminServerHooks) {
    this.http = createServer((_request, response) => {
      response.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      response.end(
        'This is a Fleetdeck agent admin endpoint: connect with a WebSocket and a bearer token.\n',
      );
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      clientTracking: true,
      // The host's sockets' class (uncounted here: no tracker), so every socket has one shape.
      WebSocket: countingWebSocketClass(WebSocket),
    });
    this.http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    this.http.on('clientError', (_error, socket) => socket.destroy());
  }

  /** Starts listening; resolves with the bound address. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        this.http.on('error', (error) => this.hooks.countError(error));
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /** The bound address, or null before listening. */
  address(): AddressInfo | null {
    const address = this.http.address();
    return address !== null && typeof address === 'object' ? address : null;
  }

  /** Number of authenticated admin clients. */
  get clientCount(): number {
    return this.wss.clients.size;
  }

  /** Sends a frame to every client that is keeping up; encoded once, and only if one is. */
  broadcast(frame: AgentFrame): void {
    let payload: Buffer | null = null;
    for (const client of this.wss.clients) {
      if (client.readyState === WebSocket.OPEN && client.bufferedAmount <= MAX_BUFFERED_BYTES) {
        payload ??= frameBytes(frame);
        sendText(client, payload);
      }
    }
  }

  /** Stops accepting, closes every client (1001) and the port. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeWebSocketServer(this.wss, 1001, 'agent closing');
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private isRateLimited(address: string, now: number): boolean {
    const entry = this.authFailures.get(address);
    if (!entry || now - entry.since > AUTH_WINDOW_MS) return false;
    return entry.count >= MAX_AUTH_FAILURES;
  }

  private recordAuthFailure(address: string, now: number): void {
    const entry = this.authFailures.get(address);
    if (entry && now - entry.since <= AUTH_WINDOW_MS) {
      entry.count++;
      return;
    }
    if (this.authFailures.size >= MAX_TRACKED_ADDRESSES) {
      // Memory stays bounded: forget an expired entry, else the oldest (Map keeps insertion order).
      let victim: string | undefined;
      for (const [known, failures] of this.authFailures) {
        victim ??= known;
        if (now - failures.since > AUTH_WINDOW_MS) {
          victim = known;
          break;
        }
      }
      if (victim !== undefined) this.authFailures.delete(victim);
    }
    this.authFailures.delete(address);
    this.authFailures.set(address, { count: 1, since: now });
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.hooks.countError(error));
    if (this.closed) return refuseUpgrade(socket, '503 Service Unavailable');
    const now = Date.now();
    // The address is read only while the limiter has something to look up or record: reading
    // `remoteAddress` caches it on the socket as a property the host's sockets lack, and Node's
    // stream code, which the host's traffic runs through too, then has two shapes of socket to
    // handle (agent/README.md, "Cost").
    let address: string | null = null;
    if (this.authFailures.size > 0) {
      address = remoteAddress(request);
      if (this.isRateLimited(address, now))
        return refuseUpgrade(socket, '429 Too Many Requests', 'Retry-After: 60\r\n');
    }
    const token = bearerToken(request);
    const role = token === null ? null : this.hooks.authenticate(token);
    if (role === null) {
      this.recordAuthFailure(address ?? remoteAddress(request), now);
      return refuseUpgrade(
        socket,
        '401 Unauthorized',
        'WWW-Authenticate: Bearer realm="fleetdeck-agent"\r\n',
      );
    }
    this.wss.handleUpgrade(request, socket, head, (client) => this.accept(client, role));
  }

  private accept(client: WebSocket, role: Role): void {
    this.roles.set(client, role);
    client.on('error', (error) => this.hooks.countError(error));
    client.on('message', (data, isBinary) => {
      // Defence in depth: whatever a client sends, nothing may throw into ws's parser (and the host).
      try {
        this.receive(client, data, isBinary);
      } catch (error) {
        this.hooks.countError(error);
        this.reply(client, {
          type: 'reply',
          id: null,
          ok: false,
          error: { code: 'internal', message: 'the agent could not process that frame' },
        });
      }
    });
    sendText(client, frameBytes(this.hooks.hello(role)));
  }

  private reply(client: WebSocket, frame: ReplyFrame): void {
    if (client.readyState === WebSocket.OPEN) sendText(client, frameBytes(frame));
  }

  private receive(client: WebSocket, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      return this.reply(client, {
        type: 'reply',
        id: null,
        ok: false,
        error: { code: 'bad-frame', message: 'frames must be JSON text, not binary' },
      });
    }
    const parsed = parseConsoleFrame(data.toString());
    if (!parsed.ok) {
      return this.reply(client, {
        type: 'reply',
        id: parsed.id,
        ok: false,
        error: { code: parsed.code, message: parsed.message },
      });
    }
    const command = parsed.frame;
    if (this.roles.get(client) !== 'operate') {
      return this.reply(client, {
        type: 'reply',
        id: command.id,
        ok: false,
        error: {
          code: 'forbidden',
          message: `the read role may not run "${command.name}"; use the operate token`,
        },
      });
    }
    this.hooks.execute(command).then(
      (result) => this.reply(client, { type: 'reply', id: command.id, ok: true, result: result ?? null }),
      (error: unknown) => {
        const known = error instanceof CommandError;
        if (!known) this.hooks.countError(error);
        this.reply(client, {
          type: 'reply',
          id: command.id,
          ok: false,
          error: known
            ? { code: error.code, message: error.message }
            : { code: 'internal', message: `"${command.name}" failed inside the agent` },
        });
      },
    );
  }
}

/** A command refused for a reason the console should see verbatim. */
export class CommandError extends Error {
  constructor(
    readonly code: 'bad-args' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}
