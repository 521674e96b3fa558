/**
 * Counting for a `ws` WebSocketServer. Per connection the agent adds two listeners that
 * are shared by every socket (no closure per socket) and one symbol-keyed field; outbound
 * messages are counted by wrapping `send` once on the WebSocket class's prototype, which
 * costs untracked sockets a single property read.
 */
import type { WebSocket, WebSocketServer } from 'ws';
import type { TrafficCollector } from '../collectors/traffic.js';
import { payloadBytes } from '../collectors/traffic.js';

const kTraffic = Symbol('fleetdeck.traffic');
const kWrapped = Symbol('fleetdeck.sendWrapped');

type CountedSocket = WebSocket & { [kTraffic]?: TrafficCollector };
type SendFunction = WebSocket['send'];

/** What the integration reports to the agent. */
export interface WsTrackingHooks {
  readonly traffic: TrafficCollector;
  didOpen(socket: WebSocket): void;
  didClose(socket: WebSocket, code: number): void;
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
  const { traffic } = hooks;
  // Shared listeners: `this` is the socket, so nothing is allocated per connection.
  function onMessage(data: unknown): void {
    traffic.received(payloadBytes(data));
  }
  function onClose(this: CountedSocket, code: number): void {
    this[kTraffic] = undefined;
    hooks.didClose(this, code);
  }
  const onConnection = (socket: CountedSocket) => {
    wrapSendOnce(Object.getPrototypeOf(socket));
    socket[kTraffic] = traffic;
    socket.on('message', onMessage);
    socket.once('close', onClose);
    hooks.didOpen(socket);
  };
  server.on('connection', onConnection);
  return () => server.off('connection', onConnection);
}
