/** Real processes for integration and e2e tests: reference nodes and the console, from source. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Lowest and highest port handed out by {@link freePort}: below Linux's ephemeral range
 * (32768–60999), which every `listen(0)` and outgoing connection of the parallel test
 * processes draws from, so a port picked here is not taken again behind our back between
 * the pick and a restart on it.
 */
const FIXED_PORTS = { low: 20_000, high: 32_000 } as const;

function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port outside the ephemeral range, for processes that must come back on the
 * same port after a restart; free on every one of `hosts` (127.0.0.0/8 is all loopback on Linux).
 */
export async function freePort(hosts: readonly string[] = ['127.0.0.1']): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIXED_PORTS.low + Math.floor(Math.random() * (FIXED_PORTS.high - FIXED_PORTS.low));
    let free = true;
    for (const host of hosts) free = free && (await canListen(port, host));
    if (free) return port;
  }
  throw new Error(`no free port between ${FIXED_PORTS.low} and ${FIXED_PORTS.high}`);
}

/** Runs a TypeScript entry of this repository with tsx. */
export function runTs(entry: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', `${ROOT}${entry}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first stdout line that `match` accepts; rejects if the process exits first. */
export function firstLine<T>(
  child: ChildProcess,
  match: (line: string) => T | null,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const timer = setTimeout(
      () => reject(new Error(`no matching line within ${timeoutMs} ms: ${stderr.join('')}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const found = match(line);
      if (found !== null) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before the expected line: ${stderr.join('')}`));
    });
  });
}

/** Stops a process and waits for it to exit. */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Tokens every test fleet uses. */
export const TEST_TOKENS = {
  operate: 'operate-token-for-tests-0123456789',
  read: 'read-token-for-tests-0123456789',
};

/** A reference node running as its own process on fixed ports, so it can be killed and restarted. */
export class NodeProcess {
  child: ChildProcess | null = null;
  url = '';
  adminUrl = '';

  private constructor(
    readonly id: string,
    readonly port: number,
    readonly adminPort: number,
    readonly host: string,
  ) {}

  /**
   * Starts the node on `host` (default 127.0.0.1) for its public and admin endpoints, on the
   * given ports or free ones.
   */
  static async start(
    id: string,
    options: { readonly host?: string; readonly port?: number; readonly adminPort?: number } = {},
  ): Promise<NodeProcess> {
    const host = options.host ?? '127.0.0.1';
    const node = new NodeProcess(
      id,
      options.port ?? (await freePort([host])),
      options.adminPort ?? (await freePort([host])),
      host,
    );
    await node.restart();
    return node;
  }

  /** (Re)starts the process on the same ports. */
  async restart(): Promise<void> {
    const child = runTs(
      'fleet/node-main.ts',
      [
        '--id',
        this.id,
        '--host',
        this.host,
        '--port',
        String(this.port),
        '--admin-port',
        String(this.adminPort),
      ],
      { FLEETDECK_TOKEN: TEST_TOKENS.operate, FLEETDECK_READ_TOKEN: TEST_TOKENS.read },
    );
    this.child = child;
    const ready = await firstLine(child, (line) => {
      try {
        const message = JSON.parse(line) as { event?: string; url: string; admin: string };
        return message.event === 'ready' ? message : null;
      } catch {
        return null;
      }
    });
    this.url = ready.url;
    this.adminUrl = ready.admin;
  }

  /** Kills the process at once, as a crash would. */
  kill(): Promise<void> {
    return this.child ? stop(this.child, 'SIGKILL') : Promise.resolve();
  }

  /** Stops the process gracefully. */
  stop(): Promise<void> {
    return this.child ? stop(this.child) : Promise.resolve();
  }
}

/** A fleet-file object for test nodes. */
export function fleetFileFor(nodes: readonly NodeProcess[], name = 'test fleet') {
  return {
    name,
    tokens: TEST_TOKENS,
    nodes: nodes.map((node) => ({ id: node.id, admin: node.adminUrl, url: node.url })),
  };
}
