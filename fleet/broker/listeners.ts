/** Listener sets for the broker adapters: a listener's throw never reaches the broker. */

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
