/**
 * `agent.track()`: the generic way to count a connection of any transport (SSE, long
 * polling, or a WebSocket library other than `ws`). The host reports traffic and the end
 * of the connection through the handle; drain and shed close it through `close()`.
 */
import { ABNORMAL_CLOSE, type Closable, type ConnectionCollector } from './collectors/connections.js';
import type { TrafficCollector } from './collectors/traffic.js';
import type { Transport } from './protocol.js';

/** A connection the host tracks by hand. */
export interface TrackableConnection {
  /** Ends the connection with a WebSocket-style close code and reason (a drain or shed calls this). */
  close(code: number, reason: string): void;
}

/** The handle `agent.track()` returns. All methods ignore bad input and never throw. */
export class TrackedConnection implements Closable {
  private ended = false;

  constructor(
    /** The host's own connection object, as passed to `track()`. */
    readonly connection: TrackableConnection,
    readonly transport: Transport,
    private readonly connections: ConnectionCollector,
    private readonly traffic: TrafficCollector,
    private readonly onError: (error: unknown) => void,
  ) {
    connections.didOpen(this, transport);
  }

  /** A message of `bytes` payload bytes arrived from the client. */
  received(bytes: number): void {
    if (!this.ended && bytes >= 0 && Number.isFinite(bytes)) {
      // Counters go on the wire as integers; a fractional count would make every later sample invalid.
      this.traffic.bytesIn += Math.round(bytes);
      this.traffic.messagesIn++;
    }
  }

  /** A message of `bytes` payload bytes was sent to the client. */
  sent(bytes: number): void {
    if (!this.ended && bytes >= 0 && Number.isFinite(bytes)) {
      this.traffic.bytesOut += Math.round(bytes);
      this.traffic.messagesOut++;
    }
  }

  /** The connection ended; `code` if the transport has one (else it counts as 1006). Safe to call twice. */
  closed(code?: number): void {
    if (this.ended) return;
    this.ended = true;
    this.connections.didClose(this, this.transport, Number.isInteger(code) ? code : ABNORMAL_CLOSE);
  }

  /** A drain gave up waiting for the host to report the end: count it closed (1006). */
  abandon(): void {
    this.closed(ABNORMAL_CLOSE);
  }

  /** Used by drain and shed. */
  close(code: number, reason: string): void {
    try {
      this.connection.close(code, reason);
    } catch (error) {
      this.onError(error);
      // The host could not close it; stop counting it as open so a drain can finish.
      this.closed(ABNORMAL_CLOSE);
    }
  }
}
