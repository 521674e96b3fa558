/**
 * The development balancer in front of three in-process reference nodes (and, where a test
 * needs a backend the nodes cannot play, a tiny HTTP or `ws` server written here): spread per
 * algorithm, drain and death of a node, plain and streamed HTTP, server changes, limits, leaks.
 */
import {
  createServer,
  get,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type DevBalancer,
  type DevBalancerOptions,
  type DevBalancerServer,
  type FleetBalancer,
  startDevBalancer,
} from '../../fleet/balancer/dev-balancer.js';
import type { RunningHaproxy } from '../../fleet/balancer/haproxy.js';
import { type NodeServer, startNodeServer } from '../../fleet/node-server.js';
import { closeClients } from '../helpers/clients.js';
import { TEST_TOKENS } from '../helpers/processes.js';
import { sleep, waitFor } from '../helpers/wait.js';

const CHECK_INTERVAL_MS = 200;
/** "Within about two check intervals", with room for a busy event loop. */
const STATE_CHANGE_TIMEOUT_MS = 2 * CHECK_INTERVAL_MS + 300;
const NODE_IDS = ['node-1', 'node-2', 'node-3'] as const;
const CLIENTS = 300;

/** Everything a test starts, stopped after it in reverse order. */
const disposers: Array<() => unknown> = [];
/** Every client a test opens; terminated after it (a graceful close could wait 30 s on a dead peer). */
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function startNodes(): Promise<NodeServer[]> {
  const nodes: NodeServer[] = [];
  for (const nodeId of NODE_IDS) {
    const node = await startNodeServer({ nodeId, token: TEST_TOKENS.operate, adminPort: 0 });
    disposers.push(() => node.close());
    nodes.push(node);
  }
  return nodes;
}

function serverOf(id: string, httpUrl: string): DevBalancerServer {
  return { id, host: '127.0.0.1', port: Number(new URL(httpUrl).port) };
}

async function startBalancer(
  servers: readonly DevBalancerServer[],
  options: Partial<DevBalancerOptions> = {},
): Promise<DevBalancer> {
  const balancer = await startDevBalancer({
    servers,
    balance: 'roundrobin',
    checkIntervalMs: CHECK_INTERVAL_MS,
    ...options,
  });
  disposers.push(() => balancer.stop());
  return balancer;
}

/** Three reference nodes behind a balancer using `balance`. */
async function startFleet(balance: DevBalancerOptions['balance']) {
  const nodes = await startNodes();
  const balancer = await startBalancer(
    nodes.map((node, index) => serverOf(NODE_IDS[index] ?? '', node.httpUrl)),
    { balance },
  );
  return { nodes, balancer };
}

/** Opens a client through the balancer and resolves with it and the node that welcomed it. */
function connectThrough(url: string): Promise<{ socket: WebSocket; node: string }> {
  const socket = new WebSocket(url);
  clients.push(socket);
  return new Promise((resolve, reject) => {
    // Listen before 'open': the welcome can arrive in the same read as the handshake.
    socket.once('message', (data) => {
      const message = JSON.parse(data.toString()) as { op?: string; node?: string };
      if (message.op === 'welcome' && typeof message.node === 'string')
        resolve({ socket, node: message.node });
      else reject(new Error(`expected a welcome, got ${data.toString()}`));
    });
    socket.on('error', reject);
  });
}

async function connectMany(url: string, count: number) {
  return Promise.all(Array.from({ length: count }, () => connectThrough(url)));
}

function countByNode(landed: ReadonlyArray<{ node: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { node } of landed) counts[node] = (counts[node] ?? 0) + 1;
  return counts;
}

async function rowOf(balancer: DevBalancer, id: string) {
  return (await balancer.showStat()).find((row) => row.proxy === 'nodes' && row.server === id);
}

function waitForStatus(
  balancer: DevBalancer,
  id: string,
  status: string,
  timeoutMs = STATE_CHANGE_TIMEOUT_MS,
) {
  return waitFor(
    async () => (await rowOf(balancer, id))?.status === status,
    `${id} to be ${status}`,
    timeoutMs,
    20,
  );
}

/** Closes the clients and checks that the balancer counts no session within 1 s. */
async function expectNoSessionsAfterClosing(balancer: DevBalancer, sockets: WebSocket[]): Promise<void> {
  await closeClients(sockets);
  await waitFor(
    async () => (await balancer.showStat()).every((row) => row.currentSessions === 0),
    'every session to end',
    1_000,
  );
}

/** The close code a client sees, or rejects if it takes longer than `timeoutMs`. */
function closeCodeOf(socket: WebSocket, timeoutMs: number): Promise<number> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.reject(new Error('already closed'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A client that reconnects through the balancer when its node closes it with 1012, as real clients do. */
class ReconnectingClient {
  node = '';
  readonly closeCodes: number[] = [];
  private stopped = false;

  constructor(private readonly url: string) {
    disposers.push(() => {
      this.stopped = true;
    });
  }

  async connect(): Promise<void> {
    // A node that drains refuses upgrades (503) until the balancer stops sending it any: retry.
    while (!this.stopped) {
      try {
        const { socket, node } = await connectThrough(this.url);
        this.node = node;
        socket.once('close', (code) => {
          this.closeCodes.push(code);
          this.node = '';
          if (code === 1012) void this.connect();
        });
        return;
      } catch {
        await sleep(50);
      }
    }
  }
}

/** Attempts an upgrade the balancer must refuse; resolves with the status and Retry-After the client sees. */
function upgradeRefusal(url: string): Promise<{ status: number; retryAfter: string | undefined }> {
  const socket = new WebSocket(url);
  clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
      response.resume();
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => {});
  });
}

/** A test HTTP server on port 0 with /healthz 200, stopped after the test. */
async function startHttpBackend(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ server: Server; httpUrl: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/healthz') return void response.writeHead(200).end('ok');
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  disposers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, httpUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('startDevBalancer: spread', () => {
  it('roundrobin gives each of 3 nodes 100 of 300 clients (± 10 %) and leaks no session', async () => {
    const { balancer } = await startFleet('roundrobin');
    const landed = await connectMany(balancer.wsUrl, CLIENTS);
    const counts = countByNode(landed);
    for (const id of NODE_IDS) {
      expect(counts[id]).toBeGreaterThanOrEqual(90);
      expect(counts[id]).toBeLessThanOrEqual(110);
      expect((await rowOf(balancer, id))?.currentSessions).toBe(counts[id]);
    }
    await expectNoSessionsAfterClosing(
      balancer,
      landed.map(({ socket }) => socket),
    );
  });

  it('leastconn balances waves of clients and fills the node that lost some', async () => {
    const { balancer } = await startFleet('leastconn');
    const landed: Array<{ socket: WebSocket; node: string }> = [];
    // Earlier waves stay open, so each wave must go where there are fewest.
    for (let wave = 0; wave < 6; wave++) landed.push(...(await connectMany(balancer.wsUrl, CLIENTS / 6)));
    const counts = countByNode(landed);
    for (const id of NODE_IDS) {
      expect(counts[id]).toBeGreaterThanOrEqual(90);
      expect(counts[id]).toBeLessThanOrEqual(110);
    }

    // node-1 loses 60 clients: all 60 newcomers go there (round robin would send it 20).
    const leaving = landed.filter(({ node }) => node === 'node-1').slice(0, 60);
    await closeClients(leaving.map(({ socket }) => socket));
    await waitFor(
      async () => (await rowOf(balancer, 'node-1'))?.currentSessions === (counts['node-1'] ?? 0) - 60,
      'node-1 to lose 60 sessions',
      1_000,
    );
    const newcomers = await Promise.all(Array.from({ length: 60 }, () => connectThrough(balancer.wsUrl)));
    // All 60 when the waves came out even; fewer only by how uneven they were.
    const unevenness = Math.max(...Object.values(counts)) - Math.min(...Object.values(counts));
    expect(countByNode(newcomers)['node-1']).toBeGreaterThanOrEqual(60 - unevenness);

    await expectNoSessionsAfterClosing(
      balancer,
      [...landed, ...newcomers].map(({ socket }) => socket),
    );
  });

  it('random2 keeps each of 3 nodes within ± 20 % of 100', async () => {
    const { balancer } = await startFleet('random2');
    const landed = await connectMany(balancer.wsUrl, CLIENTS);
    const counts = countByNode(landed);
    for (const id of NODE_IDS) {
      expect(counts[id]).toBeGreaterThanOrEqual(80);
      expect(counts[id]).toBeLessThanOrEqual(120);
    }
    await expectNoSessionsAfterClosing(
      balancer,
      landed.map(({ socket }) => socket),
    );
  });
});

describe('startDevBalancer: health', () => {
  it('shows a draining node as DRAIN, routes around it, and its clients reconnect to the others', async () => {
    const { nodes, balancer } = await startFleet('roundrobin');
    const reconnecting = Array.from({ length: 30 }, () => new ReconnectingClient(balancer.wsUrl));
    await Promise.all(reconnecting.map((client) => client.connect()));
    const onNode1 = reconnecting.filter((client) => client.node === 'node-1');
    expect(onNode1).toHaveLength(10);

    nodes[0]?.agent.drain({ deadlineMs: 2_000 });
    await waitForStatus(balancer, 'node-1', 'DRAIN');
    const newcomers = await connectMany(balancer.wsUrl, 30);
    expect(newcomers.map(({ node }) => node)).not.toContain('node-1');

    // The agent closes its clients with 1012 over the deadline; each comes back elsewhere.
    await waitFor(
      () => onNode1.every((client) => client.closeCodes.includes(1012) && client.node !== ''),
      "node-1's clients to reconnect",
      5_000,
    );
    expect(onNode1.map((client) => client.node)).not.toContain('node-1');
    await waitFor(
      async () => (await rowOf(balancer, 'node-1'))?.currentSessions === 0,
      "node-1's sessions to end",
      1_000,
    );
    expect((await rowOf(balancer, 'node-1'))?.status).toBe('DRAIN');
  });

  it('marks a closed node DOWN, sends new clients elsewhere, and its clients see their socket close', async () => {
    const { nodes, balancer } = await startFleet('roundrobin');
    const landed = await connectMany(balancer.wsUrl, 30);
    const onNode2 = landed.filter(({ node }) => node === 'node-2').map(({ socket }) => socket);
    expect(onNode2).toHaveLength(10);

    const closes = Promise.all(onNode2.map((socket) => closeCodeOf(socket, 3_000)));
    await nodes[1]?.close();
    expect(await closes).toHaveLength(10);
    await waitForStatus(balancer, 'node-2', 'DOWN');
    const newcomers = await connectMany(balancer.wsUrl, 30);
    expect(newcomers.map(({ node }) => node)).not.toContain('node-2');
    expect(countByNode(newcomers)).toEqual({ 'node-1': 15, 'node-3': 15 });
    expect((await rowOf(balancer, 'node-2'))?.currentSessions).toBe(0);
  });

  it('closes the client side of a tunnel whose backend dies without a close frame', async () => {
    const backend = await startHttpBackend((_request, response) => response.writeHead(404).end());
    const wss = new WebSocketServer({ server: backend.server });
    wss.on('connection', (socket) => socket.send(JSON.stringify({ op: 'welcome', node: 'bare' })));
    disposers.push(() => new Promise((resolve) => wss.close(resolve)));
    const balancer = await startBalancer([serverOf('bare', backend.httpUrl)]);
    const landed = await connectMany(balancer.wsUrl, 5);
    expect((await rowOf(balancer, 'bare'))?.currentSessions).toBe(5);

    const codes = Promise.all(landed.map(({ socket }) => closeCodeOf(socket, 1_000)));
    // terminate() destroys the TCP socket, as a crashed process would: no close frame.
    for (const socket of wss.clients) socket.terminate();
    expect(await codes).toEqual([1006, 1006, 1006, 1006, 1006]);
    await waitFor(
      async () => (await rowOf(balancer, 'bare'))?.currentSessions === 0,
      'the dead tunnels to end',
      1_000,
    );
  });

  it('answers 503 with Retry-After: 1 to requests and upgrades when no server is UP', async () => {
    // A port nobody listens on: the first check fails, so the server never comes UP.
    const unused = await startHttpBackend(() => {});
    const deadUrl = unused.httpUrl;
    await new Promise((resolve) => unused.server.close(resolve));
    const balancer = await startBalancer([serverOf('gone', deadUrl)]);
    expect((await rowOf(balancer, 'gone'))?.status).toBe('DOWN');

    const response = await fetch(`${balancer.url}/healthz`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.text()).toMatch(/No server is available/);
    expect(await upgradeRefusal(balancer.wsUrl)).toEqual({ status: 503, retryAfter: '1' });
  });

  it('answers 503 when a server still shown UP refuses the connection, and counts no session', async () => {
    const backend = await startHttpBackend((_request, response) => response.writeHead(204).end());
    // Checks far apart: the server dies between two of them and is still UP when the clients come.
    const balancer = await startBalancer([serverOf('stale', backend.httpUrl)], { checkIntervalMs: 60_000 });
    expect((await rowOf(balancer, 'stale'))?.status).toBe('UP');
    backend.server.closeAllConnections();
    await new Promise((resolve) => backend.server.close(resolve));

    expect(await upgradeRefusal(balancer.wsUrl)).toEqual({ status: 503, retryAfter: '1' });
    const response = await fetch(`${balancer.url}/anything`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await rowOf(balancer, 'stale'))?.currentSessions).toBe(0);
  });
});

describe('startDevBalancer: HTTP', () => {
  it('forwards GET /healthz of each node in turn and passes other statuses through', async () => {
    const { balancer } = await startFleet('roundrobin');
    const answers = await Promise.all(
      NODE_IDS.map(async () => {
        const response = await fetch(`${balancer.url}/healthz`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/json/);
        return (await response.json()) as { nodeId: string; state: string };
      }),
    );
    expect(answers.map((answer) => answer.nodeId).sort()).toEqual([...NODE_IDS]);
    expect(answers.every((answer) => answer.state === 'active')).toBe(true);
    expect((await fetch(`${balancer.url}/nowhere`)).status).toBe(404);
  });

  it('streams server-sent events one by one, counts the stream as a session, and forwards POST bodies', async () => {
    const backend = await startHttpBackend((request, response) => {
      if (request.method === 'POST') {
        response.writeHead(200, { 'Content-Type': request.headers['content-type'] ?? 'text/plain' });
        return void request.pipe(response);
      }
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      let sent = 0;
      const timer = setInterval(() => {
        response.write(`data: event-${++sent}\n\n`);
        if (sent === 3) {
          clearInterval(timer);
          setTimeout(() => response.end(), 100);
        }
      }, 100);
      response.on('close', () => clearInterval(timer));
    });
    const balancer = await startBalancer([serverOf('sse', backend.httpUrl)]);

    const started = Date.now();
    const arrivals: Array<{ event: string; atMs: number }> = [];
    let sessionsDuringStream = -1;
    let contentType: string | undefined;
    const endedAtMs = await new Promise<number>((resolve, reject) => {
      get(`${balancer.url}/events`, (response) => {
        contentType = response.headers['content-type'];
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            arrivals.push({ event: buffer.slice(0, end), atMs: Date.now() - started });
            buffer = buffer.slice(end + 2);
          }
          if (arrivals.length === 1) {
            void rowOf(balancer, 'sse').then((row) => {
              sessionsDuringStream = row?.currentSessions ?? -1;
            });
          }
        });
        response.on('end', () => resolve(Date.now() - started));
      }).on('error', reject);
    });

    expect(contentType).toBe('text/event-stream');
    expect(arrivals.map((arrival) => arrival.event)).toEqual([
      'data: event-1',
      'data: event-2',
      'data: event-3',
    ]);
    const [first, second, third] = arrivals.map((arrival) => arrival.atMs) as [number, number, number];
    // 100 ms apart at the source; buffering would bunch them up at the end.
    expect(second - first).toBeGreaterThanOrEqual(60);
    expect(third - second).toBeGreaterThanOrEqual(60);
    expect(endedAtMs - first).toBeGreaterThanOrEqual(250);
    expect(sessionsDuringStream).toBe(1);
    await waitFor(
      async () => (await rowOf(balancer, 'sse'))?.currentSessions === 0,
      'the stream to end',
      1_000,
    );

    const echoed = await fetch(`${balancer.url}/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'news', data: 'hello' }),
    });
    expect(echoed.status).toBe(200);
    expect(echoed.headers.get('content-type')).toBe('application/json');
    expect(await echoed.json()).toEqual({ channel: 'news', data: 'hello' });
  });

  it('ends the backend request when the client of a stream goes away', async () => {
    let backendSawClose: () => void = () => {};
    const closed = new Promise<void>((resolve) => (backendSawClose = resolve));
    const backend = await startHttpBackend((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' }).write('data: first\n\n');
      response.on('close', () => backendSawClose());
    });
    const balancer = await startBalancer([serverOf('sse', backend.httpUrl)]);
    const clientRequest = request(`${balancer.url}/events`);
    await new Promise<void>((resolve) => {
      clientRequest.on('response', (response) => response.once('data', () => resolve()));
      clientRequest.on('error', () => {});
      clientRequest.end();
    });
    clientRequest.destroy();
    await closed;
    await waitFor(
      async () => (await rowOf(balancer, 'sse'))?.currentSessions === 0,
      'the session to end',
      1_000,
    );
  });
});

describe('startDevBalancer: servers and lifecycle', () => {
  it('adds a server after its first good check and removes one while its tunnels stay', async () => {
    const nodes = await startNodes();
    const [node1, node2] = nodes;
    if (!(node1 && node2)) throw new Error('nodes did not start');
    const balancer = await startBalancer([serverOf('node-1', node1.httpUrl)]);
    const before = await connectMany(balancer.wsUrl, 4);
    expect(countByNode(before)).toEqual({ 'node-1': 4 });

    balancer.addServer(serverOf('node-2', node2.httpUrl));
    expect(() => balancer.addServer(serverOf('node-2', node2.httpUrl))).toThrow(TypeError);
    expect(() => balancer.addServer({ id: 'bad id', host: '127.0.0.1', port: 1 })).toThrow(TypeError);
    // Not UP before its first check has answered (HAProxy's rise 1).
    expect((await rowOf(balancer, 'node-2'))?.status).toBe('DOWN');
    await waitForStatus(balancer, 'node-2', 'UP');
    expect(countByNode(await connectMany(balancer.wsUrl, 4))).toEqual({ 'node-1': 2, 'node-2': 2 });

    balancer.removeServer('node-1');
    balancer.removeServer('node-1');
    balancer.removeServer('no-such-node');
    expect(await rowOf(balancer, 'node-1')).toEqual({
      proxy: 'nodes',
      server: 'node-1',
      status: 'MAINT',
      weight: 100,
      currentSessions: 6,
    });
    expect(countByNode(await connectMany(balancer.wsUrl, 4))).toEqual({ 'node-2': 4 });

    // The old tunnels still carry traffic both ways: whatever the node answers to a subscribe proves it.
    const [oldest] = before;
    if (!oldest) throw new Error('no client');
    const answer = new Promise<string>((resolve) =>
      oldest.socket.once('message', (data) => resolve(data.toString())),
    );
    oldest.socket.send(JSON.stringify({ op: 'sub', channel: 'c' }));
    expect(JSON.parse(await answer)).toHaveProperty('op');

    await closeClients(clients.filter((socket) => socket.readyState === WebSocket.OPEN));
    const idle = [{ proxy: 'nodes', server: 'node-2', status: 'UP', weight: 100, currentSessions: 0 }];
    await waitFor(
      async () => JSON.stringify(await balancer.showStat()) === JSON.stringify(idle),
      'node-1 to disappear and node-2 to be idle',
      1_000,
    );
  });

  it('refuses sessions beyond maxConnections with 503', async () => {
    const nodes = await startNodes();
    const balancer = await startBalancer(
      nodes.map((node, index) => serverOf(NODE_IDS[index] ?? '', node.httpUrl)),
      { maxConnections: 5 },
    );
    const landed = await connectMany(balancer.wsUrl, 5);
    expect(await upgradeRefusal(balancer.wsUrl)).toEqual({ status: 503, retryAfter: '1' });
    expect((await fetch(`${balancer.url}/healthz`)).status).toBe(503);
    await closeClients(landed.slice(0, 1).map(({ socket }) => socket));
    await waitFor(
      async () => (await balancer.showStat()).reduce((sum, row) => sum + row.currentSessions, 0) === 4,
      'a free session',
      1_000,
    );
    await expect(connectThrough(balancer.wsUrl)).resolves.toMatchObject({ node: expect.any(String) });
  });

  it('stops twice, closes open tunnels and refuses new connections', async () => {
    const { balancer } = await startFleet('leastconn');
    const landed = await connectMany(balancer.wsUrl, 6);
    const codes = Promise.all(landed.map(({ socket }) => closeCodeOf(socket, 1_000)));
    await Promise.all([balancer.stop(), balancer.stop()]);
    await balancer.stop();
    expect(await codes).toEqual(Array.from({ length: 6 }, () => 1006));
    await expect(fetch(`${balancer.url}/healthz`)).rejects.toThrow();
    expect(() => balancer.addServer({ id: 'late', host: '127.0.0.1', port: 1 })).toThrow(/stopped/);
  });

  it('fits the same launcher interface as HAProxy', () => {
    expectTypeOf<RunningHaproxy>().toExtend<FleetBalancer>();
    expectTypeOf<DevBalancer>().toExtend<FleetBalancer>();
    expectTypeOf<Awaited<ReturnType<DevBalancer['showStat']>>>().toEqualTypeOf<
      Awaited<ReturnType<RunningHaproxy['showStat']>>
    >();
  });

  it('refuses invalid options with a TypeError', async () => {
    const server = { id: 'node-1', host: '127.0.0.1', port: 1 };
    const attempts: unknown[] = [
      { servers: [server], balance: 'custom' },
      { servers: [server], balance: 'source' },
      { servers: [{ ...server, id: 'a\nb' }], balance: 'roundrobin' },
      { servers: [server, server], balance: 'roundrobin' },
      { servers: [{ ...server, port: 70_000 }], balance: 'roundrobin' },
      { servers: [server], balance: 'roundrobin', checkIntervalMs: 1 },
      { servers: [server], balance: 'roundrobin', port: -1 },
      { servers: 'node-1', balance: 'roundrobin' },
    ];
    for (const options of attempts) {
      await expect(startDevBalancer(options as DevBalancerOptions)).rejects.toThrow(TypeError);
    }
  });
});
