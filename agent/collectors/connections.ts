/**
 * The connection registry: every live connection the agent knows, by transport, with
 * cumulative opens, closes and close codes. Drain and shed walk it to close connections.
 * WebSockets are registered as themselves (no wrapper object per socket); other
 * transports through the handle that `agent.track()` returns.
 */
import { type ConnectionStats, TRANSPORTS, type Transport, type TransportCounts } from '../protocol.js';

/** Anything the agent can close for a drain: a `ws` WebSocket, or a host's tracked connection. */
export interface Closable {
  close(code: number, reason: string): void;
}

/** Close codes beyond this many distinct values are counted under "other", so the map stays bounded. */
const MAX_CLOSE_CODES = 64;
/** What a close without a code (an SSE client that went away) counts as. */
export const ABNORMAL_CLOSE = 1006;

class Counts implements TransportCounts {
  open = 0;
  opened = 0;
  closed = 0;
}

/** Counts connections and holds the live ones. */
export class ConnectionCollector {
  /** Open connections nobody has asked to close yet. */
  private readonly live = new Set<Closable>();
  /** Connections a drain or shed has asked to close, until their close completes. */
  private readonly closing = new Set<Closable>();
  private readonly counts: Record<Transport, Counts> = {
    websocket: new Counts(),
    sse: new Counts(),
    'long-polling': new Counts(),
  };
  private readonly closeCodes = new Map<string, number>();

  /** Connections open now, over every transport (including those closing). */
  get open(): number {
    return this.live.size + this.closing.size;
  }

  /** Open connections not yet asked to close. */
  get closable(): number {
    return this.live.size;
  }

  /** A connection was accepted. */
  didOpen(connection: Closable, transport: Transport): void {
    if (this.live.has(connection) || this.closing.has(connection)) return;
    this.live.add(connection);
    const counts = this.counts[transport];
    counts.open++;
    counts.opened++;
  }

  /** A connection ended with `code` (undefined: no close code, counted as 1006). */
  didClose(connection: Closable, transport: Transport, code: number | undefined): void {
    if (!this.live.delete(connection) && !this.closing.delete(connection)) return;
    const counts = this.counts[transport];
    counts.open--;
    counts.closed++;
    const key = String(code ?? ABNORMAL_CLOSE);
    const seen = this.closeCodes.get(key);
    if (seen !== undefined) this.closeCodes.set(key, seen + 1);
    else if (this.closeCodes.size < MAX_CLOSE_CODES) this.closeCodes.set(key, 1);
    else this.closeCodes.set('other', (this.closeCodes.get('other') ?? 0) + 1);
  }

  /**
   * Takes up to `count` connections not yet asked to close, oldest first, and marks them
   * closing, so a later pick never returns them again while their close completes.
   */
  take(count: number): Closable[] {
    const taken: Closable[] = [];
    for (const connection of this.live) {
      if (taken.length >= count) break;
      taken.push(connection);
    }
    for (const connection of taken) {
      this.live.delete(connection);
      this.closing.add(connection);
    }
    return taken;
  }

  /** Connections asked to close whose close has not completed. */
  stillClosing(): Closable[] {
    return [...this.closing];
  }

  /** The figures for a sample. */
  collect(): ConnectionStats {
    const byTransport = {} as Record<Transport, TransportCounts>;
    let opened = 0;
    let closed = 0;
    for (const transport of TRANSPORTS) {
      const { open, opened: transportOpened, closed: transportClosed } = this.counts[transport];
      byTransport[transport] = { open, opened: transportOpened, closed: transportClosed };
      opened += transportOpened;
      closed += transportClosed;
    }
    return { open: this.open, opened, closed, byTransport, closeCodes: Object.fromEntries(this.closeCodes) };
  }
}
