/**
 * A request repeated on a fixed pause, each one waiting for the previous to settle, so a slow
 * console never has requests piling up. Framework-free; the views wrap it in an effect.
 */

/** What one request brought. */
export type PollOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/** The message of a failed request, for the operator. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Calls `request` now, then `delayMs(ok)` after each one settles, until the returned function is
 * called; `settle` hears every outcome that arrives before that.
 */
export function pollEvery<T>(
  request: () => Promise<T>,
  settle: (outcome: PollOutcome<T>) => void,
  delayMs: (ok: boolean) => number,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = (outcome: PollOutcome<T>) => {
    if (stopped) return;
    settle(outcome);
    // `settle` may have stopped the poll.
    if (!stopped) timer = setTimeout(poll, delayMs(outcome.ok));
  };
  const poll = () => {
    let pending: Promise<T>;
    try {
      pending = request();
    } catch (error) {
      finish({ ok: false, error: errorMessage(error) });
      return;
    }
    pending.then(
      (value) => finish({ ok: true, value }),
      (error: unknown) => finish({ ok: false, error: errorMessage(error) }),
    );
  };
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
