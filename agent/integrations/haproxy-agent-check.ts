/**
 * HAProxy's agent-check protocol: HAProxy connects over TCP every `agent-inter`, reads one
 * ASCII line such as `ready up 73%` or `drain`, and closes the connection with a TCP RST.
 * The weight turns HAProxy into a "custom load" balancer, and `drain` routes new connections
 * around a draining node with no extra wiring.
 *
 * Everything here must be harmless to the host: the RST that ends every check surfaces as
 * ECONNRESET on our socket, so each socket has an 'error' listener, and every failure is
 * handed to `onError` instead of being thrown.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { NodeState } from '../protocol.js';

/** Options for {@link agentCheckWeight}. */
export interface AgentCheckWeightOptions {
  /** Open connections at which the connection factor reaches 0 (> 0). */
  readonly maxConnections: number;
  /** Event-loop delay p99, in ms, at which the loop factor reaches 0 (> 0). */
  readonly maxLoopDelayMs: number;
  /** The lowest weight reported while active, an integer 1..100, so a loaded node still gets a trickle. */
  readonly minWeight: number;
}

/** The defaults: 10,000 connections or a 200 ms loop-delay p99 count as fully loaded. */
export const DEFAULT_AGENT_CHECK_WEIGHT: AgentCheckWeightOptions = Object.freeze({
  maxConnections: 10_000,
  maxLoopDelayMs: 200,
  minWeight: 1,
});

/** The highest weight, in percent of the weight configured on the HAProxy server line. */
const MAX_WEIGHT = 100;

/** Sockets still open after this long are destroyed: HAProxy reads one line, a peer that lingers is not HAProxy. */
const SOCKET_TIMEOUT_MS = 5_000;

/** Bound on simultaneous check connections; HAProxy opens one per check, so more is abuse. */
const MAX_OPEN_SOCKETS = 1_024;

function validateWeightOptions(options: AgentCheckWeightOptions): void {
  const { maxConnections, maxLoopDelayMs, minWeight } = options;
  if (!(Number.isFinite(maxConnections) && maxConnections > 0)) {
    throw new TypeError(`maxConnections must be a finite number > 0, got ${maxConnections}`);
  }
  if (!(Number.isFinite(maxLoopDelayMs) && maxLoopDelayMs > 0)) {
    throw new TypeError(`maxLoopDelayMs must be a finite number > 0, got ${maxLoopDelayMs}`);
  }
  if (!(Number.isInteger(minWeight) && minWeight >= 1 && minWeight <= MAX_WEIGHT)) {
    throw new TypeError(`minWeight must be an integer from 1 to ${MAX_WEIGHT}, got ${minWeight}`);
  }
}

/** 1 when idle, falling linearly to 0 at `limit`. NaN (no sample yet) counts as no load. */
function headroom(value: number, limit: number): number {
  if (Number.isNaN(value)) return 1;
  return Math.max(0, 1 - Math.max(0, value) / limit);
}

/**
 * The weight to report while active, an integer from `minWeight` to 100 (percent of the
 * server's configured weight):
 *
 *   connectionFactor = max(0, 1 − openConnections / maxConnections)
 *   loopFactor       = max(0, 1 − loopDelayP99Ms / maxLoopDelayMs)
 *   weight           = clamp(round(100 × connectionFactor × loopFactor), minWeight, 100)
 *
 * It never increases when either input increases. Negative or NaN inputs count as 0 (no
 * load seen yet); infinite ones as fully loaded. Throws a TypeError for invalid options.
 */
export function agentCheckWeight(
  load: { readonly openConnections: number; readonly loopDelayP99Ms: number },
  options: AgentCheckWeightOptions = DEFAULT_AGENT_CHECK_WEIGHT,
): number {
  validateWeightOptions(options);
  const connectionFactor = headroom(load.openConnections, options.maxConnections);
  const loopFactor = headroom(load.loopDelayP99Ms, options.maxLoopDelayMs);
  const weight = Math.round(MAX_WEIGHT * connectionFactor * loopFactor);
  return Math.min(MAX_WEIGHT, Math.max(options.minWeight, weight));
}

/**
 * The line HAProxy reads: `ready up W%\n` while active, `drain\n` while draining or drained.
 * `ready` (not just `up`) is what clears a previous `drain` in HAProxy. The weight is rounded
 * and clamped to 1..100, because 0% would be a drain the node's own state does not show; a
 * non-finite weight reports 100%.
 */
export function agentCheckReply(state: NodeState, weight: number): string {
  switch (state) {
    case 'active': {
      const percent = Number.isFinite(weight) ? Math.min(MAX_WEIGHT, Math.max(1, Math.round(weight))) : 100;
      return `ready up ${percent}%\n`;
    }
    case 'draining':
    case 'drained':
      return 'drain\n';
    default:
      return assertNever(state);
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected node state: ${String(value)}`);
}

/**
 * A TCP responder for HAProxy's agent-check: answers every connection with `reply()` and
 * ends it. The RST HAProxy closes with, and any other socket or server error, goes to
 * `onError`; nothing is thrown into the host. If `reply()` throws, the error goes to
 * `onError` and the socket is ended with no line: HAProxy ignores an incomplete reply and
 * keeps the server's last state and weight, which is safer than guessing one.
 */
export class AgentCheckResponder {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly reply: () => string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.server = createServer((socket) => this.answer(socket));
    this.server.maxConnections = MAX_OPEN_SOCKETS;
  }

  /** Starts listening; resolves with the bound address, rejects if it cannot (e.g. the port is taken). */
  listen(host: string, port: number): Promise<AddressInfo> {
    if (this.closing) return Promise.reject(new Error('the agent-check responder is closed'));
    return new Promise((resolve, reject) => {
      const onListenError = (error: Error) => reject(error);
      this.server.once('error', onListenError);
      this.server.listen(port, host, () => {
        this.server.off('error', onListenError);
        this.server.on('error', (error) => this.report(error));
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** The bound address, or null before listening and after closing. */
  address(): AddressInfo | null {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address : null;
  }

  /** Stops listening and destroys open sockets. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    return this.closing;
  }

  private answer(socket: Socket): void {
    // The RST that ends every check arrives here as ECONNRESET; without a listener it would throw.
    // It is how HAProxy ends every check, not a failure, so it is not counted.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') this.report(error);
    });
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => socket.destroy());
    // HAProxy sends nothing; anything a peer sends is discarded so it cannot fill a buffer.
    socket.resume();
    let line: string;
    try {
      line = this.reply();
    } catch (error) {
      this.report(error);
      socket.end();
      return;
    }
    socket.end(line);
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // A throwing onError must not turn a counted error into a crash of the host.
    }
  }
}
