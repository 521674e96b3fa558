import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PollOutcome, pollEvery } from '../../../renderer/channels/poll.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A request whose answers the test settles by hand. */
function controlledRequest() {
  const pending: Array<{ resolve: (value: number) => void; reject: (error: Error) => void }> = [];
  const request = vi.fn(
    () =>
      new Promise<number>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  );
  return { request, pending };
}

describe('pollEvery', () => {
  it('asks again only after the previous answer, on the pause for its outcome', async () => {
    const { request, pending } = controlledRequest();
    const outcomes: PollOutcome<number>[] = [];
    const stop = pollEvery(
      request,
      (outcome) => outcomes.push(outcome),
      (ok) => (ok ? 1000 : 5000),
    );
    expect(request).toHaveBeenCalledTimes(1);
    // A slow console: nothing piles up however long it takes.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(request).toHaveBeenCalledTimes(1);
    pending[0]?.resolve(7);
    await vi.advanceTimersByTimeAsync(999);
    expect(outcomes).toEqual([{ ok: true, value: 7 }]);
    expect(request).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(request).toHaveBeenCalledTimes(2);
    pending[1]?.reject(new Error('link down'));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(outcomes.at(-1)).toEqual({ ok: false, error: 'link down' });
    expect(request).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(request).toHaveBeenCalledTimes(3);
    stop();
  });

  it('hears nothing and asks nothing once stopped, even from an answer in flight', async () => {
    const { request, pending } = controlledRequest();
    const settle = vi.fn();
    const stop = pollEvery(request, settle, () => 1000);
    stop();
    pending[0]?.resolve(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(settle).not.toHaveBeenCalled();
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('turns a request that throws at once into a failed outcome and keeps polling', async () => {
    let calls = 0;
    const outcomes: PollOutcome<number>[] = [];
    const stop = pollEvery(
      () => {
        calls += 1;
        if (calls === 1) throw new TypeError('bad arguments');
        return Promise.resolve(calls);
      },
      (outcome) => outcomes.push(outcome),
      () => 100,
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(outcomes).toEqual([
      { ok: false, error: 'bad arguments' },
      { ok: true, value: 2 },
    ]);
    stop();
  });
});
