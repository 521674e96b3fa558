/** Listener sets for the broker adapters: a listener's throw never reaches the broker. */
import type { BrokerMessage, BrokerStatus } from './broker.js';
import type { DeliveryGap } from './sequenced-delivery.js';

/** An ordered set of listeners with an owner-supplied error sink. */
export class Listeners<T> {
  // Wrapped in objects so the same function added twice is two registrations, each with
  // its own unsubscribe, as with EventEmitter.
  private readonly entries = new Set<{ readonly listener: (value: T) => void }>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Adds a listener; returns its unsubscribe (safe to call twice). */
  add(listener: (value: T) => void): () => void {
    const entry = { listener };
    this.entries.add(entry);
    return () => void this.entries.delete(entry);
  }

  /** Calls every listener; a throw is handed to the error sink and the others still run. */
  emit(value: T): void {
    for (const entry of [...this.entries]) {
      try {
        entry.listener(value);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.entries.clear();
  }
}

/**
 * What every broker adapter tells its node: status changes, messages and resets. One owner
 * of the three listener sets and of the status, so the Redis and relay adapters share it.
 */
export class BrokerSignals {
  private current: BrokerStatus = 'down';
  private readonly statusListeners: Listeners<BrokerStatus>;
  private readonly messageListeners: Listeners<BrokerMessage>;
  private readonly resetListeners: Listeners<string>;

  constructor(onListenerError: (error: unknown) => void) {
    this.statusListeners = new Listeners(onListenerError);
    this.messageListeners = new Listeners(onListenerError);
    this.resetListeners = new Listeners(onListenerError);
  }

  /** Reachability now. */
  get status(): BrokerStatus {
    return this.current;
  }

  /** Sets the status; returns true when it changed (listeners were told). */
  setStatus(status: BrokerStatus): boolean {
    if (status === this.current) return false;
    this.current = status;
    this.statusListeners.emit(status);
    return true;
  }

  onStatus(listener: (status: BrokerStatus) => void): () => void {
    return this.statusListeners.add(listener);
  }

  onReset(listener: (channel: string) => void): () => void {
    return this.resetListeners.add(listener);
  }

  onMessage(listener: (message: BrokerMessage) => void): () => void {
    return this.messageListeners.add(listener);
  }

  /** Hands a message to the node. */
  deliver(message: BrokerMessage): void {
    this.messageListeners.emit(message);
  }

  /** The delivery's gap hook: a broker reset is told to the node before the new epoch's messages arrive. */
  gapHandler(onGap?: (gap: DeliveryGap) => void): (gap: DeliveryGap) => void {
    return (gap) => {
      if (gap.reason === 'broker-reset') this.resetListeners.emit(gap.channel);
      onGap?.(gap);
    };
  }

  /** Forgets every listener. */
  clear(): void {
    this.statusListeners.clear();
    this.messageListeners.clear();
    this.resetListeners.clear();
  }
}
