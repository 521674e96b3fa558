/** NodeLink against real WebSocket servers that play a good and a bad agent. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createAgent } from '../../../agent/index.js';
import type { HelloFrame, SampleFrame } from '../../../agent/protocol.js';
import { NodeLink, type NodeLinkListener } from '../../../main/core/node-link.js';
import { helloFrame, sampleFrame } from '../../helpers/frames.js';
import { waitFor } from '../../helpers/wait.js';

const token = 'operate-token-0123456789';
const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

function recorder() {
  const seen = {
    hellos: [] as HelloFrame[],
    samples: [] as SampleFrame[],
    downs: [] as string[],
    dropped: [] as string[],
  };
  const listener: NodeLinkListener = {
    hello: (frame) => seen.hellos.push(frame),
    sample: (frame) => seen.samples.push(frame),
    event: () => {},
    down: (problem) => seen.downs.push(problem),
    dropped: (reason) => seen.dropped.push(reason),
  };
  return { seen, listener };
}

const fastTiming = {
  backoffBaseMs: 20,
  backoffMaxMs: 100,
  connectTimeoutMs: 1_000,
  silentIntervals: 3,
  commandTimeoutMs: 2_000,
};

async function fakeAgent(onConnection: (send: (text: string) => void) => void): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => onConnection((text) => socket.send(text)));
  disposers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const hello = helloFrame();
const sample = (seq: number) => sampleFrame(seq, 1_000 + seq);

describe('NodeLink', () => {
  it('drops and counts bad frames from an agent, and keeps going', async () => {
    const url = await fakeAgent((send) => {
      send(JSON.stringify(sample(0))); // before hello
      send(JSON.stringify(hello));
      send('{"type":"sample"'); // truncated JSON
      send(JSON.stringify({ ...sample(1), connections: { open: -1, opened: 1, closed: 0 } }));
      send(JSON.stringify({ ...sample(2), state: 'on-fire' }));
      send(JSON.stringify({ type: 'gossip' }));
      send('x'.repeat(70 * 1024));
      send(JSON.stringify(sample(3)));
    });
    const { seen, listener } = recorder();
    const link = new NodeLink('n1', url, token, listener, fastTiming);
    disposers.push(() => link.dispose());
    link.start();
    await waitFor(() => seen.samples.length === 1, 'the one valid sample');
    expect(seen.samples[0]?.seq).toBe(3);
    expect(seen.dropped).toHaveLength(6);
    expect(seen.dropped.join('\n')).toMatch(/sample before hello/);
    expect(seen.dropped.join('\n')).toMatch(/connections.open must be a non-negative integer/);
    expect(seen.dropped.join('\n')).toMatch(/state must be one of active, draining, drained/);
    expect(seen.downs).toEqual([]);
  });

  it('reports refused connections quickly and links once the agent appears', async () => {
    const { seen, listener } = recorder();
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));

    const link = new NodeLink('n1', `ws://127.0.0.1:${port}`, token, listener, fastTiming);
    disposers.push(() => link.dispose());
    link.start();
    await waitFor(() => seen.downs.length > 0, 'a down report');
    expect(seen.downs[0]).toMatch(/connection refused/);

    const agent = createAgent({ nodeId: 'n1', token, intervalMs: 100, admin: { port } });
    disposers.push(() => agent.close());
    await agent.ready();
    await waitFor(() => seen.samples.length > 0, 'a sample after the agent started', 3_000);
    expect(seen.hellos[0]?.node.nodeId).toBe('n1');
  });

  it('says why when the token is refused', async () => {
    const agent = createAgent({ nodeId: 'n1', token, intervalMs: 100, admin: { port: 0 } });
    disposers.push(() => agent.close());
    const address = await agent.ready();
    const { seen, listener } = recorder();
    const link = new NodeLink(
      'n1',
      `ws://127.0.0.1:${address?.port}`,
      'wrong-token-0123456789',
      listener,
      fastTiming,
    );
    disposers.push(() => link.dispose());
    link.start();
    await waitFor(() => seen.downs.length > 0, 'a down report');
    expect(seen.downs[0]).toMatch(/refused the token \(HTTP 401\)/);
  });

  it('sends commands and resolves with the reply', async () => {
    const agent = createAgent({ nodeId: 'n1', token, intervalMs: 100, admin: { port: 0 } });
    disposers.push(() => agent.close());
    const address = await agent.ready();
    const { seen, listener } = recorder();
    const link = new NodeLink('n1', `ws://127.0.0.1:${address?.port}`, token, listener, fastTiming);
    disposers.push(() => link.dispose());
    link.start();
    await waitFor(() => seen.hellos.length > 0, 'hello');
    await expect(link.command('ping')).resolves.toMatchObject({ pong: expect.any(Number) });
    await expect(link.command('shed', { count: 0 })).rejects.toThrow(
      /shed needs count: a positive integer \(bad-args\)/,
    );
  });

  it('declares a silent agent unreachable after three intervals', async () => {
    const url = await fakeAgent((send) => send(JSON.stringify(hello))); // hello, then nothing
    const { seen, listener } = recorder();
    const link = new NodeLink('n1', url, token, listener, fastTiming);
    disposers.push(() => link.dispose());
    link.start();
    await waitFor(() => seen.downs.length > 0, 'a down report', 3_000);
    expect(seen.downs[0]).toMatch(/no data for 3 sample intervals/);
  });

  it('names a protocol version mismatch as the problem instead of "connection lost"', async () => {
    const url = await fakeAgent((send) =>
      send(JSON.stringify({ type: 'hello', protocol: 2, whatever: true })),
    );
    const { seen, listener } = recorder();
    const link = new NodeLink('n1', url, token, listener, fastTiming);
    disposers.push(() => link.dispose());
    link.start();
    await waitFor(() => seen.downs.length > 0, 'a down report');
    expect(seen.downs[0]).toBe('agent speaks protocol 2, this console speaks 1');
    expect(seen.dropped[0]).toBe(seen.downs[0]);
  });
});
