/** Every metric of a sample, against real `ws` clients, real SSE clients and a real console core. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type Agent, createAgent } from '../../agent/index.js';
import { countingWebSocketClass } from '../../agent/integrations/ws.js';
import { createConsoleService } from '../../main/core/console-service.js';
import { closeClients, openClients, sseClient } from '../helpers/clients.js';
import { HOST_TOKENS, startTestHost, type TestHost } from '../helpers/host.js';
import { waitFor } from '../helpers/wait.js';

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function host(): Promise<TestHost> {
  const started = await startTestHost();
  disposers.push(() => started.close());
  return started;
}

describe('connection metrics', () => {
  it('count opens, closes and close codes: 1000, 4000 and abrupt (1006)', async () => {
    const { agent, wsUrl } = await host();
    const sockets = await openClients(wsUrl, 6);
    expect(agent.sample().connections).toMatchObject({
      open: 6,
      opened: 6,
      closed: 0,
      byTransport: { websocket: { open: 6, opened: 6, closed: 0 } },
    });
    await closeClients(sockets.slice(0, 3), 1000);
    await closeClients(sockets.slice(3, 5), 4000);
    sockets[5]?.terminate(); // no close frame: the server sees 1006
    await waitFor(() => agent.sample().connections.open === 0, 'every close to arrive');
    const { connections, traffic } = agent.sample();
    expect(connections.closeCodes).toEqual({ '1000': 3, '4000': 2, '1006': 1 });
    expect(connections).toMatchObject({
      opened: 6,
      closed: 6,
      byTransport: { websocket: { open: 0, closed: 6 } },
    });
    // Exact socket counters arrive at close: at least the upgrade handshake of each socket.
    expect(traffic.socketBytesRead).toBeGreaterThan(6 * 150);
    expect(traffic.socketBytesWritten).toBeGreaterThan(6 * 100);
  });

  it('track() counts SSE connections by transport, with their traffic and closes', async () => {
    const { agent, httpUrl } = await host();
    const clients = [sseClient(`${httpUrl}/events`), sseClient(`${httpUrl}/events`)];
    await Promise.all(clients.map((client) => client.opened));
    await waitFor(() => agent.sample().connections.byTransport.sse.open === 2, 'two SSE connections');
    const during = agent.sample();
    expect(during.connections.open).toBe(2);
    expect(during.traffic).toMatchObject({
      messagesOut: 2,
      bytesOut: 2 * 'data: {"op":"welcome"}\n\n'.length,
    });
    for (const client of clients) client.destroy();
    await waitFor(() => agent.sample().connections.byTransport.sse.closed === 2, 'both SSE closes');
    // A transport without close codes counts as abnormal (1006).
    expect(agent.sample().connections.closeCodes).toEqual({ '1006': 2 });
  });

  it('track() refuses a connection without close() or with an unknown transport', async () => {
    const { agent } = await host();
    expect(() => agent.track({} as never, { transport: 'sse' })).toThrow(TypeError);
    expect(() => agent.track({ close() {} }, { transport: 'carrier-pigeon' as never })).toThrow(
      /transport must be one of/,
    );
  });
});

describe('traffic metrics', () => {
  it('count frame bytes and messages both ways, text and binary', async () => {
    const { agent, wsUrl } = await host();
    const [socket] = await openClients(wsUrl, 1);
    const echoes = (count: number) =>
      new Promise<void>((resolve) => {
        let seen = 0;
        socket?.on('message', () => ++seen === count && resolve());
      });
    const done = echoes(3);
    socket?.send('a'.repeat(10)); // 10 B: 2 + 4 (mask) header in, 2 out
    socket?.send(Buffer.alloc(200)); // 200 B: 4 + 4 in, 4 out
    socket?.send(Buffer.alloc(70_000)); // 70,000 B: 10 + 4 in, 10 out
    await done;
    expect(agent.sample().traffic).toMatchObject({
      messagesIn: 3,
      messagesOut: 3,
      bytesIn: 10 + 6 + 200 + 8 + 70_000 + 14,
      bytesOut: 10 + 2 + 200 + 4 + 70_000 + 10,
    });
    await closeClients(socket ? [socket] : []);
  });
});

describe('traffic metrics: every payload type ws sends', () => {
  /** A bare `ws` server on loopback with an agent attached (no admin endpoint). */
  async function attachedServer(nodeId: string): Promise<{ server: WebSocketServer; agent: Agent }> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    disposers.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise((resolve) => server.once('listening', resolve));
    const agent = createAgent({ nodeId, token: HOST_TOKENS.operate, admin: false });
    disposers.push(() => agent.close());
    agent.attach(server);
    return { server, agent };
  }

  it('counts a typed array, DataView, ArrayBuffer, Buffer view, string and number by their bytes on the wire', async () => {
    const { server, agent } = await attachedServer('payloads');
    const shared = Buffer.alloc(64);
    // Bytes a client receives: element size times length for the multi-byte views.
    const payloads: Array<[unknown, number]> = [
      [new Float64Array(3), 24],
      [new Uint16Array(5), 10],
      [new ArrayBuffer(7), 7],
      [new DataView(new ArrayBuffer(16), 4, 9), 9],
      [shared.subarray(10, 21), 11],
      ['éééé', 8],
      // ws sends a number as its decimal text.
      [-12.5, 5],
    ];
    server.on('connection', (socket) => {
      for (const [payload] of payloads) socket.send(payload as Buffer);
    });
    const received: number[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data: Buffer) => received.push(data.length) === payloads.length && resolve());
      socket.on('error', reject);
    });
    const expected = payloads.map(([, bytes]) => bytes);
    expect(received).toEqual(expected);
    // Server frames: a 2-byte header each below 126 bytes.
    const total = expected.reduce((sum, bytes) => sum + bytes + 2, 0);
    expect(agent.sample().traffic).toMatchObject({ messagesOut: payloads.length, bytesOut: total });
    await closeClients([socket]);
  });

  it("counts a message whose host listener throws, and passes extra emit arguments to the host's listeners", async () => {
    const { server, agent } = await attachedServer('throwing');
    const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
    const clients = await openClients(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, 1);
    const socket = await accepted;
    const seen: unknown[][] = [];
    socket.on('message', (...args: unknown[]) => {
      seen.push(args);
      if (args[0] === 'throw') throw new Error('host listener failed');
    });
    // The emitter the agent wraps: a message the host's code fails on still crossed the wire.
    const before = agent.sample().traffic.messagesIn;
    socket.emit('message', Buffer.alloc(100), true);
    expect(() => socket.emit('message', 'throw', false)).toThrow('host listener failed');
    socket.emit('message', Buffer.alloc(3), true, 'extra', 'arguments');
    expect(seen.map((args) => args.length)).toEqual([2, 2, 4]);
    expect(seen[2]?.slice(2)).toEqual(['extra', 'arguments']);
    const traffic = agent.sample().traffic;
    expect(traffic.messagesIn - before).toBe(3);
    // Client frames: payload + 2-byte header + 4-byte mask below 126 bytes.
    expect(traffic.bytesIn).toBe(100 + 6 + (5 + 6) + (3 + 6));
    await closeClients(clients);
  });
});

describe('the ws integration', () => {
  /** An echo server on loopback; resolves with its URL once it listens. */
  async function echoServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
    const server = new WebSocketServer({ ...options, port: 0, host: '127.0.0.1' });
    disposers.push(() => new Promise((resolve) => server.close(resolve)));
    server.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
    await new Promise((resolve) => server.once('listening', resolve));
    return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  async function echo(url: string, messages: number): Promise<void> {
    const [socket] = await openClients(url, 1);
    const back = new Promise<void>((resolve) => {
      let seen = 0;
      socket?.on('message', () => ++seen === messages && resolve());
    });
    for (let index = 0; index < messages; index++) socket?.send(`message ${index}`);
    await back;
    await closeClients(socket ? [socket] : []);
  }

  it("counts only attached servers, keeps a host's own WebSocket subclass, and gives it back on close", async () => {
    class HostSocket extends WebSocket {
      greeting(): string {
        return 'from the host class';
      }
    }
    const attached = await echoServer({ WebSocket: HostSocket });
    const other = await echoServer();
    const agent = createAgent({ nodeId: 'ws-1', token: HOST_TOKENS.operate, admin: false });
    disposers.push(() => agent.close());
    agent.attach(attached.server);
    const accepted: WebSocket[] = [];
    attached.server.on('connection', (socket) => accepted.push(socket));

    await echo(attached.url, 3);
    await echo(other.url, 5);
    await waitFor(() => agent.sample().connections.closed === 1, 'the close to be counted');
    expect(agent.sample().traffic).toMatchObject({ messagesIn: 3, messagesOut: 3 });
    expect(agent.sample().connections).toMatchObject({ opened: 1, closed: 1, open: 0 });
    // The counting class extends the host's, so the host's own methods stay.
    expect(accepted[0]).toBeInstanceOf(HostSocket);
    expect((accepted[0] as HostSocket).greeting()).toBe('from the host class');

    await agent.close();
    expect(attached.server.options.WebSocket).toBe(HostSocket);
    await echo(attached.url, 2);
    expect(agent.sample().traffic.messagesIn).toBe(3);
  });

  it('gives every socket of a base class one class, so ws sees one shape of socket', () => {
    const counted = countingWebSocketClass(WebSocket);
    expect(countingWebSocketClass(WebSocket)).toBe(counted);
    // A counting class is never wrapped twice (a server attached by a second agent).
    expect(countingWebSocketClass(counted)).toBe(counted);
    expect(new WebSocketServer({ noServer: true }).options.WebSocket).toBe(WebSocket);
  });
});

describe('health metrics', () => {
  it('report event-loop delay, CPU, memory and caught errors', async () => {
    const { agent, wsUrl } = await host();
    agent.sample(); // start a fresh interval
    // A 250 ms stall of the loop, right after the sample: it spans the interval's first firing
    // of the 100 ms monitor, delayed by at least 150 ms.
    const busyUntil = Date.now() + 250;
    while (Date.now() < busyUntil);
    // Then three firings on time, so the median is an ordinary one.
    await new Promise((resolve) => setTimeout(resolve, 350));
    const { health } = agent.sample();
    expect(health.loopDelayMaxMs).toBeGreaterThanOrEqual(140);
    expect(health.loopDelayMaxMs).toBeLessThan(400);
    expect(health.loopDelayP50Ms).toBeLessThan(health.loopDelayMaxMs);
    expect(health.cpu).toBeGreaterThan(0.1); // busy for about half the interval; low bound for a loaded CI machine
    expect(health.rssBytes).toBeGreaterThan(health.heapUsedBytes);
    expect(health.heapTotalBytes).toBeGreaterThanOrEqual(health.heapUsedBytes);

    // A host hook that throws is caught and counted, and the shed still closes the connection.
    const errorsBefore = health.errors;
    const throwing = createAgent({
      nodeId: 'hooked',
      token: HOST_TOKENS.operate,
      admin: false,
      beforeClose: () => {
        throw new Error('host bug');
      },
    });
    disposers.push(() => throwing.close());
    const caught: Error[] = [];
    throwing.on('error', (error) => caught.push(error));
    const closedCodes: number[] = [];
    throwing.track({ close: (code) => closedCodes.push(code) }, { transport: 'long-polling' });
    throwing.shed({ count: 1, deadlineMs: 0 });
    await waitFor(() => closedCodes.length === 1, 'the shed close');
    expect(closedCodes).toEqual([1012]);
    expect(caught.map((error) => error.message)).toEqual(['host bug']);
    expect(throwing.sample().health.errors).toBe(1);
    expect(agent.sample().health.errors).toBe(errorsBefore);
    await closeClients(await openClients(wsUrl, 1));
  });
});

describe('channel metrics', () => {
  it('report the interval top channels and cumulative totals', async () => {
    const { agent } = await host();
    agent.sample();
    for (let index = 0; index < 30; index++) agent.channels.published('chat:hot', 100);
    agent.channels.delivered('chat:hot', 10, 1_000);
    agent.channels.published('chat:cold', 50);
    agent.channels.subscribed('chat:hot', 3);
    agent.channels.subscribed('chat:cold', 1);
    agent.channels.subscribed('chat:cold', -1);
    const { channels } = agent.sample();
    expect(channels.top.map((channel) => channel.name)).toEqual(['chat:hot', 'chat:cold']);
    expect(channels.top[0]).toEqual({
      name: 'chat:hot',
      published: 30,
      delivered: 10,
      bytesIn: 3_000,
      bytesOut: 1_000,
      subscribers: 3,
      error: 0,
    });
    expect(channels.totals).toEqual({ published: 31, delivered: 10, bytesIn: 3_050, bytesOut: 1_000 });
    expect(channels).toMatchObject({ subscribedChannels: 1, subscribers: 3 });
    // Bad calls are ignored and counted, never thrown.
    agent.channels.published('', 1);
    agent.channels.published('x', Number.NaN);
    expect(agent.sample().channels.rejected).toBe(2);
    // The next interval starts empty; totals are cumulative.
    const next = agent.sample().channels;
    expect(next.top).toEqual([]);
    expect(next.rejected).toBe(2);
    expect(next.totals.published).toBe(31);
  });
});

describe('Prometheus exposition', () => {
  it('serves /metrics with live figures and keeps sampling for later scrapes', async () => {
    const { httpUrl, wsUrl } = await host();
    const sockets = await openClients(wsUrl, 4);
    const first = await fetch(`${httpUrl}/metrics`);
    expect(first.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await first.text()).toMatch(/^fleetdeck_connections\{transport="websocket"\} 4$/m);
    await closeClients(sockets.slice(0, 3));
    // Scrapes read the latest interval's sample: within a couple of intervals it shows the closes.
    await waitFor(
      async () =>
        /^fleetdeck_connections\{transport="websocket"\} 1$/m.test(
          await (await fetch(`${httpUrl}/metrics`)).text(),
        ),
      'a scrape with one open connection',
    );
    await closeClients(sockets);
  });
});

describe('identity', () => {
  it('is sent in hello, and a restarted agent is seen by the console as a new run', async () => {
    let agent: Agent = createAgent({
      nodeId: 'n-restart',
      token: HOST_TOKENS.operate,
      intervalMs: 100,
      labels: { zone: 'a' },
      version: '2.1.0',
      admin: { port: 0 },
    });
    const port = (await agent.ready())?.port as number;
    const service = createConsoleService({
      fleet: {
        name: 'f',
        nodes: [
          {
            id: 'n-restart',
            adminUrl: `ws://127.0.0.1:${port}`,
            publicUrl: null,
            token: HOST_TOKENS.operate,
          },
        ],
      },
      flushMs: 50,
      linkTiming: {
        backoffBaseMs: 20,
        backoffMaxMs: 100,
        connectTimeoutMs: 1_000,
        silentIntervals: 3,
        commandTimeoutMs: 2_000,
      },
    });
    disposers.push(() => service.dispose());
    const view = () => service.store.snapshot().nodes[0];
    await waitFor(() => view()?.rates, 'rates from the first run');
    const first = view()?.identity;
    expect(first).toMatchObject({
      nodeId: 'n-restart',
      version: '2.1.0',
      labels: { zone: 'a' },
      pid: process.pid,
    });

    await agent.close();
    await new Promise((resolve) => setTimeout(resolve, 5)); // a new run has a later startedAt
    agent = createAgent({
      nodeId: 'n-restart',
      token: HOST_TOKENS.operate,
      intervalMs: 100,
      admin: { port },
    });
    disposers.push(() => agent.close());
    await agent.ready();
    await waitFor(() => (view()?.identity?.startedAt ?? 0) > (first?.startedAt ?? 0), 'the new run');
    await waitFor(() => view()?.rates, 'rates from the new run');
    expect(view()?.status).toBe('active');
  });
});
