/** The agent-check integration: the weight formula, the reply line, and the TCP responder under RSTs. */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentCheckResponder,
  agentCheckReply,
  agentCheckWeight,
  DEFAULT_AGENT_CHECK_WEIGHT,
} from '../../agent/integrations/haproxy-agent-check.js';

describe('agentCheckWeight', () => {
  it('is 100 when idle and minWeight when fully loaded', () => {
    expect(agentCheckWeight({ openConnections: 0, loopDelayP99Ms: 0 })).toBe(100);
    expect(agentCheckWeight({ openConnections: 10_000, loopDelayP99Ms: 0 })).toBe(1);
    expect(agentCheckWeight({ openConnections: 0, loopDelayP99Ms: 200 })).toBe(1);
    expect(agentCheckWeight({ openConnections: 50_000, loopDelayP99Ms: 5_000 })).toBe(1);
    expect(
      agentCheckWeight(
        { openConnections: 10_000, loopDelayP99Ms: 0 },
        { ...DEFAULT_AGENT_CHECK_WEIGHT, minWeight: 5 },
      ),
    ).toBe(5);
  });

  it('multiplies the connection and loop headroom', () => {
    expect(agentCheckWeight({ openConnections: 2_500, loopDelayP99Ms: 0 })).toBe(75);
    expect(agentCheckWeight({ openConnections: 0, loopDelayP99Ms: 50 })).toBe(75);
    // 100 × 0.5 × 0.5
    expect(agentCheckWeight({ openConnections: 5_000, loopDelayP99Ms: 100 })).toBe(25);
    expect(
      agentCheckWeight(
        { openConnections: 50, loopDelayP99Ms: 0 },
        { maxConnections: 100, maxLoopDelayMs: 10, minWeight: 1 },
      ),
    ).toBe(50);
  });

  it('never rises when the load rises, and stays an integer in 1..100', () => {
    const connections = [0, 1, 10, 99, 500, 2_000, 5_000, 9_999, 10_000, 20_000];
    const delays = [0, 0.5, 3, 20, 99, 150, 199.9, 200, 1_000];
    for (const loopDelayP99Ms of delays) {
      let previous = Number.POSITIVE_INFINITY;
      for (const openConnections of connections) {
        const weight = agentCheckWeight({ openConnections, loopDelayP99Ms });
        expect(Number.isInteger(weight)).toBe(true);
        expect(weight).toBeGreaterThanOrEqual(1);
        expect(weight).toBeLessThanOrEqual(100);
        expect(weight).toBeLessThanOrEqual(previous);
        previous = weight;
      }
    }
    for (const openConnections of connections) {
      let previous = Number.POSITIVE_INFINITY;
      for (const loopDelayP99Ms of delays) {
        const weight = agentCheckWeight({ openConnections, loopDelayP99Ms });
        expect(weight).toBeLessThanOrEqual(previous);
        previous = weight;
      }
    }
  });

  it('treats NaN and negative load as none and infinite load as full', () => {
    expect(agentCheckWeight({ openConnections: Number.NaN, loopDelayP99Ms: Number.NaN })).toBe(100);
    expect(agentCheckWeight({ openConnections: -5, loopDelayP99Ms: -1 })).toBe(100);
    expect(agentCheckWeight({ openConnections: Number.POSITIVE_INFINITY, loopDelayP99Ms: 0 })).toBe(1);
  });

  it('rejects invalid options with a TypeError', () => {
    const load = { openConnections: 0, loopDelayP99Ms: 0 };
    const base = DEFAULT_AGENT_CHECK_WEIGHT;
    expect(() => agentCheckWeight(load, { ...base, maxConnections: 0 })).toThrow(TypeError);
    expect(() => agentCheckWeight(load, { ...base, maxLoopDelayMs: Number.NaN })).toThrow(TypeError);
    expect(() => agentCheckWeight(load, { ...base, minWeight: 0 })).toThrow(TypeError);
    expect(() => agentCheckWeight(load, { ...base, minWeight: 101 })).toThrow(TypeError);
    expect(() => agentCheckWeight(load, { ...base, minWeight: 1.5 })).toThrow(TypeError);
  });
});

describe('agentCheckReply', () => {
  it('answers "ready up W%" while active and "drain" otherwise', () => {
    expect(agentCheckReply('active', 73)).toBe('ready up 73%\n');
    expect(agentCheckReply('active', 100)).toBe('ready up 100%\n');
    expect(agentCheckReply('draining', 73)).toBe('drain\n');
    expect(agentCheckReply('drained', 100)).toBe('drain\n');
  });

  it('rounds and clamps the weight to 1..100', () => {
    expect(agentCheckReply('active', 72.6)).toBe('ready up 73%\n');
    expect(agentCheckReply('active', 0)).toBe('ready up 1%\n');
    expect(agentCheckReply('active', -20)).toBe('ready up 1%\n');
    expect(agentCheckReply('active', 250)).toBe('ready up 100%\n');
    expect(agentCheckReply('active', Number.NaN)).toBe('ready up 100%\n');
  });
});

/** Connects, collects everything until the responder ends the connection. */
function readLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** Connects and resets the connection, as HAProxy does, either at once or after reading the line. */
function resetClient(port: number, when: 'after-connect' | 'after-read'): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    // The client side of an RST sees no error of its own worth failing on.
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    if (when === 'after-connect') socket.once('connect', () => socket.resetAndDestroy());
    else socket.once('data', () => socket.resetAndDestroy());
  });
}

describe('AgentCheckResponder', () => {
  const owned: AgentCheckResponder[] = [];
  const clients: Socket[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(owned.splice(0).map((responder) => responder.close()));
  });

  async function start(reply: () => string) {
    const errors: unknown[] = [];
    const responder = new AgentCheckResponder(reply, (error) => errors.push(error));
    owned.push(responder);
    const address = await responder.listen('127.0.0.1', 0);
    return { responder, errors, port: address.port };
  }

  it('answers every connection with the current reply and ends it', async () => {
    let line = 'ready up 73%\n';
    const { responder, errors, port } = await start(() => line);
    expect(responder.address()).toMatchObject({ address: '127.0.0.1', port });
    expect(await readLine(port)).toBe('ready up 73%\n');
    line = 'drain\n';
    expect(await readLine(port)).toBe('drain\n');
    expect(errors).toEqual([]);
  });

  it('survives 200 clients that reset the connection, without counting the resets as errors', async () => {
    const { errors, port } = await start(() => 'ready up 100%\n');
    await Promise.all([
      ...Array.from({ length: 100 }, () => resetClient(port, 'after-connect')),
      ...Array.from({ length: 100 }, () => resetClient(port, 'after-read')),
    ]);
    // HAProxy ends every check with a reset: that is the protocol, not an error.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors).toEqual([]);
    expect(await readLine(port)).toBe('ready up 100%\n');
  });

  it('answers nothing and counts the error when reply() throws', async () => {
    const failure = new Error('load unavailable');
    const { errors, port } = await start(() => {
      throw failure;
    });
    expect(await readLine(port)).toBe('');
    expect(errors).toEqual([failure]);
  });

  it('keeps working when onError itself throws', async () => {
    const responder = new AgentCheckResponder(
      () => 'ready up 100%\n',
      () => {
        throw new Error('a broken error hook');
      },
    );
    owned.push(responder);
    const { port } = await responder.listen('127.0.0.1', 0);
    await resetClient(port, 'after-read');
    expect(await readLine(port)).toBe('ready up 100%\n');
  });

  it('destroys open sockets on close(), and close() is safe twice', async () => {
    const { responder, port } = await start(() => 'drain\n');
    // A peer that reads the line but never closes its side keeps the socket open on ours
    // (until a 5 s timeout), and a server only closes once its sockets have.
    const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    clients.push(client);
    client.on('error', () => {});
    await new Promise((resolve) => client.once('data', resolve));
    const started = Date.now();
    await Promise.all([responder.close(), responder.close()]);
    await responder.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(responder.address()).toBeNull();
    await expect(responder.listen('127.0.0.1', 0)).rejects.toThrow(/closed/);
  });

  it('rejects listen() on a port that is taken', async () => {
    const { port } = await start(() => 'drain\n');
    const second = new AgentCheckResponder(
      () => 'drain\n',
      () => {},
    );
    owned.push(second);
    await expect(second.listen('127.0.0.1', port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await second.close();
  });

  it('closes cleanly when it never listened', async () => {
    const responder = new AgentCheckResponder(
      () => 'drain\n',
      () => {},
    );
    await responder.close();
    expect(responder.address()).toBeNull();
  });
});
