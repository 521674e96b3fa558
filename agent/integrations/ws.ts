/**
 * The `ws` integration, built on the same connection registry as `agent.track()`.
 *
 * Nothing is added to a socket but one symbol-keyed field and a registry entry: no listener
 * (a second 'message' listener makes Node's emitter copy its listener array on every
 * message, about 50 ns). Instead `send` and `emit` are wrapped once on the WebSocket class's
 * prototype; for sockets the agent does not track that costs a single property read. While
 * the node is not active, the server's `handleUpgrade` answers 503 with Retry-After.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionCollector } from '../collectors/connections.js';
import type { TrafficCollector } from '../collectors/traffic.js';
import { payloadBytes } from '../collectors/traffic.js';

const kTracker = Symbol('fleetdeck.tracker');
const kWrapped = Symbol('fleetdeck.wrapped');

/** What a tracked socket reports to: one object per attached server, shared by its sockets. */
interface Tracker {
  readonly traffic: TrafficCollector;
  readonly connections: ConnectionCollector;
}

type CountedSocket = WebSocket & {
  [kTracker]?: Tracker | undefined;
  _socket?: { bytesRead: number; bytesWritten: number } | null;
};
type Prototype = { send: WebSocket['send']; emit: WebSocket['emit']; [kWrapped]?: true };

/** What the integration needs from the agent. */
export interface WsTrackingHooks {
  readonly traffic: TrafficCollector;
  readonly connections: ConnectionCollector;
  /** False while draining or drained: new upgrades are refused. */
  accepting(): boolean;
  /** Seconds a refused client should wait before retrying. */
  readonly retryAfterSeconds: number;
}

function wrapPrototypeOnce(prototype: Prototype): void {
  if (prototype[kWrapped]) return;
  const send = prototype.send;
  const emit = prototype.emit;
  // Explicit parameters rather than a rest array: no allocation per message.
  function countedSend(this: CountedSocket, data: unknown, options?: unknown, callback?: unknown): void {
    const tracker = this[kTracker];
    // Only OPEN sockets put a frame on the wire; ws reports the others to the callback.
    if (tracker !== undefined && this.readyState === 1) tracker.traffic.sent(payloadBytes(data));
    return (send as (data: unknown, options?: unknown, callback?: unknown) => void).call(
      this,
      data,
      options,
      callback,
    );
  }
  function countedEmit(
    this: CountedSocket,
    event: string | symbol,
    first?: unknown,
    second?: unknown,
  ): boolean {
    const tracker = this[kTracker];
    if (tracker !== undefined) {
      if (event === 'message') tracker.traffic.received(payloadBytes(first));
      else if (event === 'close') {
        this[kTracker] = undefined;
        const raw = this._socket;
        if (raw) tracker.traffic.socketClosed(raw.bytesRead, raw.bytesWritten);
        tracker.connections.didClose(this, 'websocket', first as number);
      }
    }
    // ws emits at most two arguments; anything longer goes through apply unchanged.
    if (arguments.length > 3)
      return (emit as (...args: unknown[]) => boolean).apply(this, arguments as never);
    return (emit as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, first, second);
  }
  Object.defineProperty(prototype, 'send', { value: countedSend, writable: true, configurable: true });
  Object.defineProperty(prototype, 'emit', { value: countedEmit, writable: true, configurable: true });
  Object.defineProperty(prototype, kWrapped, { value: true });
}

/** Tracks a server's connections and traffic; returns a function that stops tracking new ones. */
export function trackWebSocketServer(server: WebSocketServer, hooks: WsTrackingHooks): () => void {
  const tracker: Tracker = { traffic: hooks.traffic, connections: hooks.connections };
  const onConnection = (socket: CountedSocket) => {
    wrapPrototypeOnce(Object.getPrototypeOf(socket));
    socket[kTracker] = tracker;
    tracker.connections.didOpen(socket, 'websocket');
  };

  // Refuse upgrades while draining. ws routes both `server` and `noServer` mode through
  // the instance's handleUpgrade, so one instance-level override covers both.
  const original = server.handleUpgrade;
  const refusal = `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${hooks.retryAfterSeconds}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\nnode draining\r\n`;
  server.handleUpgrade = function (this: WebSocketServer, request: IncomingMessage, socket: Duplex, ...rest) {
    if (!hooks.accepting()) {
      socket.on('error', () => {});
      socket.end(refusal);
      return;
    }
    return original.call(this, request, socket, ...rest);
  } as WebSocketServer['handleUpgrade'];

  server.on('connection', onConnection);
  return () => {
    server.off('connection', onConnection);
    server.handleUpgrade = original;
  };
}
