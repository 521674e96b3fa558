/**
 * Drain and shed against 200 real `ws` clients and SSE clients: paced closes with 1012,
 * health check and upgrades refused, state `drained` at the end, and a console that goes
 * away in the middle without stopping anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { adminClient, closeClients, openClients, sseClient } from '../helpers/clients.js';
import { HOST_TOKENS, startTestHost, type TestHost } from '../helpers/host.js';
import { sleep, waitFor } from '../helpers/wait.js';

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function host(): Promise<TestHost> {
  const started = await startTestHost();
  disposers.push(() => started.close());
  return started;
}

function upgradeOutcome(url: string): Promise<{ status: number; retryAfter?: string } | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (request, response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
      request.destroy();
    });
    socket.once('error', reject);
  });
}

async function healthStatus(httpUrl: string): Promise<number> {
  return (await fetch(`${httpUrl}/healthz`)).status;
}

describe('drain', () => {
  it('closes 200 clients at a pace over a 5 s deadline with 1012, refuses new ones, and ends drained', async () => {
    const { agent, wsUrl, httpUrl, adminUrl } = await host();
    const sockets = await openClients(wsUrl, 200);
    const closes: Array<{ code: number; at: number }> = [];
    for (const socket of sockets) socket.on('close', (code) => closes.push({ code, at: Date.now() }));

    let console = adminClient(adminUrl, HOST_TOKENS.operate);
    await console.opened;
    const startedAt = Date.now();
    console.socket.send(
      JSON.stringify({ type: 'command', id: 'd1', name: 'drain', args: { deadlineMs: 5_000 } }),
    );
    const reply = await waitFor(() => console.frames.find((frame) => frame.id === 'd1'), 'the drain reply');
    expect(reply).toMatchObject({ ok: true, result: { kind: 'drain', total: 200, closeCode: 1012 } });

    // At once: the health check fails and new upgrades are refused with Retry-After.
    expect(await healthStatus(httpUrl)).toBe(503);
    expect(await upgradeOutcome(wsUrl)).toEqual({ status: 503, retryAfter: '5' });
    expect(agent.state).toBe('draining');

    // The console goes away in the middle and comes back: the drain carries on regardless.
    await sleep(1_500);
    console.socket.terminate();
    await sleep(1_000);
    const closedWhileAway = closes.length;
    console = adminClient(adminUrl, HOST_TOKENS.operate);
    await console.opened;
    expect(await upgradeOutcome(wsUrl)).toMatchObject({ status: 503 });

    await waitFor(() => closes.length === 200, 'every client closed', 8_000);
    await waitFor(() => agent.state === 'drained', 'state drained');
    const finishedAt = Math.max(...closes.map((close) => close.at));
    expect(finishedAt - startedAt).toBeLessThanOrEqual(5_000 + 500);
    expect(closedWhileAway).toBeGreaterThan(40);
    expect(new Set(closes.map((close) => close.code))).toEqual(new Set([1012]));

    // Spread: no second carries more than twice the average rate of the seconds it used.
    const perSecond = new Map<number, number>();
    for (const close of closes) {
      const second = Math.floor((close.at - startedAt) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const seconds = Math.max(...perSecond.keys()) + 1;
    const average = 200 / seconds;
    expect(seconds).toBeGreaterThanOrEqual(4);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2 * average);

    // The reconnected console sees the end: a drain-done event and drained samples.
    await waitFor(
      () => console.frames.find((frame) => frame.type === 'event' && frame.name === 'drain-done'),
      'drain-done',
    );
    await waitFor(
      () => console.frames.some((frame) => frame.type === 'sample' && frame.state === 'drained'),
      'a drained sample',
    );
    expect(await healthStatus(httpUrl)).toBe(503);

    // Drain is idempotent once drained.
    console.socket.send(JSON.stringify({ type: 'command', id: 'd2', name: 'drain', args: {} }));
    expect(
      await waitFor(() => console.frames.find((frame) => frame.id === 'd2'), 'the second reply'),
    ).toMatchObject({
      ok: true,
      result: { total: 0 },
    });

    // Undrain: healthy again, and new connections are accepted.
    console.socket.send(JSON.stringify({ type: 'command', id: 'u1', name: 'undrain', args: {} }));
    expect(
      await waitFor(() => console.frames.find((frame) => frame.id === 'u1'), 'the undrain reply'),
    ).toMatchObject({
      ok: true,
      result: { state: 'active' },
    });
    expect(await healthStatus(httpUrl)).toBe(200);
    expect(await upgradeOutcome(wsUrl)).toBe('open');
    console.socket.close();
  }, 30_000);

  it('drains SSE clients too, calls the host hook before each close, and forces stragglers at the deadline', async () => {
    const hooked: Array<{ code: number; forced: boolean }> = [];
    const started = await startTestHost({ beforeClose: (_connection, context) => hooked.push(context) });
    disposers.push(() => started.close());
    const { agent, httpUrl, wsUrl } = started;
    const sse = [
      sseClient(`${httpUrl}/events`),
      sseClient(`${httpUrl}/events`),
      sseClient(`${httpUrl}/events`),
    ];
    await Promise.all(sse.map((client) => client.opened));
    const sockets = await openClients(wsUrl, 3);
    await waitFor(() => agent.sample().connections.open === 6, 'six connections');

    agent.drain({ deadlineMs: 600 });
    await Promise.all(sse.map((client) => client.ended));
    await closeClients(sockets); // whatever the drain has not closed yet
    await waitFor(() => agent.state === 'drained', 'drained');
    for (const client of sse)
      expect(client.events.at(-1)).toBe('event: close\ndata: {"code":1012,"reason":"node draining"}');
    expect(hooked.length).toBeGreaterThanOrEqual(3);
    expect(hooked.every((context) => context.code === 1012)).toBe(true);
  });

  it('undrain in the middle stops closing and accepts connections again', async () => {
    const { agent, wsUrl, httpUrl } = await host();
    const sockets = await openClients(wsUrl, 40);
    let closed = 0;
    for (const socket of sockets) socket.on('close', () => closed++);
    agent.drain({ deadlineMs: 4_000 });
    await sleep(1_000);
    agent.undrain();
    const closedAtUndrain = closed;
    await sleep(600);
    expect(closed - closedAtUndrain).toBeLessThanOrEqual(1); // a close already in flight may land
    expect(closedAtUndrain).toBeGreaterThan(0);
    expect(closedAtUndrain).toBeLessThan(40);
    expect(agent.state).toBe('active');
    expect(await healthStatus(httpUrl)).toBe(200);
    await closeClients(sockets);
  });
});

describe('shed', () => {
  it('undrain stops a shed in the middle', async () => {
    const { agent, wsUrl } = await host();
    const sockets = await openClients(wsUrl, 30);
    let closed = 0;
    for (const socket of sockets) socket.on('close', () => closed++);
    const events: string[] = [];
    agent.on('event', (frame: { name: string }) => events.push(frame.name));
    agent.shed({ count: 20, deadlineMs: 4_000 });
    await sleep(1_000);
    agent.undrain();
    const closedAtUndrain = closed;
    await sleep(800);
    expect(closed - closedAtUndrain).toBeLessThanOrEqual(1); // a close already in flight may land
    expect(closedAtUndrain).toBeGreaterThan(0);
    expect(closedAtUndrain).toBeLessThan(20);
    expect(events).toContain('shed-cancelled');
    expect(agent.sample().drain).toBeNull();
    expect(agent.state).toBe('active');
    await closeClients(sockets);
  });

  it('closes exactly N connections at a pace and stays active', async () => {
    const { agent, wsUrl, adminUrl } = await host();
    const sockets = await openClients(wsUrl, 30);
    const codes: number[] = [];
    for (const socket of sockets) socket.on('close', (code) => codes.push(code));
    const console = adminClient(adminUrl, HOST_TOKENS.operate);
    await console.opened;
    console.socket.send(
      JSON.stringify({ type: 'command', id: 's1', name: 'shed', args: { count: 10, deadlineMs: 1_000 } }),
    );
    expect(
      await waitFor(() => console.frames.find((frame) => frame.id === 's1'), 'the shed reply'),
    ).toMatchObject({
      ok: true,
      result: { kind: 'shed', total: 10 },
    });
    await waitFor(
      () => console.frames.find((frame) => frame.type === 'event' && frame.name === 'shed-done'),
      'shed-done',
      4_000,
    );
    await sleep(200);
    expect(codes).toEqual(Array(10).fill(1012));
    expect(agent.state).toBe('active');
    expect(agent.sample().connections.open).toBe(20);

    console.socket.send(JSON.stringify({ type: 'command', id: 's2', name: 'shed', args: { count: -3 } }));
    expect(
      await waitFor(() => console.frames.find((frame) => frame.id === 's2'), 'the refusal'),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad-args' },
    });
    console.socket.close();
    await closeClients(sockets);
  });
});

describe('drain edge cases', () => {
  it('returns final progress when there is nothing to close, and gives up on tracked connections the host never ends', async () => {
    const { agent } = await host();
    expect(agent.drain({ deadlineMs: 1_000 })).toMatchObject({ kind: 'drain', total: 0, closed: 0 });
    expect(agent.state).toBe('drained');
    agent.undrain();

    // A host whose close() does nothing and who never calls closed(): the drain still ends.
    agent.track({ close() {} }, { transport: 'long-polling' });
    agent.drain({ deadlineMs: 100 });
    await waitFor(() => agent.state === 'drained', 'drained despite the stuck connection', 4_000);
    expect(agent.sample().connections.closeCodes).toMatchObject({ '1006': 1 });
  });

  it('refuses drain and shed after close()', async () => {
    const { agent } = await host();
    await agent.close();
    expect(() => agent.drain()).toThrow(/closed/);
    expect(() => agent.shed({ count: 1 })).toThrow(/closed/);
  });
});
