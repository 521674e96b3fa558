/**
 * The agent: collects a node's figures, serves them on the admin endpoint, answers
 * health checks, runs drains and commands. It owns every timer, socket and listener it
 * creates and releases them in `close()`. Nothing it does may throw into the host.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';
import { AdminServer, CommandError, secretEquals } from './admin-server.js';
import { ChannelCollector } from './collectors/channels.js';
import { type Closable, ConnectionCollector } from './collectors/connections.js';
import { HealthCollector } from './collectors/health.js';
import { TrafficCollector } from './collectors/traffic.js';
import { type CloseContext, DrainController } from './drain.js';
import {
  AgentCheckResponder,
  agentCheckReply,
  agentCheckWeight,
} from './integrations/haproxy-agent-check.js';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from './integrations/prometheus.js';
import { trackWebSocketServer } from './integrations/ws.js';
import {
  type AgentOptions,
  isSendableCloseCode,
  type ResolvedAgentOptions,
  resolveOptions,
} from './options.js';
import {
  type CommandFrame,
  type DependencyStatus,
  type DrainProgress,
  type EventFrame,
  type HelloFrame,
  type NodeIdentity,
  type NodeState,
  PROTOCOL_VERSION,
  type Role,
  type SampleFrame,
  TRANSPORTS,
  type Transport,
} from './protocol.js';
import { type TrackableConnection, TrackedConnection } from './track.js';

/** Events an agent emits. */
export interface AgentEvents {
  /** The admin endpoint is listening. */
  listening: [address: AddressInfo];
  /** A sample was computed (also sent to admin clients). */
  sample: [sample: SampleFrame];
  /** Something happened: state changes, drain and shed progress (also sent to admin clients). */
  event: [event: EventFrame];
  /** Something failed inside the agent; it was caught and counted. Never re-thrown into the host. */
  error: [error: Error];
}

/** Options of `agent.drain()`. Omitted fields take the agent's `drain` defaults. */
export interface DrainOptions {
  /** Time to spread the closes over; what remains at the deadline is closed then. */
  deadlineMs?: number;
  /** Close code sent to each client. */
  closeCode?: number;
  /** Close reason (at most 123 bytes). */
  reason?: string;
}

/** Options of `agent.shed()`. */
export interface ShedOptions extends DrainOptions {
  /** How many connections to close. */
  count: number;
}

/** Per-channel reporting, called by the host's pub/sub code. Cheap, and never throws. */
export interface ChannelReporter {
  /** A message of `bytes` payload bytes was published on `name` at this node. */
  published(name: string, bytes: number): void;
  /** A message reached `recipients` local subscribers, `bytes` payload bytes in total. */
  delivered(name: string, recipients: number, bytes: number): void;
  /** Local subscribers of `name` changed by `delta`. */
  subscribed(name: string, delta: number): void;
}

const MAX_REASON_BYTES = 123;
/** Bound on the dependencies a host may report, so samples stay small. */
export const MAX_DEPENDENCIES = 16;

/** An agent embedded in one WebSocket server process. */
export class Agent extends EventEmitter<AgentEvents> {
  /** This node's identity, as sent in `hello`. */
  readonly identity: NodeIdentity;
  /** Where the host reports channel activity. */
  readonly channels: ChannelReporter;
  private readonly options: ResolvedAgentOptions;
  private readonly connections = new ConnectionCollector();
  private readonly traffic = new TrafficCollector();
  private readonly health: HealthCollector;
  private readonly channelCollector: ChannelCollector;
  private readonly drains: DrainController;
  private readonly admin: AdminServer | null;
  private readonly agentCheck: AgentCheckResponder | null;
  private readonly detachers: Array<() => void> = [];
  private readonly attached = new WeakSet<WebSocketServer>();
  private readonly timer: NodeJS.Timeout;
  private readonly listening: Promise<AddressInfo | null>;
  private currentState: NodeState = 'active';
  private seq = 0;
  private lastSample: SampleFrame | null = null;
  private readonly dependencies = new Map<string, DependencyStatus>();
  private metricsScraped = false;
  private lastSampleAt = Date.now();
  private closing: Promise<void> | null = null;
  private listenError: Error | undefined;

  constructor(options: AgentOptions) {
    super();
    this.options = resolveOptions(options);
    this.health = new HealthCollector(this.options.loopDelayResolutionMs);
    const { nodeId, name, version, host, labels } = this.options;
    this.identity = { nodeId, name, version, host, pid: process.pid, startedAt: Date.now(), labels };
    this.channelCollector = new ChannelCollector({
      topK: this.options.topChannels,
      capacity: this.options.channelCapacity,
    });
    const collector = this.channelCollector;
    this.channels = {
      published: (name, bytes) => collector.published(name, bytes),
      delivered: (name, recipients, bytes) => collector.delivered(name, recipients, bytes),
      subscribed: (name, delta) => collector.subscribed(name, delta),
    };
    this.drains = new DrainController({
      connections: this.connections,
      beforeClose: (connection, context) => this.beforeClose(connection, context),
      setState: (state) => this.setState(state),
      event: (name, data) => this.event(name, data),
      countError: (error) => this.reportError(error),
    });
    this.admin = this.options.admin ? this.createAdmin() : null;
    this.agentCheck = this.options.agentCheck ? this.createAgentCheck(this.options.agentCheck) : null;
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
   * rejects, with the cause, if it cannot listen (e.g. the port is taken).
   */
  ready(): Promise<AddressInfo | null> {
    return this.listening.then((address) => {
      if (this.listenError) {
        throw new Error(`the agent could not listen: ${this.listenError.message}`, {
          cause: this.listenError,
        });
      }
      return address;
    });
  }

  /** The admin endpoint's address, or null before it listens or when disabled. */
  address(): AddressInfo | null {
    return this.admin?.address() ?? null;
  }

  /** The HAProxy agent-check port's address, or null before it listens or when disabled. */
  agentCheckAddress(): AddressInfo | null {
    return this.agentCheck?.address() ?? null;
  }

  /**
   * Counts the connections and traffic of a `ws` server and refuses its upgrades (503 with
   * Retry-After) while the node drains. Returns the agent for chaining.
   */
  attach(server: WebSocketServer): this {
    // Attaching twice would count every connection twice and stack the upgrade guard.
    if (this.attached.has(server) || this.closing) return this;
    this.attached.add(server);
    this.detachers.push(
      trackWebSocketServer(server, {
        traffic: this.traffic,
        connections: this.connections,
        accepting: () => this.currentState === 'active',
        retryAfterSeconds: this.options.drain.retryAfterSeconds,
      }),
    );
    return this;
  }

  /**
   * Counts a connection of another transport (SSE, long polling…). Report its traffic and
   * its end through the returned handle; drains close it through `connection.close()`.
   */
  track(connection: TrackableConnection, options: { transport: Transport }): TrackedConnection {
    if (typeof connection?.close !== 'function')
      throw new TypeError('track(): connection must have a close(code, reason) method');
    if (!TRANSPORTS.includes(options?.transport)) {
      throw new TypeError(`track(): transport must be one of ${TRANSPORTS.join(', ')}`);
    }
    return new TrackedConnection(connection, options.transport, this.connections, this.traffic, (error) =>
      this.reportError(error),
    );
  }

  /**
   * A request handler for `/healthz`: 200 while active, 503 while draining or drained, so a
   * balancer or readiness probe routes new connections elsewhere.
   */
  readonly healthHandler = (_request: IncomingMessage, response: ServerResponse): void => {
    const healthy = this.currentState === 'active';
    const body = JSON.stringify({ nodeId: this.identity.nodeId, state: this.currentState });
    response.writeHead(healthy ? 200 : 503, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      ...(healthy ? {} : { 'Retry-After': String(this.options.drain.retryAfterSeconds) }),
    });
    response.end(body);
  };

  /**
   * A request handler for `/metrics`: Prometheus text exposition of a fresh sample. Only the
   * top channels get per-channel series, so label cardinality stays bounded.
   */
  readonly metricsHandler = (_request: IncomingMessage, response: ServerResponse): void => {
    try {
      // Serve the latest interval's sample rather than cutting the console's interval short;
      // from the first scrape on, the agent samples every interval even with no console.
      this.metricsScraped = true;
      const body = formatPrometheus(this.lastSample ?? this.sample(), this.identity);
      response.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
      response.end(body);
    } catch (error) {
      this.reportError(error);
      response.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
    }
  };

  /**
   * Drains the node: from now on it refuses new connections and fails its health check,
   * closes the open ones at a pace spread over the deadline, and becomes `drained` when
   * none is left. Idempotent: while draining or drained it returns the current progress.
   */
  drain(options: DrainOptions = {}): DrainProgress {
    if (this.closing) throw new Error('the agent is closed');
    const request = this.closeRequest('drain', options, Number.MAX_SAFE_INTEGER);
    const current = this.drains.progress();
    if (this.currentState !== 'active' && current?.kind === 'drain') return current;
    if (this.currentState === 'drained') {
      const now = Date.now();
      return {
        kind: 'drain',
        startedAt: now,
        deadlineAt: now,
        total: 0,
        closed: 0,
        closeCode: request.closeCode,
      };
    }
    return this.drains.start(request);
  }

  /**
   * Returns to `active` at any point of a drain, and stops a shed in progress; connections
   * already closed stay closed.
   */
  undrain(): void {
    if (this.drains.progress() !== null) this.drains.cancel();
    this.setState('active');
  }

  /** Closes `count` connections at a pace, the same way as a drain, without draining. */
  shed(options: ShedOptions): DrainProgress {
    if (this.closing) throw new Error('the agent is closed');
    if (!Number.isSafeInteger(options?.count) || options.count < 1) {
      throw new CommandError('bad-args', 'shed needs count: a positive integer');
    }
    if (this.currentState !== 'active')
      throw new CommandError('bad-args', `cannot shed while ${this.currentState}`);
    return this.drains.start(this.closeRequest('shed', options, options.count));
  }

  /**
   * Reports the reachability of a service the host depends on (its broker, a database…);
   * samples carry it and the console raises an alert while it is down. At most
   * {@link MAX_DEPENDENCIES} names; `detail` is cut to 200 characters.
   */
  dependency(name: string, up: boolean, detail = ''): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > 64 || typeof up !== 'boolean') {
      throw new TypeError('dependency(name, up): name is 1–64 characters, up is a boolean');
    }
    const known = this.dependencies.get(name);
    if (!known && this.dependencies.size >= MAX_DEPENDENCIES) {
      throw new TypeError(`dependency(): at most ${MAX_DEPENDENCIES} dependencies`);
    }
    const text = String(detail).slice(0, 200);
    if (known?.up === up && known.detail === text) return;
    const status = { up, since: known?.up === up ? known.since : Date.now(), detail: text };
    this.dependencies.set(name, status);
    if (known?.up !== up) this.event('dependency', { name, ...status });
  }

  /** Computes a sample now. Each call starts a new interval for the interval-based figures. */
  sample(): SampleFrame {
    this.seq++;
    const now = Date.now();
    const intervalMs = Math.max(0, now - this.lastSampleAt);
    this.lastSampleAt = now;
    this.lastSample = {
      type: 'sample',
      seq: this.seq,
      time: now,
      state: this.currentState,
      connections: this.connections.collect(),
      traffic: this.traffic.collect(),
      health: this.health.collect(),
      channels: this.channelCollector.collect(intervalMs),
      drain: this.drains.progress(),
      dependencies: Object.fromEntries(this.dependencies),
    };
    return this.lastSample;
  }

  /** Stops sampling and any drain, closes the admin endpoint and stops tracking new connections. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      this.drains.dispose();
      for (const detach of this.detachers.splice(0)) detach();
      this.health.dispose();
      await Promise.all([this.admin?.close(), this.agentCheck?.close()]);
    })();
    return this.closing;
  }

  private closeRequest(kind: 'drain' | 'shed', options: DrainOptions, count: number) {
    const defaults = this.options.drain;
    const deadlineMs = options.deadlineMs ?? defaults.deadlineMs;
    if (!Number.isSafeInteger(deadlineMs) || deadlineMs < 0 || deadlineMs > 86_400_000) {
      throw new CommandError('bad-args', 'deadlineMs must be an integer from 0 to 86400000');
    }
    const closeCode = options.closeCode ?? defaults.closeCode;
    if (!isSendableCloseCode(closeCode)) {
      throw new CommandError('bad-args', 'closeCode must be 1000, 1001, 1012, 1013 or 3000–4999');
    }
    const reason = options.reason ?? (kind === 'drain' ? 'node draining' : 'rebalancing');
    if (typeof reason !== 'string' || Buffer.byteLength(reason) > MAX_REASON_BYTES) {
      throw new CommandError('bad-args', `reason must be a string of at most ${MAX_REASON_BYTES} bytes`);
    }
    return { kind, count, deadlineMs, closeCode, reason };
  }

  private beforeClose(connection: Closable, context: CloseContext): void {
    const hook = this.options.beforeClose;
    if (!hook) return;
    try {
      hook(connection instanceof TrackedConnection ? connection.connection : connection, context);
    } catch (error) {
      this.reportError(error);
    }
  }

  private setState(state: NodeState): void {
    if (state === this.currentState) return;
    const from = this.currentState;
    this.currentState = state;
    this.event('state', { from, to: state });
  }

  private event(name: string, data: Record<string, unknown>): void {
    const frame: EventFrame = { type: 'event', time: Date.now(), name, data };
    try {
      this.admin?.broadcast(frame);
      this.emit('event', frame);
    } catch (error) {
      this.reportError(error);
    }
  }

  private createAdmin(): AdminServer {
    return new AdminServer({
      authenticate: (token) => this.authenticate(token),
      hello: (role) => this.hello(role),
      execute: (command) => this.execute(command),
      countError: (error) => this.reportError(error),
    });
  }

  private createAgentCheck(options: NonNullable<ResolvedAgentOptions['agentCheck']>): AgentCheckResponder {
    return new AgentCheckResponder(
      () =>
        agentCheckReply(
          this.currentState,
          agentCheckWeight(
            {
              openConnections: this.connections.open,
              loopDelayP99Ms: this.lastSample?.health.loopDelayP99Ms ?? 0,
            },
            options.weight,
          ),
        ),
      (error) => this.reportError(error),
    );
  }

  private async listen(): Promise<AddressInfo | null> {
    const admin = this.options.admin;
    const check = this.options.agentCheck;
    try {
      // The agent-check port is part of being ready: a balancer relies on it.
      if (check && this.agentCheck) await this.agentCheck.listen(check.host, check.port);
      if (!admin || !this.admin) return null;
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
      capabilities: ['sample', 'event', 'ping', 'drain', 'undrain', 'shed', 'channels'],
    };
  }

  private async execute(command: CommandFrame): Promise<unknown> {
    const args = command.args;
    const optional = (field: string, kind: 'number' | 'string') => {
      const value = args[field];
      if (value !== undefined && typeof value !== kind)
        throw new CommandError('bad-args', `${field} must be a ${kind}`);
      return value as never;
    };
    switch (command.name) {
      case 'ping':
        return { pong: Date.now() };
      case 'drain':
        return this.drain({
          deadlineMs: optional('deadlineMs', 'number'),
          closeCode: optional('closeCode', 'number'),
          reason: optional('reason', 'string'),
        });
      case 'undrain':
        this.undrain();
        return { state: this.currentState };
      case 'shed':
        return this.shed({
          count: optional('count', 'number'),
          deadlineMs: optional('deadlineMs', 'number'),
          closeCode: optional('closeCode', 'number'),
          reason: optional('reason', 'string'),
        });
    }
  }

  private tick(): void {
    // Lazy collection: nobody listening, nothing computed. Scrapes and agent-checks read the
    // latest sample, so they keep sampling on.
    const wanted =
      (this.admin?.clientCount ?? 0) > 0 ||
      this.listenerCount('sample') > 0 ||
      this.metricsScraped ||
      this.agentCheck !== null;
    if (!wanted) return;
    try {
      const sample = this.sample();
      this.admin?.broadcast(sample);
      this.emit('sample', sample);
    } catch (error) {
      this.reportError(error);
    }
  }

  private reportError(error: unknown): void {
    this.health.errors++;
    const wrapped = error instanceof Error ? error : new Error(String(error));
    // An 'error' event with no listener would throw into the host; warn instead.
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', wrapped);
      } catch {
        // The host's own error listener threw; nothing sensible is left to do with it.
      }
    }
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
