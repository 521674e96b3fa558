/**
 * A reference node (fleet/node-main.ts) as its own process, with a broker and an
 * agent-check port, on ports fixed at creation: it can be SIGKILLed and restarted in place
 * and HAProxy's configuration stays right. Its stdin is a pipe and FLEETDECK_EXIT_WITH_PARENT
 * is set, so the node exits by itself if the test process dies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { HaproxyServer } from '../../fleet/balancer/haproxy.js';
import { freePort, ROOT, TEST_TOKENS } from './processes.js';

/** Options for {@link FleetNodeProcess.start}. */
export interface FleetNodeOptions {
  readonly id: string;
  /** `redis://…` or `ws://…`; absent: the node keeps pub/sub to itself. */
  readonly broker?: string;
  /** Serve HAProxy's agent-check on a fixed port. Default true. */
  readonly agentCheck?: boolean;
  /** The agent's sample interval, ms. Default 200, so tests see changes quickly. */
  readonly intervalMs?: number;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_CHARS = 4_096;

/** One node process; the ports survive restarts. */
export class FleetNodeProcess {
  private child: ChildProcess | null = null;
  private stderr = '';

  private constructor(
    readonly id: string,
    readonly port: number,
    readonly adminPort: number,
    readonly agentCheckPort: number | null,
    private readonly options: FleetNodeOptions,
  ) {}

  /** Picks free ports and starts the node; resolves once it printed its ready line. */
  static async start(options: FleetNodeOptions): Promise<FleetNodeProcess> {
    const agentCheckPort = options.agentCheck === false ? null : await freePort();
    const node = new FleetNodeProcess(
      options.id,
      await freePort(),
      await freePort(),
      agentCheckPort,
      options,
    );
    await node.restart();
    return node;
  }

  /** `ws://127.0.0.1:PORT/ws`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** `http://127.0.0.1:PORT` (for /sse, /publish, /healthz, /metrics). */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The agent's admin endpoint. */
  get adminUrl(): string {
    return `ws://127.0.0.1:${this.adminPort}`;
  }

  /** The current process's pid, or null before the first start. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** True while the current process has not exited. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exit code of the current process (null while it runs or when a signal ended it). */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** The last few KB the node wrote to stderr, for failure messages. */
  get stderrTail(): string {
    return this.stderr;
  }

  /** The server line HAProxy needs for this node. */
  haproxyServer(): HaproxyServer {
    return {
      id: this.id,
      host: '127.0.0.1',
      port: this.port,
      ...(this.agentCheckPort !== null ? { agentCheckPort: this.agentCheckPort } : {}),
    };
  }

  /** (Re)starts the process on the same ports; the previous one must have exited. */
  async restart(): Promise<void> {
    if (this.running) throw new Error(`${this.id} is still running`);
    const args = [
      '--import',
      'tsx',
      `${ROOT}fleet/node-main.ts`,
      '--id',
      this.id,
      '--port',
      String(this.port),
      '--admin-port',
      String(this.adminPort),
      '--interval-ms',
      String(this.options.intervalMs ?? 200),
      ...(this.agentCheckPort !== null ? ['--agent-check-port', String(this.agentCheckPort)] : []),
      ...(this.options.broker ? ['--broker', this.options.broker] : []),
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        FLEETDECK_TOKEN: TEST_TOKENS.operate,
        FLEETDECK_READ_TOKEN: TEST_TOKENS.read,
        // We hold its stdin open; if this test process dies, stdin ends and the node stops.
        FLEETDECK_EXIT_WITH_PARENT: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${this.id} not ready within ${READY_TIMEOUT_MS} ms: ${this.stderr}`));
      }, READY_TIMEOUT_MS);
      // Keep reading stdout for the process's whole life so its pipe never fills.
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (line.includes('"event":"ready"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.id} exited (${code ?? signal}) before it was ready: ${this.stderr}`));
      });
    });
  }

  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM (the node closes its clients and broker), SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill(signal);
    });
  }
}
