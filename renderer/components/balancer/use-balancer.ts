/**
 * The balancer view, polled while a component that shows it is mounted: now, then every
 * {@link BALANCER_POLL_MS} after each answer settles (never piling requests up), and at once
 * after `refresh()` (an action just changed it). Everything stops on unmount.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BalancerView } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';

/** Time between two balancer reads, ms. */
export const BALANCER_POLL_MS = 2_000;

/** The latest view, and why the latest request failed (null when it did not). */
export interface PolledBalancer {
  readonly view: BalancerView | null;
  readonly error: string | null;
  /** Reads again now. */
  refresh(): void;
}

export function useBalancer(
  api: Pick<ViewApi, 'getBalancer'>,
  intervalMs = BALANCER_POLL_MS,
): PolledBalancer {
  const [state, setState] = useState<{ view: BalancerView | null; error: string | null }>({
    view: null,
    error: null,
  });
  const pollNow = useRef<() => void>(() => {});
  useEffect(() => {
    let stopped = false;
    let inFlight = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      clearTimeout(timer);
      if (inFlight) {
        // A refresh while a read runs: read once more as soon as it settles.
        again = true;
        return;
      }
      inFlight = true;
      api.getBalancer().then(
        (view) => settle(() => setState({ view, error: null })),
        (error: unknown) =>
          settle(() =>
            setState((previous) => ({
              view: previous.view,
              error: error instanceof Error ? error.message : String(error),
            })),
          ),
      );
    };
    const settle = (apply: () => void) => {
      inFlight = false;
      if (stopped) return;
      apply();
      if (again) {
        again = false;
        poll();
      } else {
        timer = setTimeout(poll, intervalMs);
      }
    };
    pollNow.current = poll;
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      pollNow.current = () => {};
    };
  }, [api, intervalMs]);
  const refresh = useCallback(() => pollNow.current(), []);
  return { ...state, refresh };
}
