/**
 * What the node detail view polls while it is open: the node's detail every 2 s and its history
 * every second (only the points after the newest held). Each poll waits for the previous one to
 * settle, so a slow console never has requests piling up; everything stops on unmount.
 */
import { useEffect, useState } from 'react';
import type { NodeDetail } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { appendPoints, type NodePoint, newestTime, pointsFromColumns } from '../../detail/node-history.js';

/** Time between two detail requests, ms. */
export const DETAIL_POLL_MS = 2_000;
/** Time between two history requests, ms: the history gains a point a second. */
export const HISTORY_POLL_MS = 1_000;
/** Time before retrying a history request that failed, ms. */
const HISTORY_RETRY_MS = 2_000;

/** The latest value a poll brought, and why the latest request failed (null when it did not). */
export interface Polled<T> {
  readonly value: T;
  readonly error: string | null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Calls `request` now and again `delayMs(ok)` after each settles, until the returned function
 * is called. `settle` receives the outcome while still running.
 */
function pollEvery<T>(
  request: () => Promise<T>,
  settle: (outcome: { ok: true; value: T } | { ok: false; error: string }) => void,
  delayMs: (ok: boolean) => number,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = () => {
    request().then(
      (value) => {
        if (stopped) return;
        settle({ ok: true, value });
        timer = setTimeout(poll, delayMs(true));
      },
      (error: unknown) => {
        if (stopped) return;
        settle({ ok: false, error: messageOf(error) });
        timer = setTimeout(poll, delayMs(false));
      },
    );
  };
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The node's detail (close codes, busiest channels), refreshed every {@link DETAIL_POLL_MS}. */
export function useNodeDetail(api: ViewApi, nodeId: string): Polled<NodeDetail | null> {
  const [state, setState] = useState<Polled<NodeDetail | null>>({ value: null, error: null });
  useEffect(
    () =>
      pollEvery(
        () => api.getNodeDetail(nodeId),
        (outcome) =>
          // A failed refresh keeps the last detail on screen, with the reason beside it.
          setState((previous) =>
            outcome.ok
              ? { value: outcome.value, error: null }
              : { value: previous.value, error: outcome.error },
          ),
        () => DETAIL_POLL_MS,
      ),
    [api, nodeId],
  );
  return state;
}

/** The node's history (15 minutes at 1 s), appended every {@link HISTORY_POLL_MS} and kept to its window. */
export function useNodeHistory(api: ViewApi, nodeId: string): Polled<readonly NodePoint[]> {
  const [state, setState] = useState<Polled<readonly NodePoint[]>>({ value: [], error: null });
  useEffect(() => {
    // The poll's own copy: the next request's `sinceMs` must not wait for a render.
    let held: readonly NodePoint[] = [];
    return pollEvery(
      async () => {
        const result = await api.getHistory({ kind: 'node', nodeId }, newestTime(held));
        if (result.kind !== 'node') throw new Error('the console answered with the fleet’s history');
        return result;
      },
      (outcome) => {
        if (!outcome.ok) {
          setState((previous) =>
            previous.error === outcome.error ? previous : { ...previous, error: outcome.error },
          );
          return;
        }
        const next = appendPoints(held, pointsFromColumns(outcome.value), outcome.value.windowMs);
        const changed = next !== held;
        held = next;
        setState((previous) =>
          !changed && previous.error === null ? previous : { value: next, error: null },
        );
      },
      (ok) => (ok ? HISTORY_POLL_MS : HISTORY_RETRY_MS),
    );
  }, [api, nodeId]);
  return state;
}

/** The current time, updated every `intervalMs`: for figures that age, like uptime. */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
