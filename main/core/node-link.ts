/**
 * One link per node: connects to the agent's admin endpoint with its token, validates every
 * frame, reconnects with exponential backoff and full jitter, notices a silent agent, and
 * carries commands. It never throws into its owner: problems become readable strings.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  type CommandName,
  type EventFrame,
  encodeFrame,
  type HelloFrame,
  MAX_AGENT_FRAME_BYTES,
  parseAgentFrame,
  type ReplyFrame,
  type SampleFrame,
} from '../../agent/protocol.js';

/** What a link reports to its owner. */
export interface NodeLinkListener {
  hello(frame: HelloFrame): void;
  sample(frame: SampleFrame): void;
  event(frame: EventFrame): void;
  /** The link is down; `problem` says why in words an operator understands. */
  down(problem: string): void;
  /** A frame failed validation and was dropped. */
  dropped(reason: string): void;
}

/** Timing knobs, with defaults suited to a fleet on a LAN. */
export interface NodeLinkTiming {
  /** First reconnect delay ceiling, ms. Default 250. */
  readonly backoffBaseMs: number;
  /** Largest reconnect delay ceiling, ms. Default 5000. */
  readonly backoffMaxMs: number;
  /** Give up on a connection attempt after this long, ms. Default 3000. */
  readonly connectTimeoutMs: number;
  /** Declare the node unreachable after this many sample intervals without a frame. Default 3. */
  readonly silentIntervals: number;
  /** How long a command waits for its reply, ms. Default 10000. */
  readonly commandTimeoutMs: number;
}

/** Default link timing. */
export const DEFAULT_LINK_TIMING: NodeLinkTiming = {
  backoffBaseMs: 250,
  backoffMaxMs: 5_000,
  connectTimeoutMs: 3_000,
  silentIntervals: 3,
  commandTimeoutMs: 10_000,
};

/** A connection to one agent. */
export class NodeLink {
  private socket: WebSocket | null = null;
  private helloFrame: HelloFrame | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly pending = new Map<
    string,
    { resolve: (result: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    readonly nodeId: string,
    private readonly url: string,
    private readonly token: string,
    private readonly listener: NodeLinkListener,
    private readonly timing: NodeLinkTiming = DEFAULT_LINK_TIMING,
  ) {}

  /** Starts connecting. */
  start(): void {
    if (!this.disposed && this.socket === null) this.connect();
  }

  /** Sends a command and resolves with the agent's result, or rejects with its error message. */
  command(name: CommandName, args: Record<string, unknown> = {}): Promise<unknown> {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN || this.helloFrame === null) {
      return Promise.reject(new Error(`${this.nodeId} is not connected`));
    }
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(`${this.nodeId} did not answer "${name}" within ${this.timing.commandTimeoutMs} ms`),
        );
      }, this.timing.commandTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(encodeFrame({ type: 'command', id, name, args }));
    });
  }

  /** Closes the link for good. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.watchdog);
    this.failPending('the console is closing');
    this.socket?.removeAllListeners();
    this.socket?.on('error', () => {});
    this.socket?.terminate();
    this.socket = null;
  }

  private connect(): void {
    const socket = new WebSocket(this.url, {
      headers: { Authorization: `Bearer ${this.token}` },
      handshakeTimeout: this.timing.connectTimeoutMs,
      maxPayload: MAX_AGENT_FRAME_BYTES,
      perMessageDeflate: false,
    });
    this.socket = socket;
    let problem = 'connection lost';
    socket.on('unexpected-response', (request, response) => {
      problem =
        response.statusCode === 401
          ? 'the agent refused the token (HTTP 401): check the fleet file'
          : `the agent answered HTTP ${response.statusCode} instead of a WebSocket`;
      request.destroy();
      // ws does not emit 'close' for a refused handshake; finish here.
      this.lost(socket, problem);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      problem = describeError(error);
    });
    socket.on('open', () => this.armWatchdog());
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.listener.dropped('binary frame');
      else this.receive(data.toString());
      // After receive(): a hello just received sets the interval the watchdog waits for.
      if (socket === this.socket) this.armWatchdog();
    });
    socket.on('close', (code, reason) => {
      if (code === 1001) problem = `the agent closed the link (${reason.toString() || 'going away'})`;
      this.lost(socket, problem);
    });
  }

  private receive(text: string): void {
    const parsed = parseAgentFrame(text);
    if (!parsed.ok && parsed.code === 'unsupported') {
      // A version mismatch is not a passing bad frame: the link cannot work, so say why and back off.
      this.listener.dropped(parsed.message);
      const socket = this.socket;
      socket?.close(1002, 'protocol version');
      return this.lost(socket, parsed.message);
    }
    if (!parsed.ok) return this.listener.dropped(parsed.message);
    const frame = parsed.frame;
    if (frame.type === 'hello') {
      this.helloFrame = frame;
      this.attempt = 0;
      return this.listener.hello(frame);
    }
    if (this.helloFrame === null) return this.listener.dropped(`${frame.type} before hello`);
    switch (frame.type) {
      case 'sample':
        return this.listener.sample(frame);
      case 'event':
        return this.listener.event(frame);
      case 'reply':
        return this.settle(frame);
    }
  }

  private settle(frame: ReplyFrame): void {
    const waiting = frame.id === null ? undefined : this.pending.get(frame.id);
    // A reply nobody waits for (timed out, or about a frame with no id) is valid: ignore it.
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(frame.id as string);
    if (frame.ok) waiting.resolve(frame.result);
    else waiting.reject(new Error(`${frame.error.message} (${frame.error.code})`));
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    const intervalMs = this.helloFrame?.intervalMs ?? 1_000;
    const socket = this.socket;
    this.watchdog = setTimeout(
      () => {
        if (socket === this.socket) {
          socket?.terminate();
          this.lost(socket, `no data for ${this.timing.silentIntervals} sample intervals`);
        }
      },
      intervalMs * this.timing.silentIntervals + 500,
    );
  }

  private lost(socket: WebSocket | null, problem: string): void {
    if (this.disposed || socket !== this.socket) return;
    socket?.removeAllListeners();
    socket?.on('error', () => {});
    this.socket = null;
    this.helloFrame = null;
    clearTimeout(this.watchdog);
    this.failPending(`${this.nodeId}: ${problem}`);
    this.listener.down(problem);
    // Full jitter keeps a fleet of consoles (or a console of many links) from reconnecting in step.
    const ceiling = Math.min(this.timing.backoffMaxMs, this.timing.backoffBaseMs * 2 ** this.attempt);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  private failPending(message: string): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(message));
      this.pending.delete(id);
    }
  }
}

function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused: the agent is not listening';
    case 'ECONNRESET':
      return 'connection reset by the node';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    default:
      return error.message || 'connection failed';
  }
}
