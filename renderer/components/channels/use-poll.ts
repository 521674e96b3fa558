/** A React wrapper over {@link pollEvery}: the latest value, and why the latest request failed. */
import { useEffect, useRef, useState } from 'react';
import { type PollOutcome, pollEvery } from '../../channels/poll.js';

/** The newest value a poll brought (kept when a later request fails) and the latest failure. */
export interface Polled<T> {
  readonly value: T | null;
  readonly error: string | null;
}

/**
 * Polls `request` every `intervalMs` (after a failure, every `retryMs`) while mounted, restarting
 * when `key` changes: the request is read from the latest render, the key says when it means
 * something else. `onValue` hears each value as it arrives, before the render.
 */
export function usePoll<T>(
  key: string,
  request: () => Promise<T>,
  intervalMs: number,
  options: { readonly retryMs?: number; readonly onValue?: (value: T) => void } = {},
): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ value: null, error: null });
  const latest = useRef({ request, onValue: options.onValue });
  latest.current = { request, onValue: options.onValue };
  const retryMs = options.retryMs ?? intervalMs;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is what restarts the poll; the request is read through the ref.
  useEffect(() => {
    const settle = (outcome: PollOutcome<T>) => {
      if (outcome.ok) {
        latest.current.onValue?.(outcome.value);
        setState({ value: outcome.value, error: null });
      } else {
        // A failed refresh keeps the last figures on screen, with the reason beside them.
        setState((previous) =>
          previous.error === outcome.error ? previous : { value: previous.value, error: outcome.error },
        );
      }
    };
    return pollEvery(
      () => latest.current.request(),
      settle,
      (ok) => (ok ? intervalMs : retryMs),
    );
  }, [key, intervalMs, retryMs]);
  return state;
}
