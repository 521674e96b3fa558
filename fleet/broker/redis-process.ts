/**
 * A throwaway redis-server as a child process, for the local fleet and for tests: loopback
 * only, no persistence, on a free port (or a given one, so it can be restarted in place to
 * simulate an outage). The child never outlives this process.
 */
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { findExecutable, spawnOwned } from '../executables.js';

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Loopback port; default: a free one. */
  readonly port?: number;
  /** The redis-server executable, by name (looked up on PATH) or path. Default 'redis-server'. */
  readonly binary?: string;
  /** How long to wait for the first PONG. Default 10 s. */
  readonly startTimeoutMs?: number;
}

/** A running redis-server child. */
export interface RedisProcess {
  /** `redis://127.0.0.1:PORT`; the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** The child's pid; null while stopped. */
  readonly pid: number | null;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the child has exited. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port, empty; resolves when it answers. */
  restart(): Promise<void>;
}

/** The message when no redis-server can be found. */
export const REDIS_SERVER_MISSING = 'redis-server not found: apt-get install redis-server';

const STOP_GRACE_MS = 3_000;
const PROBE_EVERY_MS = 20;
const OUTPUT_TAIL_BYTES = 4_096;
/** Tries with a fresh free port when another process takes the one just picked. */
const PORT_ATTEMPTS = 3;

// One 'exit' hook for every child, not one per child: it kills whatever is still running
// when this process exits normally or through process.exit(). A SIGKILL of this process
// skips it; on Linux `setpriv --pdeathsig` (below) covers that case too.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}
function own(child: ChildProcess): void {
  if (!exitHookInstalled) {
    process.on('exit', killLiveChildren);
    exitHookInstalled = true;
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  // A child that never spawned has no 'exit' to wait for.
  child.on('error', () => {
    if (child.pid === undefined) liveChildren.delete(child);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Asks the server on `port` for its pid over a raw socket (an inline INFO, no client
 * library): null while nothing answers. Comparing the pid with our child's tells our server
 * from a stranger that already holds the port.
 */
function serverPid(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (pid: number | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(null), 500);
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.startsWith('-')) return done(null); // e.g. LOADING: not ready yet
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]));
    });
    socket.once('error', () => done(null));
    socket.once('close', () => done(null));
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function terminate(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

class RedisChild implements RedisProcess {
  readonly url: string;
  private child: ChildProcess | null = null;
  private stopping: Promise<void> | null = null;
  private restarting: Promise<void> | null = null;

  constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly startTimeoutMs: number,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Spawns and waits until the child itself answers; on failure the child is gone and the error says why. */
  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      // Nothing is persisted, but a stray dump must never land in the caller's directory.
      '--dir',
      tmpdir(),
    ];
    const child = spawnOwned(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    own(child);
    this.child = child;
    let output = '';
    const keepTail = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    let spawnError: Error | null = null;
    // 'on', not 'once': a later error (a failed kill) must not go unhandled either.
    child.on('error', (error) => {
      spawnError ??= error;
    });

    const deadline = Date.now() + this.startTimeoutMs;
    while ((await serverPid(this.port)) !== child.pid || child.pid === undefined) {
      if (spawnError || hasExited(child)) {
        this.child = null;
        const reason = spawnError ? (spawnError as Error).message : `exit code ${child.exitCode}`;
        throw new Error(`redis-server on port ${this.port} failed to start (${reason}): ${output.trim()}`);
      }
      if (Date.now() > deadline) {
        await terminate(child);
        this.child = null;
        throw new Error(`redis-server on port ${this.port} did not answer within ${this.startTimeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
    }
  }

  stop(): Promise<void> {
    const child = this.child;
    if (!child) return this.stopping ?? Promise.resolve();
    this.stopping ??= terminate(child).finally(() => {
      if (this.child === child) this.child = null;
      this.stopping = null;
    });
    return this.stopping;
  }

  restart(): Promise<void> {
    this.restarting ??= (async () => {
      await this.stop();
      await this.start();
    })().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }
}

/** Starts redis-server on loopback and resolves once it answers (INFO, from the child's own pid). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisProcess> {
  const { port, binary = 'redis-server', startTimeoutMs = 10_000 } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new TypeError('port must be an integer from 1 to 65535');
  }
  const executable = findExecutable(binary);
  if (!executable) throw new Error(REDIS_SERVER_MISSING);

  // A port picked as free can be taken before redis-server binds it: pick again then.
  for (let attempt = 1; ; attempt++) {
    const server = new RedisChild(port ?? (await freePort()), executable, startTimeoutMs);
    try {
      await server.start();
      return server;
    } catch (error) {
      const inUse = /address already in use/i.test((error as Error).message);
      if (port !== undefined || !inUse || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}
