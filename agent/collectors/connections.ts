/** Connection counters: open now, and opened / closed since the agent started. */
import type { ConnectionStats } from '../protocol.js';

/** Counts connections. Plain fields so the hot path is a property increment. */
export class ConnectionCollector {
  open = 0;
  opened = 0;
  closed = 0;

  /** A connection was accepted. */
  didOpen(): void {
    this.open++;
    this.opened++;
  }

  /** A connection ended, whatever the reason. */
  didClose(): void {
    this.open--;
    this.closed++;
  }

  /** The figures for a sample. */
  collect(): ConnectionStats {
    return { open: this.open, opened: this.opened, closed: this.closed };
  }
}
