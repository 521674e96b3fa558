/**
 * The `ws` integration, built on the same connection registry as `agent.track()`.
 *
 * Per connection the agent adds two listeners shared by every socket (no closure per
 * socket), one symbol-keyed field and a registry entry; outbound messages are counted by
 * wrapping `send` once on the WebSocket class's prototype, which costs untracked sockets a
 * single property read. While the node is not active, the server's `handleUpgrade` answers
 * 503 with Retry-After instead of accepting.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionCollector } from '../collectors/connections.js';
import type { TrafficCollector } from '../collectors/traffic.js';
import { payloadBytes } from '../collectors/traffic.js';

const kTraffic = Symbol('fleetdeck.traffic');
const kWrapped = Symbol('fleetdeck.sendWrapped');

type CountedSocket = WebSocket & {
  [kTraffic]?: TrafficCollector | undefined;
  _socket?: { bytesRead: number; bytesWritten: number } | null;
};
type SendFunction = WebSocket['send'];

/** What the integration needs from the agent. */
export interface WsTrackingHooks {
  readonly traffic: TrafficCollector;
  readonly connections: ConnectionCollector;
  /** False while draining or drained: new upgrades are refused. */
  accepting(): boolean;
  /** Seconds a refused client should wait before retrying. */
  readonly retryAfterSeconds: number;
}

function wrapSendOnce(prototype: { send: SendFunction; [kWrapped]?: true }): void {
  if (prototype[kWrapped]) return;
  const original = prototype.send;
  const send = function (this: CountedSocket, ...args: Parameters<SendFunction>) {
    const traffic = this[kTraffic];
    // Only OPEN sockets put a frame on the wire; ws reports the others to the callback.
    if (traffic !== undefined && this.readyState === 1) traffic.sent(payloadBytes(args[0]));
    return original.apply(this, args);
  } as SendFunction;
  Object.defineProperty(prototype, 'send', { value: send, writable: true, configurable: true });
  Object.defineProperty(prototype, kWrapped, { value: true });
}

/** Tracks a server's connections and traffic; returns a function that stops tracking new ones. */
export function trackWebSocketServer(server: WebSocketServer, hooks: WsTrackingHooks): () => void {
  const { traffic, connections } = hooks;
  // Shared listeners: `this` is the socket, so nothing is allocated per connection.
  function onMessage(data: unknown): void {
    traffic.received(payloadBytes(data));
  }
  function onClose(this: CountedSocket, code: number): void {
    this[kTraffic] = undefined;
    const raw = this._socket;
    if (raw) traffic.socketClosed(raw.bytesRead, raw.bytesWritten);
    connections.didClose(this, 'websocket', code);
  }
  const onConnection = (socket: CountedSocket) => {
    wrapSendOnce(Object.getPrototypeOf(socket));
    socket[kTraffic] = traffic;
    socket.on('message', onMessage);
    socket.on('close', onClose);
    connections.didOpen(socket, 'websocket');
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
