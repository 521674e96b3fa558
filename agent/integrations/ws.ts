/**
 * The `ws` integration, built on the same connection registry as `agent.track()`.
 *
 * `attach()` gives the server a subclass of its WebSocket class (ws's documented `WebSocket`
 * server option) whose `send` and `emit` count after calling the originals (a message once
 * ws took it, or once its listeners ran): no listener of its own (a second 'message' listener
 * makes Node's emitter copy its listener array on every message, about 50 ns) and no
 * allocation per message.
 *
 * One subclass serves every server of a base class, the agent's own admin endpoint included,
 * and each socket gets its tracker (or null) in the constructor. So every server socket in
 * the process has one shape, as without the agent. Sockets of two shapes make the inline
 * caches in ws's hot paths polymorphic: measured here, an empty subclass for the host's
 * sockets alone cost about 1 % of the server's CPU per message, as much as the counting.
 *
 * While the node is not active, the server's `handleUpgrade` answers 503 with Retry-After.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionCollector } from '../collectors/connections.js';
import type { TrafficCollector } from '../collectors/traffic.js';

type WebSocketClass = typeof WebSocket;
type RawSocket = { bytesRead: number; bytesWritten: number } | null | undefined;

/** What a counted socket reports to: one per attached server, shared by its sockets. */
interface Tracker {
  readonly traffic: TrafficCollector;
  readonly connections: ConnectionCollector;
}

/** What the integration needs from the agent. */
export interface WsTrackingHooks extends Tracker {
  /** False while draining or drained: new upgrades are refused. */
  accepting(): boolean;
  /** Seconds a refused client should wait before retrying. */
  readonly retryAfterSeconds: number;
}

const kTracker = Symbol('fleetdeck.tracker');
/** The tracker of each attached server, by the options object ws hands to every socket it creates. */
const trackers = new WeakMap<object, Tracker>();
/** One counting subclass per base class. */
const countingClasses = new WeakMap<WebSocketClass, WebSocketClass>();
/** The counting subclasses themselves, so one is never subclassed again. */
const counters = new WeakSet<WebSocketClass>();

/**
 * The counting subclass of `Base`. ws creates a server's sockets as
 * `new options.WebSocket(null, undefined, options)`, so the constructor finds its server's
 * tracker by `options`; sockets of servers the agent does not track get null and cost one
 * field read per message. Explicit parameters rather than rest arrays: no allocation.
 */
export function countingWebSocketClass(Base: WebSocketClass): WebSocketClass {
  if (counters.has(Base)) return Base;
  const known = countingClasses.get(Base);
  if (known) return known;
  class CountedWebSocket extends (Base as new (...args: unknown[]) => WebSocket) {
    [kTracker]: Tracker | null;

    constructor(address: unknown, protocols: unknown, options: unknown) {
      super(address, protocols, options);
      this[kTracker] =
        address === null && typeof options === 'object' && options !== null
          ? (trackers.get(options) ?? null)
          : null;
    }

    override send(data: unknown, options?: unknown, callback?: unknown): void {
      const tracker = this[kTracker];
      // Only OPEN sockets put a frame on the wire; ws reports the others to the callback.
      const open = this.readyState === 1;
      // A super call, not a captured `send.call(this, …)`: V8 can see its target, so it calls it
      // directly and can inline it. The cast only widens ws's overloads to `unknown`.
      (super.send as (data: unknown, options?: unknown, callback?: unknown) => void)(data, options, callback);
      // Counted once ws took the message (it throws on a payload it cannot send), and after
      // the call for the same reason as in `emit`: no merge of branches before ws's code.
      if (tracker !== null && open) tracker.traffic.sent(data);
    }

    override emit(event: string | symbol, first?: unknown, second?: unknown): boolean {
      const tracker = this[kTracker];
      // ws emits at most two arguments; anything longer goes through apply unchanged.
      // biome-ignore lint/complexity/noArguments: a rest parameter would allocate an array an event
      const all = arguments.length > 3 ? arguments : null;
      if (event === 'message') {
        // Counted after the listeners. Counting first put a merge of branches before the
        // inlined emitter, after which V8 no longer knew this socket's hidden class and looked
        // `_events` up generically on every message. A catch rather than a finally: it costs
        // nothing until a listener throws.
        let handled: boolean;
        try {
          handled = all === null ? super.emit(event, first, second) : Reflect.apply(super.emit, this, all);
        } catch (error) {
          // The message arrived all the same.
          if (tracker !== null) tracker.traffic.received(first);
          throw error;
        }
        if (tracker !== null) tracker.traffic.received(first);
        return handled;
      }
      if (tracker !== null && event === 'close') countClose(this, tracker, first);
      return all === null ? super.emit(event, first, second) : Reflect.apply(super.emit, this, all);
    }
  }
  const counted = CountedWebSocket as unknown as WebSocketClass;
  countingClasses.set(Base, counted);
  counters.add(counted);
  return counted;
}

/** A counted socket closed: its TCP byte counts are read here, once, at the end. */
function countClose(
  socket: WebSocket & { [kTracker]: Tracker | null },
  tracker: Tracker,
  code: unknown,
): void {
  socket[kTracker] = null;
  const raw = (socket as unknown as { _socket?: RawSocket })._socket;
  if (raw) tracker.traffic.socketClosed(raw.bytesRead, raw.bytesWritten);
  tracker.connections.didClose(socket, 'websocket', code as number);
}

/** Tracks a server's connections and traffic; returns a function that stops tracking new ones. */
export function trackWebSocketServer(server: WebSocketServer, hooks: WsTrackingHooks): () => void {
  const options = server.options as { WebSocket?: WebSocketClass };
  const originalClass = options.WebSocket;
  // ws (8.4 and later) fills in its own class; a host's subclass is extended the same way.
  if (typeof originalClass !== 'function') {
    throw new TypeError(
      'attach(): the server has no WebSocket class option; the agent needs ws 8.4 or later',
    );
  }
  const counted = countingWebSocketClass(originalClass);
  // A server attached to a second agent reports to the latest one.
  const tracker: Tracker = { traffic: hooks.traffic, connections: hooks.connections };
  trackers.set(options, tracker);
  options.WebSocket = counted;
  const onConnection = (socket: WebSocket) => {
    // Only sockets that got a tracker at construction report their close.
    if ((socket as { [kTracker]?: Tracker | null })[kTracker] === tracker) {
      hooks.connections.didOpen(socket, 'websocket');
    }
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
    // Open sockets keep counting until they close; new ones get the host's class again.
    if (trackers.get(options) === tracker) {
      trackers.delete(options);
      if (options.WebSocket === counted) options.WebSocket = originalClass;
    }
  };
}
