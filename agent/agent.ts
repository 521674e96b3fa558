/**
 * The agent: collects a node's figures, serves them on the admin endpoint, answers
 * health checks and runs commands. It owns every timer, socket and listener it creates
 * and releases them in `close()`.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';
import { AdminServer, CommandError, secretEquals } from './admin-server.js';
import { ConnectionCollector } from './collectors/connections.js';
import { HealthCollector } from './collectors/health.js';
import { TrafficCollector } from './collectors/traffic.js';
import { trackWebSocketServer } from './integrations/ws.js';
import { type AgentOptions, type ResolvedAgentOptions, resolveOptions } from './options.js';
import {
  type CommandFrame,
  encodeFrame,
  type HelloFrame,
  type NodeIdentity,
  type NodeState,
  PROTOCOL_VERSION,
  type Role,
  type SampleFrame,
} from './protocol.js';

/** Events an agent emits. */
export interface AgentEvents {
  /** The admin endpoint is listening. */
  listening: [address: AddressInfo];
  /** A sample was computed (also sent to admin clients). */
  sample: [sample: SampleFrame];
  /** Something failed inside the agent; it was caught and counted. Never re-thrown into the host. */
  error: [error: Error];
}

/** An agent embedded in one WebSocket server process. */
export class Agent extends EventEmitter<AgentEvents> {
  /** This node's identity, as sent in `hello`. */
  readonly identity: NodeIdentity;
  private readonly options: ResolvedAgentOptions;
  private readonly connections = new ConnectionCollector();
  private readonly traffic = new TrafficCollector();
  private readonly health = new HealthCollector();
  private readonly admin: AdminServer | null;
  private readonly detachers: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly listening: Promise<AddressInfo | null>;
  private currentState: NodeState = 'active';
  private seq = 0;
  private closing: Promise<void> | null = null;
  private listenError: Error | undefined;

  constructor(options: AgentOptions) {
    super();
    this.options = resolveOptions(options);
    const { nodeId, name, version, host, labels } = this.options;
    this.identity = { nodeId, name, version, host, pid: process.pid, startedAt: Date.now(), labels };
    this.admin = this.options.admin ? this.createAdmin() : null;
    this.listening = this.listen();
    // Never keep the host alive just for sampling.
    this.timer = setInterval(() => this.tick(), this.options.intervalMs).unref();
  }

  /** The node's own state. */
  get state(): NodeState {
    return this.currentState;
  }

  /**
   * Resolves with the admin endpoint's address once it listens (null when `admin: false`);
   * rejects if it cannot listen, e.g. the port is taken.
   */
  ready(): Promise<AddressInfo | null> {
    return this.listening.then((address) => {
      if (address === null && this.options.admin) {
        const { host, port } = this.options.admin;
        throw new Error(
          `the admin endpoint could not listen on ${host}:${port}: ${this.listenError?.message}`,
          {
            cause: this.listenError,
          },
        );
      }
      return address;
    });
  }

  /** The admin endpoint's address, or null before it listens or when disabled. */
  address(): AddressInfo | null {
    return this.admin?.address() ?? null;
  }

  /** Counts the connections and traffic of a `ws` server. Returns the agent for chaining. */
  attach(server: WebSocketServer): this {
    this.detachers.push(
      trackWebSocketServer(server, {
        traffic: this.traffic,
        didOpen: () => this.connections.didOpen(),
        didClose: () => this.connections.didClose(),
      }),
    );
    return this;
  }

  /**
   * A request handler for `/healthz`: 200 while active, 503 otherwise, so a balancer or
   * readiness probe routes new connections elsewhere.
   */
  readonly healthHandler = (_request: IncomingMessage, response: ServerResponse): void => {
    const healthy = this.currentState === 'active';
    const body = JSON.stringify({ nodeId: this.identity.nodeId, state: this.currentState });
    response.writeHead(healthy ? 200 : 503, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      ...(healthy ? {} : { 'Retry-After': '5' }),
    });
    response.end(body);
  };

  /** Computes a sample now. Each call starts a new interval for the interval-based figures. */
  sample(): SampleFrame {
    this.seq++;
    return {
      type: 'sample',
      seq: this.seq,
      time: Date.now(),
      state: this.currentState,
      connections: this.connections.collect(),
      traffic: this.traffic.collect(),
      health: this.health.collect(),
    };
  }

  /** Stops sampling, closes the admin endpoint and stops tracking new connections. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      for (const detach of this.detachers.splice(0)) detach();
      this.health.dispose();
      await this.admin?.close();
    })();
    return this.closing;
  }

  private createAdmin(): AdminServer {
    return new AdminServer({
      authenticate: (token) => this.authenticate(token),
      hello: (role) => this.hello(role),
      execute: (command) => this.execute(command),
      countError: (error) => this.reportError(error),
    });
  }

  private async listen(): Promise<AddressInfo | null> {
    const admin = this.options.admin;
    if (!admin || !this.admin) return null;
    try {
      const address = await this.admin.listen(admin.host, admin.port);
      this.emit('listening', address);
      return address;
    } catch (error) {
      this.listenError = error instanceof Error ? error : new Error(String(error));
      this.reportError(error);
      return null;
    }
  }

  private authenticate(token: string): Role | null {
    if (secretEquals(token, this.options.token)) return 'operate';
    if (this.options.readToken !== null && secretEquals(token, this.options.readToken)) return 'read';
    return null;
  }

  private hello(role: Role): HelloFrame {
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      node: this.identity,
      role,
      intervalMs: this.options.intervalMs,
      capabilities: ['sample', 'ping'],
    };
  }

  private async execute(command: CommandFrame): Promise<unknown> {
    switch (command.name) {
      case 'ping':
        return { pong: Date.now() };
      case 'drain':
      case 'undrain':
      case 'shed':
        throw new CommandError('unsupported', `this agent does not support "${command.name}" yet`);
    }
  }

  private tick(): void {
    // Lazy collection: nobody listening, nothing computed.
    if ((this.admin?.clientCount ?? 0) === 0 && this.listenerCount('sample') === 0) return;
    try {
      const sample = this.sample();
      this.admin?.broadcast(encodeFrame(sample));
      this.emit('sample', sample);
    } catch (error) {
      this.reportError(error);
    }
  }

  private reportError(error: unknown): void {
    this.health.errors++;
    const wrapped = error instanceof Error ? error : new Error(String(error));
    // An 'error' event with no listener would throw into the host; warn instead.
    if (this.listenerCount('error') > 0) this.emit('error', wrapped);
    // A peer's broken socket or bad frame is counted, not logged: outsiders must not be able to flood the host's log.
    else if (!/^(ECONN|EPIPE|WS_ERR)/.test((wrapped as NodeJS.ErrnoException).code ?? '')) {
      console.warn(`fleetdeck agent: ${wrapped.message}`);
    }
  }
}

/** Creates an agent and starts its admin endpoint. Options are validated; a bad one throws a TypeError. */
export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}
