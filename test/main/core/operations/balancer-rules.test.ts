/**
 * The balancer's pure parts and its runtime client's transport: the fleet file's `balancer`
 * block, the matching and mismatch rules at chosen times, and the client against small real
 * servers (TCP and a unix socket) that answer like HAProxy, reset like it, or hang.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareWithFleet, serverStateCategory } from '../../../../main/core/operations/balancer.js';
import {
  DEFAULT_CHECK_INTERVAL_MS,
  parseBalancer,
  parseRuntimeApiAddress,
} from '../../../../main/core/operations/balancer-config.js';
import {
  HaproxyRuntime,
  type HaproxyServerStat,
  parseShowStat,
} from '../../../../main/core/operations/haproxy-runtime.js';
import { nodeView } from '../node-views.js';

const fail = (message: string): never => {
  throw new Error(message);
};

describe('the fleet file balancer block', () => {
  it('accepts tcp://host:port, host:port, [v6]:port and unix socket paths', () => {
    expect(parseRuntimeApiAddress('tcp://127.0.0.1:9999')).toEqual({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 9999,
    });
    expect(parseRuntimeApiAddress('haproxy.internal:9999')).toEqual({
      kind: 'tcp',
      host: 'haproxy.internal',
      port: 9999,
    });
    expect(parseRuntimeApiAddress('ipv4@10.0.0.2:9999')).toEqual({
      kind: 'tcp',
      host: '10.0.0.2',
      port: 9999,
    });
    expect(parseRuntimeApiAddress('[::1]:9999')).toEqual({ kind: 'tcp', host: '::1', port: 9999 });
    expect(parseRuntimeApiAddress('/run/haproxy/admin.sock')).toEqual({
      kind: 'unix',
      path: '/run/haproxy/admin.sock',
    });
    expect(parseRuntimeApiAddress('unix:///run/haproxy/admin.sock')).toEqual({
      kind: 'unix',
      path: '/run/haproxy/admin.sock',
    });
    for (const bad of [
      '',
      '127.0.0.1',
      '127.0.0.1:0',
      'host:70000',
      'http://h:1',
      'a b:1',
      '/',
      'tcp://:1',
    ]) {
      expect(parseRuntimeApiAddress(bad), bad).toBeNull();
    }
  });

  it('fills in the backend and check interval, and says which field is wrong', () => {
    expect(
      parseBalancer(
        { kind: 'haproxy', url: 'http://x', balance: 'roundrobin', runtimeApi: 'tcp://127.0.0.1:1' },
        fail,
      ),
    ).toEqual({
      kind: 'haproxy',
      runtimeApi: 'tcp://127.0.0.1:1',
      address: { kind: 'tcp', host: '127.0.0.1', port: 1 },
      backend: 'nodes',
      checkIntervalMs: DEFAULT_CHECK_INTERVAL_MS,
    });
    expect(
      parseBalancer(
        { kind: 'haproxy', runtimeApi: '/tmp/h.sock', backend: 'ws', checkIntervalMs: 500 },
        fail,
      ),
    ).toMatchObject({ backend: 'ws', checkIntervalMs: 500, address: { kind: 'unix', path: '/tmp/h.sock' } });
    // No balancer, the launcher's development balancer, or HAProxy without a runtime API: nothing to show.
    expect(parseBalancer(undefined, fail)).toBeNull();
    expect(parseBalancer({ kind: 'dev', url: 'http://127.0.0.1:1' }, fail)).toBeNull();
    expect(parseBalancer({ kind: 'haproxy', url: 'http://127.0.0.1:1' }, fail)).toBeNull();
    expect(() => parseBalancer('haproxy', fail)).toThrow('"balancer" must be an object');
    expect(() => parseBalancer({ kind: 'haproxy', runtimeApi: 'nowhere' }, fail)).toThrow(
      '"balancer.runtimeApi" must be HAProxy\'s runtime API',
    );
    expect(() => parseBalancer({ kind: 'haproxy', runtimeApi: 'h:1', backend: 'a b' }, fail)).toThrow(
      '"balancer.backend" must be the name of an HAProxy backend',
    );
    expect(() => parseBalancer({ kind: 'haproxy', runtimeApi: 'h:1', checkIntervalMs: 1.5 }, fail)).toThrow(
      '"balancer.checkIntervalMs"',
    );
  });
});

function stat(server: string, status: string, overrides: Partial<HaproxyServerStat> = {}): HaproxyServerStat {
  return {
    backend: 'nodes',
    server,
    status,
    sessions: 0,
    weight: 100,
    checkStatus: 'L7OK',
    checkDescription: 'Layer7 check passed',
    agentStatus: null,
    agentDescription: null,
    address: null,
    lastChangeS: 1,
    ...overrides,
  };
}

describe('matching servers to nodes and the mismatch rules', () => {
  const INTERVAL = 1_000;

  it('reads HAProxy status texts as categories', () => {
    expect(
      [
        'UP',
        'UP 1/3',
        'DOWN',
        'DOWN 1/2',
        'DRAIN',
        'DRAIN (agent)',
        'MAINT',
        'MAINT (via nodes/x)',
        'NOLB',
        'no check',
        '?',
      ].map(serverStateCategory),
    ).toEqual(['UP', 'UP', 'DOWN', 'DOWN', 'DRAIN', 'DRAIN', 'MAINT', 'MAINT', 'NOLB', 'UP', 'OTHER']);
  });

  it('matches by name first, then by the public URL’s address, each node once', () => {
    const views = [
      nodeView('node-1', 0, { publicUrl: 'ws://127.0.0.1:4001/ws' }),
      nodeView('edge-a', 0, { publicUrl: 'ws://localhost:4002/ws' }),
      nodeView('edge-b', 0, { publicUrl: 'wss://ws.example.com/ws' }),
    ];
    const { servers, mismatches } = compareWithFleet(
      [
        stat('srv-x', 'UP', { address: '127.0.0.1:4001' }), // node-1's address, but node-1 has its own server
        stat('node-1', 'UP', { address: '10.0.0.1:1' }),
        stat('srv-a', 'UP', { address: '127.0.0.1:4002' }),
        stat('srv-b', 'UP', { address: 'WS.example.com:443' }),
      ],
      views,
      INTERVAL,
      10_000,
    );
    expect(servers.map((server) => [server.name, server.nodeId])).toEqual([
      ['srv-x', null],
      ['node-1', 'node-1'],
      ['srv-a', 'edge-a'],
      ['srv-b', 'edge-b'],
    ]);
    expect(mismatches).toEqual([
      { nodeId: null, server: 'srv-x', message: 'HAProxy server srv-x is not in the fleet' },
    ]);
  });

  it('gives HAProxy twice the check interval to follow an agent, then warns', () => {
    const draining = nodeView('node-2', 5, { status: 'draining', statusSince: 10_000 });
    const rows = [stat('node-2', 'UP')];
    expect(compareWithFleet(rows, [draining], INTERVAL, 12_000).mismatches).toEqual([]);
    expect(compareWithFleet(rows, [draining], INTERVAL, 12_001).mismatches).toEqual([
      {
        nodeId: 'node-2',
        server: 'node-2',
        message: 'node-2 is draining but HAProxy still sends it new connections',
      },
    ]);
    // DRAIN, MAINT, NOLB and DOWN all keep new connections away: no warning.
    for (const status of ['DRAIN (agent)', 'MAINT', 'NOLB', 'DOWN']) {
      expect(
        compareWithFleet([stat('node-2', status)], [draining], INTERVAL, 60_000).mismatches,
        status,
      ).toEqual([]);
    }
    // A node first seen drained: the drain's own start time counts.
    const drained = nodeView('node-2', 0, {
      status: 'drained',
      statusSince: 50_000,
      drain: { kind: 'drain', startedAt: 20_000, deadlineAt: 30_000, total: 5, closed: 5, closeCode: 1012 },
    });
    expect(
      compareWithFleet(rows, [drained], INTERVAL, 50_001).mismatches.map((item) => item.message),
    ).toEqual(['node-2 is drained but HAProxy still sends it new connections']);
  });

  it('warns when HAProxy keeps an active node out or its checks fail, after the grace', () => {
    const active = nodeView('node-3', 0, { statusSince: 0 });
    const justActive = nodeView('node-3', 0, { statusSince: 9_500 });
    for (const status of ['DRAIN', 'MAINT']) {
      expect(compareWithFleet([stat('node-3', status)], [active], INTERVAL, 10_000).mismatches).toEqual([
        {
          nodeId: 'node-3',
          server: 'node-3',
          message: 'HAProxy keeps node-3 out although its agent is active',
        },
      ]);
      // Just undrained: HAProxy has not had its two checks yet.
      expect(compareWithFleet([stat('node-3', status)], [justActive], INTERVAL, 10_000).mismatches).toEqual(
        [],
      );
    }
    const down = stat('node-3', 'DOWN', { checkStatus: 'L4CON', checkDescription: 'Connection refused' });
    expect(
      compareWithFleet([down], [active], INTERVAL, 10_000).mismatches.map((item) => item.message),
    ).toEqual(["HAProxy's checks fail for node-3 although its agent is active (Connection refused)"]);
    // Connecting and unreachable agents say nothing about where traffic should go.
    for (const status of ['connecting', 'unreachable'] as const) {
      const view = nodeView('node-3', 0, { status });
      expect(compareWithFleet([stat('node-3', 'MAINT')], [view], INTERVAL, 10_000).mismatches).toEqual([]);
    }
  });

  it('reports nodes that no server is, and summarises checks', () => {
    const { servers, mismatches } = compareWithFleet(
      [
        stat('node-1', 'UP', { agentStatus: 'L7OK' }),
        stat('node-2', 'DOWN', { checkStatus: 'L4CON', checkDescription: 'Connection refused' }),
        stat('node-3', 'MAINT', { checkStatus: null, checkDescription: null }),
      ],
      [
        nodeView('node-1'),
        nodeView('node-2', 0, { status: 'unreachable' }),
        nodeView('node-3', 0, { status: 'draining' }),
        nodeView('node-4'),
      ],
      INTERVAL,
      10_000,
    );
    expect(servers.map((server) => server.checkStatus)).toEqual([
      'L7OK · agent L7OK',
      'L4CON Connection refused',
      null,
    ]);
    expect(mismatches).toEqual([{ nodeId: 'node-4', server: null, message: 'node-4 is not behind HAProxy' }]);
  });
});

describe('the runtime API client', () => {
  const servers: Server[] = [];
  const directories: string[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  const CSV = [
    '# pxname,svname,scur,status,weight,check_status,agent_status,check_desc,agent_desc,addr,lastchg',
    'nodes,node-1,7,UP,100,L7OK,L7OK,"Layer7 check passed, really",Layer7 check passed,127.0.0.1:4001,12',
    'nodes,BACKEND,7,UP,100,,,,,,12',
    '',
    '',
  ].join('\n');

  /** A server that hands every connection's first line to `answer`. */
  async function serve(
    answer: (line: string, socket: Socket, connection: number) => void,
    path?: string,
  ): Promise<{ server: Server; lines: string[] }> {
    const lines: string[] = [];
    let connection = 0;
    const server = createServer((socket) => {
      const index = connection++;
      socket.on('error', () => {});
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString();
        const end = buffered.indexOf('\n');
        if (end >= 0) {
          lines.push(buffered.slice(0, end));
          answer(buffered.slice(0, end), socket, index);
        }
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) =>
      path ? server.listen(path, resolve) : server.listen(0, '127.0.0.1', resolve),
    );
    return { server, lines };
  }

  const tcp = (server: Server, timeoutMs?: number) =>
    new HaproxyRuntime({
      address: { kind: 'tcp', host: '127.0.0.1', port: (server.address() as AddressInfo).port },
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });

  it('reads `show stat` over a unix socket, quoted fields and all', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fleetdeck-runtime-'));
    directories.push(directory);
    const path = join(directory, 'admin.sock');
    const { lines } = await serve((_line, socket) => socket.end(CSV), path);
    const runtime = new HaproxyRuntime({ address: { kind: 'unix', path } });
    expect(runtime.where).toBe(path);
    expect(await runtime.servers('nodes')).toEqual([
      {
        backend: 'nodes',
        server: 'node-1',
        status: 'UP',
        sessions: 7,
        weight: 100,
        checkStatus: 'L7OK',
        checkDescription: 'Layer7 check passed, really',
        agentStatus: 'L7OK',
        agentDescription: 'Layer7 check passed',
        address: '127.0.0.1:4001',
        lastChangeS: 12,
      },
    ]);
    expect(lines).toEqual(['show stat nodes 4 -1']);
  });

  it('keeps a whole answer that ends in a reset, and sends a command again when a reset cut it short', async () => {
    const { server, lines } = await serve((_line, socket, connection) => {
      if (connection === 0) {
        socket.resetAndDestroy();
        return;
      }
      socket.write(CSV, () => setTimeout(() => socket.resetAndDestroy(), 20));
    });
    const runtime = tcp(server);
    expect((await runtime.servers('nodes')).map((row) => row.server)).toEqual(['node-1']);
    expect(lines).toEqual(['show stat nodes 4 -1', 'show stat nodes 4 -1']);
  });

  it('turns refusals, silence and garbage into sentences', async () => {
    const { server } = await serve((line, socket) => {
      if (line.startsWith('set server')) socket.end('Permission denied\n\n');
      else if (line.startsWith('show stat'))
        socket.end('Unknown command. Please enter one of the following commands only :\n\n');
      // Anything else: no answer at all.
    });
    const runtime = tcp(server, 300);
    await expect(runtime.setServerState('nodes', 'node-1', 'maint')).rejects.toThrow(
      `HAProxy refused: Permission denied (the stats socket at ${runtime.where} must be at "level admin")`,
    );
    await expect(runtime.servers('nodes')).rejects.toThrow(
      'HAProxy answered "show stat" with: Unknown command.',
    );
    await expect(runtime.command('show info')).rejects.toThrow(
      `HAProxy's runtime API at ${runtime.where} did not answer "show info" within 300 ms`,
    );
    await expect(runtime.command('show info\nshutdown sessions')).rejects.toThrow(TypeError);
    await expect(runtime.setServerState('nodes', 'a b', 'ready')).rejects.toThrow(TypeError);
    expect(parseShowStat('')).toEqual([]);
  });
});
