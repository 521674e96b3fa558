/**
 * Small hooks the operations components share: a ticking clock, a request in flight with its
 * readable error, and the balancer's view of one node, polled while it matters.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ViewApi } from '../../app.js';
import { type BalancerReading, balancerReading } from '../../operations/balancer-reading.js';

/** The readable message of a rejection. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Date.now(), refreshed every `everyMs` while `active`. */
export function useNow(everyMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, active]);
  return now;
}

/** A request the operator started: whether it runs, and why it failed. */
export interface PendingAction {
  readonly busy: boolean;
  readonly error: string | null;
  /** Runs `work`; resolves true when it succeeded. Ignored while one runs. */
  run(work: () => Promise<unknown>): Promise<boolean>;
  clearError(): void;
}

/** Tracks one request at a time, and keeps its error readable until the next try. */
export function usePendingAction(): PendingAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  const running = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (work: () => Promise<unknown>) => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (failure) {
      if (mounted.current) setError(messageOf(failure));
      return false;
    } finally {
      running.current = false;
      if (mounted.current) setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { busy, error, run, clearError };
}

/** Time between two balancer reads, ms. */
export const BALANCER_POLL_MS = 2_000;

/** The balancer's view of `nodeId`, polled every {@link BALANCER_POLL_MS} while `active`. */
export function useBalancerReading(
  api: Pick<ViewApi, 'getBalancer'>,
  nodeId: string,
  active: boolean,
): BalancerReading {
  const [reading, setReading] = useState<BalancerReading>({ state: 'loading' });
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Each read waits for the previous one: a slow console never has them piling up.
    const poll = () => {
      api.getBalancer().then(
        (view) => {
          if (stopped) return;
          setReading(balancerReading(view, nodeId));
          timer = setTimeout(poll, BALANCER_POLL_MS);
        },
        (error: unknown) => {
          if (stopped) return;
          setReading({ state: 'failed', error: messageOf(error) });
          timer = setTimeout(poll, BALANCER_POLL_MS);
        },
      );
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, nodeId, active]);
  return reading;
}
