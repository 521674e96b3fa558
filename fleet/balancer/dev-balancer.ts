/**
 * A small balancer built into the reference fleet, for development machines without HAProxy.
 * Development only: one Node process, no retries, no TLS, no HTTP/2, loopback by default.
 * Production and the integration tests that check HAProxy's behaviour use fleet/balancer/haproxy.ts.
 *
 * How it mirrors the HAProxy configuration that haproxy.ts renders (`mode http`, one backend `nodes`):
 * - WebSocket upgrades (any path) become TCP tunnels, as HAProxy's do after the 101; a tunnel counts
 *   as one current session of its server until either side closes.
 * - Other HTTP requests are forwarded and streamed both ways without buffering, so SSE flows event
 *   by event; each counts as a session until its response ends or its client goes away.
 * - `option httpchk GET /healthz` with `fall 1 rise 1`: every server is checked each
 *   `checkIntervalMs`; one answer changes its state, and a new server takes traffic only after its
 *   first good check. A check times out after `checkIntervalMs` (HAProxy's `inter`), but at least 1 s.
 * - `balance roundrobin | leastconn | random(2)` among the servers that are UP; with none,
 *   HTTP 503 with `Retry-After: 1`, for requests and upgrades alike.
 * - `maxconn`: beyond `maxConnections` sessions, new ones get a 503 instead of a queue.
 * - A server going DRAIN or DOWN keeps its sessions (HAProxy's default, no `shutdown-sessions`).
 * - `showStat()` returns `show stat` rows of the `nodes` backend, weight always 100.
 *
 * Where it does not:
 * - A 503 from /healthz shows as DRAIN. HAProxy shows that only with an agent-check (`DRAIN (agent)`);
 *   without one its `http-check expect status 200` marks the server DOWN. Either way no new
 *   connections reach it and its sessions stay.
 * - No agent-check, so no weights: the `custom` algorithm (and `source`) exist only in HAProxy.
 * - No retries or redispatch: a failed connect answers 503 at once. No `timeout client`/`server`
 *   on streamed bodies (a quiet SSE stream is never cut); only connect (2 s), response-headers
 *   (30 s) and idle tunnel (1 h) timeouts.
 * - No FRONTEND/BACKEND rows in showStat() and no runtime API; a removed server shows as MAINT
 *   until its last session ends, then disappears.
 */
import {
  Agent,
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HaproxyOptions, HaproxyServer, HaproxyStat, RunningHaproxy } from './haproxy.js';

/** One backend server: a reference node's public HTTP/WebSocket address. */
export interface DevBalancerServer {
  /** The server's name in showStat() (letters, digits, `_ . : -`, as HAProxy accepts). */
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

/** The algorithms both balancers implement; `source` and `custom` are HAProxy's alone. */
export type DevBalanceAlgorithm = Extract<HaproxyOptions['balance'], 'roundrobin' | 'leastconn' | 'random2'>;

/** What to balance and how; every field but `servers` and `balance` has a default. */
export interface DevBalancerOptions {
  /** May be empty: servers can be added later with addServer(). */
  readonly servers: readonly DevBalancerServer[];
  /** `random2` is power of two random choices by current sessions. */
  readonly balance: DevBalanceAlgorithm;
  /** Interval of the /healthz checks, ms. Default 500. */
  readonly checkIntervalMs?: number;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Most concurrent sessions (tunnels and HTTP requests); beyond, 503. Default 20000, like HAProxy's maxconn. */
  readonly maxConnections?: number;
  /** Called with errors of the listening server itself (EMFILE on accept…). Per-connection errors are routine and not reported. */
  readonly onError?: (error: Error) => void;
}

/** What the launcher needs from a balancer, whichever runs: HAProxy or the development one. */
export interface FleetBalancer extends Pick<RunningHaproxy, 'url' | 'wsUrl' | 'showStat' | 'stop'> {
  /** Adds a server; it takes new connections once its first health check passes. */
  addServer(server: HaproxyServer): void | Promise<void>;
  /** Stops sending new connections to a server and forgets it. */
  removeServer(id: string): void | Promise<void>;
}

/** A running development balancer. */
export interface DevBalancer extends FleetBalancer {
  /** The frontend, `http://HOST:PORT`. */
  readonly url: string;
  /** The nodes' WebSocket endpoint through the balancer, `ws://HOST:PORT/ws`. */
  readonly wsUrl: string;
  /** One `show stat` row per server of the `nodes` backend: status UP, DRAIN, DOWN or (removed) MAINT, weight 100. */
  showStat(): Promise<HaproxyStat[]>;
  /** Adds a server; it takes connections after its first good check. Throws a TypeError for a bad or taken id. */
  addServer(server: DevBalancerServer): void;
  /** Stops sending it new connections; its existing sessions stay until they close. Unknown ids are ignored. */
  removeServer(id: string): void;
  /** Stops listening and checking and destroys every tunnel and request. Safe to call twice. */
  stop(): Promise<void>;
}

/** A server's state from its last check. Before the first one it is DOWN (HAProxy's rise 1). */
type ServerStatus = 'UP' | 'DRAIN' | 'DOWN';

interface Backend {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  status: ServerStatus;
  sessions: number;
  /** The health check in flight: checks never overlap, a slow server is not checked twice at once. */
  check: ClientRequest | null;
  /** Set by removeServer(): no new sessions, no more checks, shown as MAINT until its sessions end. */
  removed: boolean;
}

/** The two sockets of one upgraded connection. */
interface Tunnel {
  readonly client: Duplex;
  readonly upstream: Socket;
}

/** One proxied HTTP request and the upstream request serving it. */
interface Exchange {
  readonly response: ServerResponse;
  readonly upstream: ClientRequest;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_CHECK_INTERVAL_MS = 500;
const DEFAULT_MAX_CONNECTIONS = 20_000;
/** A check shorter than this flaps under a busy event loop; HAProxy's checks run on their own threads. */
const MIN_CHECK_TIMEOUT_MS = 1_000;
/** HAProxy's `timeout connect 2s`. */
const CONNECT_TIMEOUT_MS = 2_000;
/** HAProxy's `timeout server 30s`, applied here only until the response headers arrive. */
const RESPONSE_HEADERS_TIMEOUT_MS = 30_000;
/** HAProxy's `timeout tunnel 1h`. */
const TUNNEL_IDLE_MS = 3_600_000;
/** After one side of a tunnel closes, how long the other may take to flush before it is destroyed. */
const LINGER_MS = 2_000;
/**
 * Raw sockets allowed beyond maxConnections: room to answer 503 to the clients past the limit,
 * while a flood of idle sockets still cannot take every descriptor.
 */
const REFUSAL_HEADROOM = 1_000;
const SERVER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const HOSTNAME = /^[A-Za-z0-9.:-]{1,253}$/;
const ALGORITHMS: readonly DevBalanceAlgorithm[] = ['roundrobin', 'leastconn', 'random2'];
/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. */
const HOP_BY_HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** HAProxy's own 503 body. */
const NO_SERVER_BODY = '503 Service Unavailable\nNo server is available to handle this request.\n';

function assertInteger(value: unknown, what: string, min: number, max: number): void {
  if (!(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
    throw new TypeError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

function validateServer(server: DevBalancerServer): void {
  if (typeof server?.id !== 'string' || !SERVER_ID.test(server.id)) {
    throw new TypeError(`server id "${String(server?.id)}" must match ${SERVER_ID}`);
  }
  if (typeof server.host !== 'string' || !HOSTNAME.test(server.host)) {
    throw new TypeError(`server host "${String(server.host)}" is not a host name`);
  }
  assertInteger(server.port, `port of ${server.id}`, 1, 65_535);
}

function validate(options: DevBalancerOptions): void {
  if (!Array.isArray(options?.servers)) throw new TypeError('servers must be an array');
  if (!ALGORITHMS.includes(options.balance)) {
    throw new TypeError(`balance must be one of ${ALGORITHMS.join(', ')} (custom and source need HAProxy)`);
  }
  assertInteger(options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS, 'checkIntervalMs', 10, 3_600_000);
  assertInteger(options.port ?? 0, 'port', 0, 65_535);
  assertInteger(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 'maxConnections', 1, 1_000_000);
  if (options.host !== undefined && !HOSTNAME.test(options.host)) {
    throw new TypeError(`host "${options.host}" is not a host name`);
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('onError must be a function');
  }
  const ids = new Set<string>();
  for (const server of options.servers) {
    validateServer(server);
    if (ids.has(server.id)) throw new TypeError(`server id "${server.id}" is listed twice`);
    ids.add(server.id);
  }
}

/** The request's headers minus hop-by-hop ones, including those the Connection header names. */
function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP_HEADERS.has(name) && !named.has(name)) result[name] = value;
  }
  return result;
}

/** The upgrade request as the client sent it, for the backend: request line, raw headers, blank line. */
function requestHead(request: IncomingMessage): string {
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) lines.push(`${raw[index]}: ${raw[index + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Ends a socket gracefully, and destroys it if the peer does not let it flush in time. */
function endSoon(socket: Duplex): void {
  if (socket.destroyed) return;
  socket.end();
  // A fixed deadline, not an idle timeout: a peer that keeps sending must not keep the socket alive.
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
}

/** Answers an upgrade on its raw socket (no ServerResponse exists for it) and closes it. */
function refuseUpgrade(socket: Duplex, status: 502 | 503 | 504, body: string): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const reason = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[status];
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      (status === 503 ? 'Retry-After: 1\r\n' : '') +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  endSoon(socket);
}

/** Answers a request that cannot be forwarded, or cuts the response if it has already started. */
function refuseRequest(response: ServerResponse, status: 502 | 503 | 504, body: string): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...(status === 503 ? { 'Retry-After': '1' } : {}),
  });
  response.end(body);
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

/** The balancer's state and its resources; startDevBalancer wires it to a server. */
class DevBalancerCore {
  /** Servers taking part in balancing and checks, in the order they were added. */
  readonly backends = new Map<string, Backend>();
  /** Removed servers that still carry sessions. */
  readonly retiring = new Set<Backend>();
  readonly tunnels = new Set<Tunnel>();
  readonly exchanges = new Set<Exchange>();
  /** Keep-alive connections for forwarded HTTP requests, owned here and destroyed by stop(). */
  readonly upstreamAgent = new Agent({ keepAlive: true });
  sessionCount = 0;
  stopped = false;
  private rotation = 0;
  private readonly checkTimeoutMs: number;

  constructor(
    private readonly balance: DevBalanceAlgorithm,
    private readonly maxConnections: number,
    checkIntervalMs: number,
  ) {
    this.checkTimeoutMs = Math.max(checkIntervalMs, MIN_CHECK_TIMEOUT_MS);
  }

  add(server: DevBalancerServer): Backend {
    validateServer(server);
    if (this.backends.has(server.id)) throw new TypeError(`server id "${server.id}" is already balanced`);
    const backend: Backend = {
      id: server.id,
      host: server.host,
      port: server.port,
      status: 'DOWN',
      sessions: 0,
      check: null,
      removed: false,
    };
    this.backends.set(backend.id, backend);
    return backend;
  }

  remove(id: string): void {
    const backend = this.backends.get(id);
    if (!backend) return;
    this.backends.delete(id);
    backend.removed = true;
    backend.check?.destroy();
    if (backend.sessions > 0) this.retiring.add(backend);
  }

  /** The server for a new session, or null when none is UP. */
  pick(): Backend | null {
    const up = [...this.backends.values()].filter((backend) => backend.status === 'UP');
    if (up.length === 0) return null;
    switch (this.balance) {
      case 'roundrobin':
        return up[this.rotation++ % up.length] ?? null;
      case 'leastconn': {
        // Starting the scan at a rotating offset makes ties rotate instead of favouring the first server.
        const start = this.rotation++ % up.length;
        let best: Backend | null = null;
        for (let offset = 0; offset < up.length; offset++) {
          const candidate = up[(start + offset) % up.length];
          if (candidate && (best === null || candidate.sessions < best.sessions)) best = candidate;
        }
        return best;
      }
      case 'random2': {
        const first = Math.floor(Math.random() * up.length);
        // A second, different server when there is one: (first + 1..n-1) mod n is uniform over the rest.
        const second =
          up.length === 1 ? first : (first + 1 + Math.floor(Math.random() * (up.length - 1))) % up.length;
        const [a, b] = [up[first], up[second]];
        if (!a || !b) return a ?? b ?? null;
        return b.sessions < a.sessions ? b : a;
      }
      default:
        return assertNever(this.balance);
    }
  }

  /** Counts a session on a server; the returned function ends it and is safe to call twice. */
  open(backend: Backend): () => void {
    backend.sessions++;
    this.sessionCount++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      backend.sessions--;
      this.sessionCount--;
      if (backend.removed && backend.sessions === 0) this.retiring.delete(backend);
    };
  }

  /** The server for a new session, or the 503 body that says why none can start now. */
  admit(): { readonly backend: Backend } | { readonly refusal: string } {
    if (this.sessionCount >= this.maxConnections) {
      return {
        refusal: `503 Service Unavailable\nThe balancer is at its limit of ${this.maxConnections} sessions.\n`,
      };
    }
    const backend = this.pick();
    return backend ? { backend } : { refusal: NO_SERVER_BODY };
  }

  rows(): HaproxyStat[] {
    const row = (backend: Backend, status: string): HaproxyStat => ({
      proxy: 'nodes',
      server: backend.id,
      status,
      weight: 100,
      currentSessions: backend.sessions,
    });
    return [
      ...[...this.backends.values()].map((backend) => row(backend, backend.status)),
      ...[...this.retiring].map((backend) => row(backend, 'MAINT')),
    ];
  }

  /** One GET /healthz; resolves when it is over. A check still running is not doubled. */
  check(backend: Backend): Promise<void> {
    if (backend.check || backend.removed || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      let settled = false;
      const settle = (status: ServerStatus) => {
        if (settled) return;
        settled = true;
        // A removed server or a stopped balancer keeps its last state: nobody routes by it any more.
        if (!(backend.removed || this.stopped)) backend.status = status;
      };
      const request = httpRequest(
        {
          host: backend.host,
          port: backend.port,
          path: '/healthz',
          method: 'GET',
          // A fresh connection per check, like HAProxy's: a check must see a dead listener.
          agent: false,
          timeout: this.checkTimeoutMs,
          headers: { 'User-Agent': 'fleetdeck-dev-balancer' },
        },
        (response) => {
          settle(response.statusCode === 200 ? 'UP' : response.statusCode === 503 ? 'DRAIN' : 'DOWN');
          response.on('error', () => {});
          response.resume();
        },
      );
      backend.check = request;
      request.on('timeout', () => request.destroy(new Error('health check timed out')));
      request.on('error', () => settle('DOWN'));
      request.on('close', () => {
        settle('DOWN');
        backend.check = null;
        resolve();
      });
      request.end();
    });
  }

  checkAll(): Promise<void> {
    return Promise.all([...this.backends.values()].map((backend) => this.check(backend))).then(() => {});
  }

  /** A WebSocket (or any) upgrade: a raw TCP tunnel to the chosen server. */
  readonly onUpgrade = (request: IncomingMessage, client: Duplex, head: Buffer): void => {
    client.on('error', () => client.destroy());
    if (this.stopped) return void client.destroy();
    const admitted = this.admit();
    if ('refusal' in admitted) return refuseUpgrade(client, 503, admitted.refusal);
    const release = this.open(admitted.backend);
    const upstream = connect({ host: admitted.backend.host, port: admitted.backend.port });
    const tunnel: Tunnel = { client, upstream };
    this.tunnels.add(tunnel);
    let connected = false;
    let closedSockets = 0;
    const onClose = (other: Duplex) => (hadError: boolean) => {
      release();
      // Before the connect, the client is still waiting for an answer to its upgrade.
      if (!connected && other === client) refuseUpgrade(client, 503, NO_SERVER_BODY);
      else if (!connected || hadError) other.destroy();
      else endSoon(other);
      if (++closedSockets === 2) this.tunnels.delete(tunnel);
    };
    upstream.on('error', () => upstream.destroy());
    upstream.once('close', onClose(client));
    client.once('close', onClose(upstream));
    // One timeout listener: the connect timeout first, then the idle tunnel timeout.
    upstream.on('timeout', () => upstream.destroy());
    upstream.setTimeout(CONNECT_TIMEOUT_MS);
    upstream.once('connect', () => {
      connected = true;
      upstream.setNoDelay(true);
      upstream.setTimeout(TUNNEL_IDLE_MS);
      upstream.write(requestHead(request));
      if (head.length > 0) upstream.write(head);
      // pipe() carries each side's end to the other, so a close handshake finishes normally.
      client.pipe(upstream);
      upstream.pipe(client);
    });
  };

  /** A plain HTTP request: forwarded and streamed both ways, counted as a session until it ends. */
  readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    request.on('error', () => {});
    response.on('error', () => {});
    if (this.stopped) return void response.destroy();
    const admitted = this.admit();
    if ('refusal' in admitted) return refuseRequest(response, 503, admitted.refusal);
    const backend = admitted.backend;
    const release = this.open(backend);
    const upstream = httpRequest({
      host: backend.host,
      port: backend.port,
      method: request.method,
      path: request.url,
      headers: endToEndHeaders(request.headers),
      agent: this.upstreamAgent,
      timeout: RESPONSE_HEADERS_TIMEOUT_MS,
    });
    const exchange: Exchange = { response, upstream };
    let answered = false;
    this.exchanges.add(exchange);
    upstream.on('timeout', () =>
      upstream.destroy(Object.assign(new Error('no response'), { code: 'ETIMEDOUT' })),
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ETIMEDOUT') refuseRequest(response, 504, '504 Gateway Timeout\n');
      else if (error.code === 'ECONNREFUSED') refuseRequest(response, 503, NO_SERVER_BODY);
      else refuseRequest(response, 502, '502 Bad Gateway\n');
    });
    upstream.on('response', (answer) => {
      // A stream may stay quiet for long; only the client or the server ends it.
      upstream.setTimeout(0);
      answer.on('error', () => {});
      answer.once('end', () => {
        answered = true;
      });
      answer.on('close', () => {
        // Ended before its last byte: the server died mid-response; the client must see it cut, not complete.
        if (!answer.complete) response.destroy();
      });
      response.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      // Headers go out now, so an event stream opens before its first event.
      response.flushHeaders();
      answer.pipe(response);
    });
    response.once('close', () => {
      release();
      this.exchanges.delete(exchange);
      // The client went away first: the backend must see it (an SSE stream ends there). A complete
      // answer's connection is back in the keep-alive pool and stays.
      if (!answered) upstream.destroy();
    });
    request.pipe(upstream);
  };

  /** Destroys every tunnel, forwarded request and check. */
  destroyAll(): void {
    this.stopped = true;
    for (const backend of [...this.backends.values(), ...this.retiring]) backend.check?.destroy();
    for (const { client, upstream } of this.tunnels) {
      client.destroy();
      upstream.destroy();
    }
    for (const { response, upstream } of this.exchanges) {
      upstream.destroy();
      response.destroy();
    }
    this.upstreamAgent.destroy();
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}

/**
 * Starts the development balancer and resolves once it listens and every server has had its
 * first health check (servers that answered 200 are UP). Throws a TypeError for invalid options.
 */
export async function startDevBalancer(options: DevBalancerOptions): Promise<DevBalancer> {
  validate(options);
  const host = options.host ?? DEFAULT_HOST;
  const checkIntervalMs = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const core = new DevBalancerCore(options.balance, maxConnections, checkIntervalMs);
  for (const server of options.servers) core.add(server);

  const server = createServer(core.onRequest);
  server.on('upgrade', core.onUpgrade);
  server.maxConnections = maxConnections + REFUSAL_HEADROOM;
  // Every client socket, upgraded or refused or idle in keep-alive, so that stop() leaves none behind:
  // closeAllConnections() does not know upgraded ones.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = await listen(server, options.port ?? 0, host);
  // After listen, a server error (EMFILE on accept…) must not crash the process.
  server.on('error', (error) => options.onError?.(error));

  const timer = setInterval(() => void core.checkAll(), checkIntervalMs);
  await core.checkAll();

  let stopping: Promise<void> | null = null;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url: `http://${authority}`,
    wsUrl: `ws://${authority}/ws`,
    showStat: async () => core.rows(),
    addServer: (added) => {
      if (core.stopped) throw new Error('the balancer is stopped');
      void core.check(core.add(added));
    },
    removeServer: (id) => core.remove(id),
    stop: () => {
      stopping ??= (async () => {
        clearInterval(timer);
        core.destroyAll();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return stopping;
    },
  };
}
