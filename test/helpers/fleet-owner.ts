/**
 * One owner for everything a fleet test starts (processes, balancers, brokers, sockets):
 * disposed in reverse order of creation, every step attempted even when an earlier one
 * fails, so a failing test still leaves nothing running.
 */

interface Owned {
  readonly what: string;
  readonly dispose: () => unknown;
}

/** Holds disposers; `dispose()` runs them last-in first-out. */
export class FleetOwner {
  private readonly owned: Owned[] = [];

  /** Registers `resource` with the function that releases it, and returns it. */
  own<T>(resource: T, dispose: (resource: T) => unknown, what = 'resource'): T {
    this.owned.push({ what, dispose: () => dispose(resource) });
    return resource;
  }

  /** Registers a cleanup step that is not tied to one value. */
  defer(what: string, dispose: () => unknown): void {
    this.owned.push({ what, dispose });
  }

  /** Releases everything, newest first; throws one AggregateError naming what failed to stop. */
  async dispose(): Promise<void> {
    const errors: Error[] = [];
    for (const item of this.owned.splice(0).reverse()) {
      try {
        await item.dispose();
      } catch (error) {
        errors.push(new Error(`disposing ${item.what}: ${(error as Error).message}`, { cause: error }));
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, errors.map((error) => error.message).join('; '));
  }
}
