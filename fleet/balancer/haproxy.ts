/**
 * A real HAProxy in front of the reference fleet, for the launcher and integration tests:
 * renders a config, runs `haproxy -f CFG -db` as a child process on free loopback ports and
 * talks to its runtime API over TCP. Nothing here is a daemon: stop() kills what start made.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvFields } from '../../main/common/haproxy-csv.js';
import { findExecutable, spawnOwned } from '../executables.js';

/** One backend server: a reference node and, optionally, its agent-check port. */
export interface HaproxyServer {
  /** The server's name in HAProxy (letters, digits, `_ . : -`). */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** When given, HAProxy asks this port (on `host`) for the node's weight and drain state. */
  readonly agentCheckPort?: number;
}

/** What to balance and how. */
export interface HaproxyOptions {
  readonly servers: readonly HaproxyServer[];
  /** `custom` is round robin weighted by each node's agent-check; `random2` is power of two choices. */
  readonly balance: 'roundrobin' | 'leastconn' | 'random2' | 'source' | 'custom';
  /** Interval of the health check and the agent-check, ms. Default 1000. */
  readonly checkIntervalMs?: number;
  /**
   * HAProxy's global `maxconn`. Default 20000; startHaproxy lowers it to what the open-files
   * hard limit allows, since HAProxy refuses to start when it cannot get two descriptors a connection.
   */
  readonly maxConnections?: number;
}

/** One row of `show stat`. */
export interface HaproxyStat {
  /** The proxy: `fleet` (frontend), `nodes` (backend) or `stats`. */
  readonly proxy: string;
  /** A server id, or `FRONTEND` / `BACKEND`. */
  readonly server: string;
  /** `UP`, `DOWN`, `DRAIN`, `DRAIN (agent)` (drained by the agent-check), `MAINT`, `UP 1/3`, `OPEN`… */
  readonly status: string;
  /** The server's current weight; an agent-check `W%` sets it to W (servers are configured with weight 100). */
  readonly weight: number;
  readonly currentSessions: number;
}

/** A running HAProxy. */
export interface RunningHaproxy {
  /** The frontend, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The nodes' WebSocket endpoint through the balancer, `ws://127.0.0.1:PORT/ws`. */
  readonly wsUrl: string;
  /** The runtime API (admin level), loopback only. */
  readonly runtime: { readonly host: string; readonly port: number };
  /** Every row of `show stat` (frontends and backends included). */
  showStat(): Promise<HaproxyStat[]>;
  /** Sends one runtime API command and resolves with the whole answer. */
  command(line: string): Promise<string>;
  /** Adds a server at run time (it takes traffic once its first checks pass). */
  addServer(server: HaproxyServer): Promise<void>;
  /**
   * Removes a server at run time. Its agent-check is stopped first: an agent answering
   * `ready` would otherwise take it straight back out of maintenance. Its connections end.
   */
  removeServer(id: string): Promise<void>;
  /** Kills the process and removes its config directory. Safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_CHECK_INTERVAL_MS = 1_000;
const DEFAULT_MAX_CONNECTIONS = 20_000;
/** Descriptors HAProxy needs beyond two a connection: listeners, checks, the runtime API, stdio. */
const RESERVED_DESCRIPTORS = 100;
const READY_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 5_000;
/** Attempts to start when a freshly picked port was taken by someone else in between. */
const START_ATTEMPTS = 3;
/** Enough of HAProxy's stderr to explain a failed start, and no more. */
const MAX_STDERR_CHARS = 8_192;
const SERVER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const HOSTNAME = /^[A-Za-z0-9.:-]{1,253}$/;
const BALANCE_ALGORITHMS: Readonly<Record<HaproxyOptions['balance'], string>> = {
  roundrobin: 'roundrobin',
  leastconn: 'leastconn',
  random2: 'random(2)',
  source: 'source',
  // Weights come from the agent-check; round robin honours them.
  custom: 'roundrobin',
};

function assertPort(value: number, what: string): void {
  if (!(Number.isInteger(value) && value >= 1 && value <= 65_535)) {
    throw new TypeError(`${what} must be an integer from 1 to 65535, got ${value}`);
  }
}

// Ids and hosts go into the config verbatim: refuse anything that could break a line or add a directive.
function validate(options: HaproxyOptions & { frontendPort: number; runtimePort: number }): void {
  if (options.servers.length === 0) throw new TypeError('servers must list at least one server');
  if (!Object.hasOwn(BALANCE_ALGORITHMS, options.balance)) {
    throw new TypeError(`balance must be one of ${Object.keys(BALANCE_ALGORITHMS).join(', ')}`);
  }
  const interval = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  if (!(Number.isInteger(interval) && interval >= 10)) {
    throw new TypeError(`checkIntervalMs must be an integer >= 10, got ${interval}`);
  }
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!(Number.isInteger(maxConnections) && maxConnections >= 1)) {
    throw new TypeError(`maxConnections must be an integer >= 1, got ${maxConnections}`);
  }
  assertPort(options.frontendPort, 'frontendPort');
  assertPort(options.runtimePort, 'runtimePort');
  const ids = new Set<string>();
  for (const server of options.servers) {
    if (!SERVER_ID.test(server.id)) throw new TypeError(`server id "${server.id}" must match ${SERVER_ID}`);
    if (ids.has(server.id)) throw new TypeError(`server id "${server.id}" is listed twice`);
    ids.add(server.id);
    if (!HOSTNAME.test(server.host)) throw new TypeError(`server host "${server.host}" is not a host name`);
    assertPort(server.port, `port of ${server.id}`);
    if (server.agentCheckPort !== undefined)
      assertPort(server.agentCheckPort, `agentCheckPort of ${server.id}`);
  }
}

/** A server line's arguments: the same for the config file and for `add server` at run time. */
function serverArguments(server: HaproxyServer, interval: number): string {
  // weight 100 makes an agent-check percentage read as the weight itself; fall/rise 1 reacts in one interval.
  const line = `${server.id} ${server.host}:${server.port} weight 100 check inter ${interval}ms fall 1 rise 1`;
  return server.agentCheckPort === undefined
    ? line
    : `${line} agent-check agent-port ${server.agentCheckPort} agent-inter ${interval}ms agent-addr ${server.host}`;
}

/** Renders the HAProxy configuration; throws a TypeError for an invalid option. */
export function haproxyConfig(
  options: HaproxyOptions & { frontendPort: number; runtimePort: number },
): string {
  validate(options);
  const interval = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  const servers = options.servers.map((server) => {
    // weight 100 makes an agent-check percentage read as the weight itself; fall/rise 1 reacts in one interval.
    return `  server ${serverArguments(server, interval)}`;
  });
  return [
    '# Generated by fleetdeck (fleet/balancer/haproxy.ts). Run in the foreground: haproxy -f FILE -db',
    'global',
    `  maxconn ${options.maxConnections ?? DEFAULT_MAX_CONNECTIONS}`,
    `  stats socket ipv4@${HOST}:${options.runtimePort} level admin`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    // An upgraded WebSocket is a tunnel: idle clients must not be cut after the 30 s client timeout.
    '  timeout tunnel 1h',
    '',
    'frontend fleet',
    `  bind ${HOST}:${options.frontendPort}`,
    '  default_backend nodes',
    '',
    'backend nodes',
    `  balance ${BALANCE_ALGORITHMS[options.balance]}`,
    '  option httpchk GET /healthz',
    // With an agent-check, a draining node's 503 is not a failure: the agent says `drain`, so
    // HAProxy shows DRAIN and keeps its tunnels, instead of DOWN. Without one, 503 takes it out.
    options.servers.some((server) => server.agentCheckPort !== undefined)
      ? '  http-check expect rstatus ^(200|503)$'
      : '  http-check expect status 200',
    ...servers,
    '',
  ].join('\n');
}

/** The haproxy binary: on PATH, or in the sbin directories a non-root PATH often lacks; null if absent. */
export function findHaproxy(): string | null {
  return findExecutable('haproxy');
}

/** The open-files hard limit HAProxy will inherit (Linux), or null where it cannot be read. */
function openFilesHardLimit(): number | null {
  try {
    const match = /^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** The requested maxconn, lowered so that HAProxy can raise its descriptor limit far enough to start. */
function fittingMaxConnections(requested: number): number {
  const hardLimit = openFilesHardLimit();
  if (hardLimit === null) return requested;
  return Math.max(1, Math.min(requested, Math.floor((hardLimit - RESERVED_DESCRIPTORS) / 2)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** One runtime API exchange: HAProxy answers a single command and closes the connection. */
function runtimeCommand(port: number, line: string): Promise<string> {
  if (/[\r\n]/.test(line)) return Promise.reject(new TypeError('a runtime command is one line'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: HOST, port });
    socket.setTimeout(COMMAND_TIMEOUT_MS, () =>
      socket.destroy(new Error(`the runtime API did not answer "${line}" within ${COMMAND_TIMEOUT_MS} ms`)),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.end(`${line}\n`);
  });
}

function parseShowStat(csv: string): HaproxyStat[] {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0];
  if (header === undefined || !header.startsWith('# ')) {
    throw new Error(`unexpected "show stat" answer: ${csv.slice(0, 200)}`);
  }
  const columns = csvFields(header.slice(2));
  const column = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`"show stat" has no "${name}" column`);
    return index;
  };
  const [proxy, server, status, weight, sessions] = ['pxname', 'svname', 'status', 'weight', 'scur'].map(
    column,
  );
  return lines.slice(1).map((line) => {
    const fields = csvFields(line);
    const at = (index: number | undefined) => (index === undefined ? '' : (fields[index] ?? ''));
    return {
      proxy: at(proxy),
      server: at(server),
      status: at(status),
      weight: Number(at(weight)) || 0,
      currentSessions: Number(at(sessions)) || 0,
    };
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // SIGTERM is HAProxy's hard stop: it closes every connection at once.
    child.kill('SIGTERM');
  });
}

/** Resolves once the runtime API answers; rejects if the process exits first or it takes too long. */
async function waitForRuntime(
  child: ChildProcess,
  port: number,
  problem: () => { readonly spawnError: Error | null; readonly stderr: string },
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const stderr = () => problem().stderr.trim();
  while (Date.now() < deadline) {
    const { spawnError } = problem();
    if (spawnError) throw new Error(`haproxy could not start: ${spawnError.message}`, { cause: spawnError });
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `haproxy exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr()}`,
      );
    }
    try {
      await runtimeCommand(port, 'show info');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`haproxy's runtime API did not answer within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
}

async function startOnce(
  binary: string,
  options: HaproxyOptions,
  directory: string,
): Promise<RunningHaproxy> {
  const frontendPort = await freePort();
  const runtimePort = await freePort();
  const configFile = join(directory, 'haproxy.cfg');
  const maxConnections = fittingMaxConnections(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  const config = haproxyConfig({ ...options, maxConnections, frontendPort, runtimePort });
  await writeFile(configFile, config, { mode: 0o600 });

  // Owned: a killed launcher or test run must not leave HAProxy holding ports.
  const child = spawnOwned(binary, ['-f', configFile, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
  });
  let spawnError: Error | null = null;
  child.once('error', (error: Error) => {
    spawnError = error;
  });
  // A crashed or killed test run must not leave HAProxy holding ports.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      await stopChild(child);
      await rm(directory, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await waitForRuntime(child, runtimePort, () => ({ spawnError, stderr }));
  } catch (error) {
    process.off('exit', killOnExit);
    await stopChild(child);
    throw error;
  }
  const command = (line: string) => runtimeCommand(runtimePort, line);
  return {
    url: `http://${HOST}:${frontendPort}`,
    wsUrl: `ws://${HOST}:${frontendPort}/ws`,
    runtime: { host: HOST, port: runtimePort },
    showStat: async () => parseShowStat(await command('show stat')),
    command,
    async addServer(server) {
      validate({ ...options, servers: [server], frontendPort, runtimePort });
      const interval = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
      const answer = await command(`add server nodes/${serverArguments(server, interval)}`);
      if (!answer.includes('New server registered'))
        throw new Error(`haproxy refused the server: ${answer.trim()}`);
      // A dynamic server starts in maintenance with its checks off.
      await command(`enable health nodes/${server.id}`);
      if (server.agentCheckPort !== undefined) await command(`enable agent nodes/${server.id}`);
      await command(`enable server nodes/${server.id}`);
    },
    async removeServer(id) {
      if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw new TypeError(`bad server id ${JSON.stringify(id)}`);
      await command(`disable agent nodes/${id}`);
      await command(`disable health nodes/${id}`);
      await command(`set server nodes/${id} state maint`);
      await command(`shutdown sessions server nodes/${id}`);
      const answer = await command(`del server nodes/${id}`);
      if (!answer.includes('Server deleted'))
        throw new Error(`haproxy did not delete ${id}: ${answer.trim()}`);
    },
    stop,
  };
}

/**
 * Starts HAProxy in the foreground on free loopback ports and resolves once its runtime API
 * answers. Throws if haproxy is not installed, the options are invalid, or it fails to start.
 */
export async function startHaproxy(options: HaproxyOptions): Promise<RunningHaproxy> {
  const binary = findHaproxy();
  if (binary === null) throw new Error('haproxy not found: apt-get install haproxy');
  // Fail on bad options before making a directory or a process.
  haproxyConfig({ ...options, frontendPort: 1, runtimePort: 1 });
  const directory = await mkdtemp(join(tmpdir(), 'fleetdeck-haproxy-'));
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(binary, options, directory);
    } catch (error) {
      lastError = error;
      // Only a port taken between picking it and binding it is worth another try.
      if (!(error instanceof Error && /cannot bind|Address already in use/i.test(error.message))) break;
    }
  }
  await rm(directory, { recursive: true, force: true });
  throw lastError;
}
