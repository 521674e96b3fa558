/**
 * The local reference fleet: a broker (Redis, or the embedded relay without it), N
 * reference nodes as separate processes, a balancer in front (HAProxy, or the built-in
 * development balancer without it), simulated users connecting through the balancer, a
 * fleet file, and a control endpoint to add and remove nodes while it runs. Ctrl-C or
 * SIGTERM stops everything it started.
 *
 *   npm run fleet -- [--nodes 3] [--clients 300] [--duration-s 3600] [--out FILE]
 *                    [--redis URL | --no-redis] [--haproxy | --no-haproxy]
 *                    [--balance roundrobin|leastconn|random2|source|custom] [--sse-share 0.2]
 *   npm run fleet -- add --fleet FILE
 *   npm run fleet -- remove --fleet FILE --node ID [--deadline-ms 10000]
 *   npm run fleet -- restart --fleet FILE --node ID
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { FleetFileJson } from '../main/core/fleet-file.js';
import { ArgumentError, integerArg, numberArg, parseArgs } from './args.js';
import { type FleetBalancer, startDevBalancer } from './balancer/dev-balancer.js';
import { findHaproxy, type HaproxyOptions, startHaproxy } from './balancer/haproxy.js';
import { type RedisProcess, startRedisServer } from './broker/redis-process.js';
import { type RelayServer, startRelayServer } from './broker/relay.js';
import { spawnScript } from './spawn-script.js';
import { MAX_USERS } from './users.js';

/** Balancing algorithms; `custom` (agent-check weights) and `source` need HAProxy. */
export type BalanceAlgorithm = HaproxyOptions['balance'];

/** Options for {@link launchFleet}. */
export interface LaunchOptions {
  readonly nodes: number;
  readonly clients?: number;
  readonly durationS?: number;
  /** Where to write the fleet file. Default: a new file in the OS temp directory. */
  readonly out?: string;
  readonly name?: string;
  readonly intervalMs?: number;
  /** A Redis URL, 'auto' (REDIS_URL, else redis-server on PATH, else the relay) or 'off' (relay). Default 'auto'. */
  readonly redis?: string;
  /** 'auto' (HAProxy when on PATH), 'on' (HAProxy or fail) or 'off' (dev balancer). Default 'auto'. */
  readonly haproxy?: 'auto' | 'on' | 'off';
  readonly balance?: BalanceAlgorithm;
  /** Share of simulated users on SSE. Default 0.2. */
  readonly sseShare?: number;
  /** Health-check interval of the balancer, ms. Default 1000. */
  readonly checkIntervalMs?: number;
  /** Where child processes' stderr and the launcher's notes go. Default: this process's stderr. */
  readonly log?: (line: string) => void;
}

/** One started node, as the fleet file records it. */
export interface LaunchedNode {
  readonly id: string;
  readonly url: string;
  readonly http: string;
  readonly admin: string;
  readonly agentCheckPort: number | null;
  readonly pid: number;
}

/** The fleet file the launcher writes: the console's format plus what the launcher knows. */
export interface LocalFleetFile extends FleetFileJson {
  balancer: { kind: 'haproxy' | 'dev'; url: string; balance: BalanceAlgorithm; runtimeApi?: string };
  broker: { kind: 'redis' | 'relay'; url: string };
  control: { url: string };
  local: { launcherPid: number; nodes: LaunchedNode[] };
}

/** A running local fleet. */
export interface LaunchedFleet {
  readonly fleetFile: string;
  readonly nodes: readonly LaunchedNode[];
  readonly tokens: { readonly operate: string; readonly read: string };
  readonly balancer: LocalFleetFile['balancer'];
  readonly broker: LocalFleetFile['broker'];
  /** Starts one more node and puts it behind the balancer. */
  addNode(): Promise<LaunchedNode>;
  /** Drains a node (its agent closes its clients at a pace), takes it out of the balancer, stops it. */
  removeNode(id: string, deadlineMs?: number): Promise<void>;
  /**
   * Stops a node and starts it again under the same id, on the same ports when they are still
   * free (so the balancer and the console find it where it was). It does not drain it first.
   */
  restartNode(id: string): Promise<LaunchedNode>;
  /** Stops every process it started and removes the fleet file. Safe to call twice. */
  stop(): Promise<void>;
}

/** The most nodes one launcher runs on one machine. */
export const MAX_NODES = 64;
const READY_TIMEOUT_MS = 15_000;

function waitForReady(child: ChildProcess, id: string): Promise<LaunchedNode> {
  return new Promise((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(
      () => reject(new Error(`${id} did not start within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      try {
        const message = JSON.parse(line) as { event?: string } & LaunchedNode;
        if (message.event !== 'ready') return;
        clearTimeout(timer);
        const { url, http, admin, agentCheckPort, pid } = message;
        resolveReady({ id, url, http, admin, agentCheckPort, pid });
      } catch {
        // Not a protocol line: ignore.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${id} exited with code ${code} before it was ready`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** Sends one admin command to a node's agent and resolves with its reply's result. */
function agentCommand(
  adminUrl: string,
  token: string,
  name: string,
  args: Record<string, unknown>,
): Promise<unknown> {
  return new Promise((resolveCommand, reject) => {
    const socket = new WebSocket(adminUrl, { headers: { Authorization: `Bearer ${token}` } });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`${adminUrl} did not answer ${name}`));
    }, 10_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'command', id: 'launcher', name, args })));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as {
        type: string;
        id?: string;
        ok?: boolean;
        result?: unknown;
        error?: { message: string };
      };
      if (frame.type !== 'reply' || frame.id !== 'launcher') return;
      clearTimeout(timer);
      socket.close();
      if (frame.ok) resolveCommand(frame.result);
      else reject(new Error(frame.error?.message ?? `${name} failed`));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Waits until a node's /healthz answers 503 with state drained, or the time runs out. */
async function waitDrained(httpUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const body = (await (await fetch(`${httpUrl}/healthz`)).json()) as { state?: string };
      if (body.state === 'drained') return true;
    } catch {
      return true; // gone already
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  return false;
}

/** Starts a local fleet and resolves when every part is up and the fleet file is written. */
export async function launchFleet(options: LaunchOptions): Promise<LaunchedFleet> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const tokens = {
    operate: randomBytes(24).toString('base64url'),
    read: randomBytes(24).toString('base64url'),
  };
  const fleetFile = resolve(
    options.out ?? join(tmpdir(), `fleetdeck-fleet-${process.pid}-${Date.now()}.json`),
  );
  const children = new Map<string, ChildProcess>();
  const nodes: LaunchedNode[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  let nextIndex = 1;
  let stopping: Promise<void> | null = null;

  const pipeStderr = (child: ChildProcess, prefix: string) => {
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      log(`[${prefix}] ${line}`),
    );
  };
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all([...children.values()].map(stopChild));
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await rm(fleetFile, { force: true });
    })();
    return stopping;
  };

  try {
    // 1. The broker.
    let broker: LocalFleetFile['broker'];
    const redisChoice = options.redis ?? 'auto';
    const redisUrl =
      redisChoice === 'auto' ? process.env.REDIS_URL : redisChoice === 'off' ? undefined : redisChoice;
    const started = !redisUrl && redisChoice === 'auto' ? await startRedisOrNull() : null;
    if (redisUrl) {
      broker = { kind: 'redis', url: redisUrl };
    } else if (started) {
      cleanups.push(() => started.stop());
      broker = { kind: 'redis', url: started.url };
      log(`fleet: started redis-server on ${started.url}`);
    } else {
      const relay: RelayServer = await startRelayServer();
      cleanups.push(() => relay.close());
      broker = { kind: 'relay', url: relay.url };
      log('fleet: no Redis: channels go through the embedded relay (the no-Redis development default)');
    }

    // 2. The nodes.
    const wantHaproxy = options.haproxy ?? 'auto';
    const haproxyBinary = wantHaproxy === 'off' ? null : findHaproxy();
    if (wantHaproxy === 'on' && haproxyBinary === null)
      throw new Error('haproxy not found: apt-get install haproxy');
    /** Starts node `id`, on the given ports or on free ones. */
    const spawnNode = async (id: string, ports?: Pick<LaunchedNode, 'http' | 'admin' | 'agentCheckPort'>) => {
      const portOf = (url: string) => new URL(url).port;
      const child = spawnScript(
        'node-main',
        import.meta.url,
        [
          '--id',
          id,
          '--interval-ms',
          String(options.intervalMs ?? 1000),
          '--broker',
          broker.url,
          ...(ports ? ['--port', portOf(ports.http), '--admin-port', portOf(ports.admin)] : []),
          ...(haproxyBinary ? ['--agent-check-port', String(ports?.agentCheckPort ?? 0)] : []),
        ],
        {
          env: {
            ...process.env,
            FLEETDECK_TOKEN: tokens.operate,
            FLEETDECK_READ_TOKEN: tokens.read,
            FLEETDECK_EXIT_WITH_PARENT: '1',
          },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      children.set(id, child);
      pipeStderr(child, id);
      return waitForReady(child, id);
    };
    const startNode = async (): Promise<LaunchedNode> => {
      const node = await spawnNode(`node-${nextIndex++}`);
      nodes.push(node);
      return node;
    };
    await Promise.all(Array.from({ length: options.nodes }, startNode));
    nodes.sort((a, b) => Number(a.id.slice(5)) - Number(b.id.slice(5)));

    // 3. The balancer.
    const balance = options.balance ?? 'roundrobin';
    const server = (node: LaunchedNode) => ({
      id: node.id,
      host: '127.0.0.1',
      port: Number(new URL(node.http).port),
      ...(node.agentCheckPort !== null ? { agentCheckPort: node.agentCheckPort } : {}),
    });
    let balancer: FleetBalancer;
    let balancerInfo: LocalFleetFile['balancer'];
    const checkIntervalMs = options.checkIntervalMs ?? 1_000;
    if (haproxyBinary) {
      const haproxy = await startHaproxy({ servers: nodes.map(server), balance, checkIntervalMs });
      balancer = haproxy;
      balancerInfo = {
        kind: 'haproxy',
        url: haproxy.url,
        balance,
        runtimeApi: `tcp://${haproxy.runtime.host}:${haproxy.runtime.port}`,
      };
    } else {
      if (balance === 'custom' || balance === 'source') {
        throw new ArgumentError(`--balance ${balance} needs HAProxy (apt-get install haproxy)`);
      }
      balancer = await startDevBalancer({ servers: nodes.map(server), balance, checkIntervalMs });
      balancerInfo = { kind: 'dev', url: balancer.url, balance };
      log('fleet: no HAProxy: using the built-in development balancer');
    }
    cleanups.push(() => balancer.stop());

    // 4. The control endpoint and the fleet file.
    const writeFleetFile = async () => {
      const file: LocalFleetFile = {
        name: options.name ?? 'local demo fleet',
        tokens,
        nodes: nodes.map((node) => ({ id: node.id, admin: node.admin, url: node.url })),
        balancer: balancerInfo,
        broker,
        control: { url: control.url },
        local: { launcherPid: process.pid, nodes },
      };
      await mkdir(dirname(fleetFile), { recursive: true });
      // Beside it, then renamed: a console reading the file never sees half of it.
      const temporary = `${fleetFile}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, fleetFile);
    };

    const addNode = async () => {
      if (nodes.length >= MAX_NODES) throw new Error(`at most ${MAX_NODES} nodes`);
      const node = await startNode();
      await balancer.addServer(server(node));
      await writeFleetFile();
      log(`fleet: added ${node.id}`);
      return node;
    };
    const removeNode = async (id: string, deadlineMs = 10_000) => {
      const node = nodes.find((candidate) => candidate.id === id);
      if (!node) throw new Error(`no node ${id}`);
      // Drain first: the agent fails its checks and moves its clients off at a pace.
      await agentCommand(node.admin, tokens.operate, 'drain', { deadlineMs });
      await waitDrained(node.http, deadlineMs + 5_000);
      await balancer.removeServer(id);
      const child = children.get(id);
      if (child) await stopChild(child);
      children.delete(id);
      nodes.splice(nodes.indexOf(node), 1);
      await writeFleetFile();
      log(`fleet: removed ${id}`);
    };
    const restartNode = async (id: string) => {
      const old = nodes.find((candidate) => candidate.id === id);
      if (!old) throw new Error(`no node ${id}`);
      const child = children.get(id);
      if (child) await stopChild(child);
      let node: LaunchedNode;
      try {
        node = await spawnNode(id, old);
      } catch (error) {
        // A port taken meanwhile: start elsewhere and tell the balancer.
        log(`fleet: ${id} could not come back on its ports (${(error as Error).message}); using new ones`);
        node = await spawnNode(id);
        await balancer.removeServer(id);
        await balancer.addServer(server(node));
      }
      const index = nodes.findIndex((candidate) => candidate.id === id);
      if (index >= 0) nodes[index] = node;
      else nodes.push(node);
      await writeFleetFile();
      log(`fleet: restarted ${id}`);
      return node;
    };
    const control = await startControl(tokens.operate, { addNode, removeNode, restartNode });
    cleanups.push(() => control.close());
    await writeFleetFile();

    // 5. The simulated users, through the balancer.
    const clients = options.clients ?? 0;
    if (clients > 0) {
      const users = spawnScript(
        'users-main',
        import.meta.url,
        [
          '--url',
          balancerInfo.url,
          '--clients',
          String(clients),
          '--duration-s',
          String(options.durationS ?? 3_600),
          '--sse-share',
          String(options.sseShare ?? 0.2),
        ],
        { env: { ...process.env, FLEETDECK_EXIT_WITH_PARENT: '1' }, stdio: ['pipe', 'ignore', 'pipe'] },
      );
      children.set('users', users);
      pipeStderr(users, 'users');
    }
    return {
      fleetFile,
      nodes,
      tokens,
      balancer: balancerInfo,
      broker,
      addNode,
      removeNode,
      restartNode,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts redis-server on a free loopback port, or returns null when it is not installed. */
async function startRedisOrNull(): Promise<RedisProcess | null> {
  try {
    return await startRedisServer();
  } catch (error) {
    if (/not found/.test((error as Error).message)) return null;
    throw error;
  }
}

/** The control endpoint: add and remove nodes of a running fleet. Loopback, operate token. */
async function startControl(
  token: string,
  actions: {
    addNode(): Promise<LaunchedNode>;
    removeNode(id: string, deadlineMs?: number): Promise<void>;
    restartNode(id: string): Promise<LaunchedNode>;
  },
): Promise<{ url: string; close(): Promise<void> }> {
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (request: IncomingMessage) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (!authorized(request)) return reply(401, { error: 'the control endpoint needs the operate token' });
    const url = new URL(request.url ?? '/', 'http://control');
    const remove = /^\/nodes\/([\w.-]+)$/.exec(url.pathname);
    const restart = /^\/nodes\/([\w.-]+)\/restart$/.exec(url.pathname);
    const run = (work: Promise<unknown>) =>
      work.then(
        (result) => reply(200, result ?? { ok: true }),
        (error: Error) => reply(400, { error: error.message }),
      );
    if (request.method === 'POST' && url.pathname === '/nodes') return void run(actions.addNode());
    if (request.method === 'POST' && restart) return void run(actions.restartNode(restart[1] as string));
    if (request.method === 'DELETE' && remove) {
      const deadlineMs = Number(url.searchParams.get('deadlineMs') ?? 10_000);
      return void run(actions.removeNode(remove[1] as string, deadlineMs));
    }
    reply(404, { error: 'POST /nodes, DELETE /nodes/ID or POST /nodes/ID/restart' });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

/** `add`, `remove` and `restart`: ask a running launcher, through the control URL in its fleet file. */
async function controlCommand(command: 'add' | 'remove' | 'restart', argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['fleet', 'node', 'deadline-ms']);
  const path = args.values.get('fleet');
  if (!path) throw new ArgumentError('--fleet FILE is required');
  const file = JSON.parse(await readFile(path, 'utf8')) as LocalFleetFile;
  if (!file.control?.url) throw new Error(`${path} has no control URL: was it written by npm run fleet?`);
  const headers = { Authorization: `Bearer ${file.tokens?.operate ?? ''}` };
  let response: Response;
  if (command === 'add') {
    response = await fetch(`${file.control.url}/nodes`, { method: 'POST', headers });
  } else if (command === 'restart') {
    const node = args.values.get('node');
    if (!node) throw new ArgumentError('--node ID is required');
    response = await fetch(`${file.control.url}/nodes/${encodeURIComponent(node)}/restart`, {
      method: 'POST',
      headers,
    });
  } else {
    const node = args.values.get('node');
    if (!node) throw new ArgumentError('--node ID is required');
    const deadlineMs = integerArg(args, 'deadline-ms', 10_000, 0, 3_600_000);
    console.log(`draining ${node} over ${deadlineMs} ms, then stopping it…`);
    response = await fetch(`${file.control.url}/nodes/${encodeURIComponent(node)}?deadlineMs=${deadlineMs}`, {
      method: 'DELETE',
      headers,
    });
  }
  const body = (await response.json()) as { error?: string; id?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  const done = { add: `added ${body.id}`, remove: 'removed', restart: 'restarted' }[command];
  console.log(command === 'add' ? done : `${done} ${args.values.get('node')}`);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'add' || argv[0] === 'remove' || argv[0] === 'restart') {
    return controlCommand(argv[0], argv.slice(1));
  }
  const args = parseArgs(
    argv,
    [
      'nodes',
      'clients',
      'duration-s',
      'out',
      'name',
      'interval-ms',
      'redis',
      'balance',
      'sse-share',
      'check-interval-ms',
    ],
    ['no-redis', 'haproxy', 'no-haproxy'],
  );
  const balance = args.values.get('balance') ?? 'roundrobin';
  if (!['roundrobin', 'leastconn', 'random2', 'source', 'custom'].includes(balance)) {
    throw new ArgumentError('--balance must be roundrobin, leastconn, random2, source or custom');
  }
  const fleet = await launchFleet({
    nodes: integerArg(args, 'nodes', 3, 1, MAX_NODES),
    clients: integerArg(args, 'clients', 0, 0, MAX_USERS),
    durationS: integerArg(args, 'duration-s', 3_600, 1, 86_400),
    intervalMs: integerArg(args, 'interval-ms', 1_000, 100, 60_000),
    checkIntervalMs: integerArg(args, 'check-interval-ms', 1_000, 100, 60_000),
    sseShare: numberArg(args, 'sse-share', 0.2, 0, 1),
    redis: args.switches.has('no-redis') ? 'off' : (args.values.get('redis') ?? 'auto'),
    haproxy: args.switches.has('no-haproxy') ? 'off' : args.switches.has('haproxy') ? 'on' : 'auto',
    balance: balance as BalanceAlgorithm,
    ...(args.values.has('out') ? { out: args.values.get('out') as string } : {}),
    ...(args.values.has('name') ? { name: args.values.get('name') as string } : {}),
  });
  const shutdown = () => void fleet.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  console.log(`fleet ready: ${fleet.nodes.length} nodes, fleet file ${fleet.fleetFile}`);
  console.log(
    `  balancer: ${fleet.balancer.kind} ${fleet.balancer.url} (${fleet.balancer.balance}); broker: ${fleet.broker.kind} ${fleet.broker.url}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`fleet: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ArgumentError ? 2 : 1);
  });
}
