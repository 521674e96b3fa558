/** ChannelCollector: exact figures, Space-Saving eviction and bounds, bad input, memory. */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ChannelCollector, MAX_CHANNEL_NAME_LENGTH, MAX_TOP_K } from '../../agent/collectors/channels.js';
import { type ChannelFigures, MAX_AGENT_FRAME_BYTES } from '../../agent/protocol.js';

/**
 * The V8 collector, or null. Vitest's fork workers do not start with --expose-gc, and the
 * shared vitest config is not this suite's to change, so the flag is set at run time: a new
 * context created afterwards gets a `gc` global.
 */
const collectGarbage: (() => void) | null = (() => {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  const found: unknown = runInNewContext('typeof gc === "function" ? gc : null');
  return typeof found === 'function' ? (found as () => void) : null;
})();

/**
 * JS heap plus ArrayBuffer memory in use after full collections, in bytes (typed arrays over
 * 64 bytes live outside the JS heap); null when gc is unavailable.
 */
function settledMemory(): number | null {
  if (!collectGarbage) return null;
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Bytes in use in the young generation, where short-lived per-call objects would go. */
function youngBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
}

/** A seeded PRNG (mulberry32): the streams, and so the assertions, are the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Cumulative Zipf(s) weights of ranks 1..n, unnormalized. */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let rank = 1; rank <= n; rank++) {
    sum += rank ** -s;
    cdf[rank - 1] = sum;
  }
  return cdf;
}

/** A Zipf-distributed index in 0..n-1 (index 0 is rank 1), by binary search of the CDF. */
function sampleZipf(cdf: Float64Array, next: () => number): number {
  const target = next() * (cdf[cdf.length - 1] as number);
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((cdf[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

function shuffle(values: Int32Array, next: () => number): void {
  for (let index = values.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    const kept = values[index] as number;
    values[index] = values[other] as number;
    values[other] = kept;
  }
}

/** A ChannelFigures with zeros for every figure not given. */
function figures(name: string, values: Partial<Omit<ChannelFigures, 'name'>>): ChannelFigures {
  return { name, published: 0, delivered: 0, bytesIn: 0, bytesOut: 0, subscribers: 0, error: 0, ...values };
}

describe('ChannelCollector', () => {
  it('reports exact figures, totals and subscriber gauges, and starts a new interval on collect', () => {
    const collector = new ChannelCollector({ topK: 3, capacity: 8 });
    collector.subscribed('alpha', 2);
    collector.subscribed('beta', 1);
    collector.subscribed('gamma', 3);
    collector.subscribed('gamma', -3);
    collector.published('alpha', 10);
    collector.published('alpha', 12);
    collector.delivered('alpha', 2, 20);
    collector.published('beta', 5);
    collector.delivered('beta', 1, 5);
    collector.published('gamma', 7);
    collector.published('omega', 1);

    // gamma and omega tie at 1; the tie goes to the name, and topK 3 leaves omega out.
    expect(collector.collect(1000)).toEqual({
      intervalMs: 1000,
      top: [
        figures('alpha', { published: 2, delivered: 2, bytesIn: 22, bytesOut: 20, subscribers: 2 }),
        figures('beta', { published: 1, delivered: 1, bytesIn: 5, bytesOut: 5, subscribers: 1 }),
        figures('gamma', { published: 1, bytesIn: 7 }),
      ],
      totals: { published: 5, delivered: 3, bytesIn: 35, bytesOut: 25 },
      subscribedChannels: 2,
      subscribers: 3,
      rejected: 0,
    });
    expect(collector.trackedCount).toBe(0);

    // No activity: an empty top, the same cumulative totals and gauges.
    expect(collector.collect(1000)).toEqual({
      intervalMs: 1000,
      top: [],
      totals: { published: 5, delivered: 3, bytesIn: 35, bytesOut: 25 },
      subscribedChannels: 2,
      subscribers: 3,
      rejected: 0,
    });

    // The next interval counts only its own messages; totals keep adding up.
    collector.delivered('beta', 4, 40);
    collector.subscribed('alpha', -2);
    const third = collector.collect(500);
    expect(third.top).toEqual([figures('beta', { delivered: 4, bytesOut: 40, subscribers: 1 })]);
    expect(third.totals).toEqual({ published: 5, delivered: 7, bytesIn: 35, bytesOut: 65 });
    expect(third.subscribedChannels).toBe(1);
    expect(third.subscribers).toBe(1);
    expect(collector.rejected).toBe(0);
  });

  it('evicts the minimum when full, recording its weight as the newcomer’s error', () => {
    const collector = new ChannelCollector({ topK: 4, capacity: 4 });
    for (let count = 0; count < 6; count++) collector.published('a', 1);
    for (let count = 0; count < 5; count++) collector.published('b', 1);
    for (let count = 0; count < 4; count++) collector.published('c', 1);
    for (let count = 0; count < 2; count++) collector.published('d', 1);
    // Full: e replaces d (2) and starts at 3 with error 2.
    collector.published('e', 1);
    // f replaces e (3, now the minimum), adding 3 recipients at once: 6 with error 3.
    collector.delivered('f', 3, 30);
    // e is back, untracked: it replaces c (4) and starts at 5 with error 4.
    collector.published('e', 1);
    expect(collector.trackedCount).toBe(4);

    const { top, totals } = collector.collect(1000);
    expect(top).toEqual([
      figures('a', { published: 6, bytesIn: 6 }),
      figures('f', { delivered: 3, bytesOut: 30, error: 3 }),
      figures('b', { published: 5, bytesIn: 5 }),
      figures('e', { published: 1, bytesIn: 1, error: 4 }),
    ]);
    // Space-Saving keeps the counters' sum equal to the stream's total weight (22).
    const estimates = top.map((entry) => entry.published + entry.delivered + entry.error);
    expect(estimates.reduce((sum, estimate) => sum + estimate, 0)).toBe(22);
    // Totals stay exact whatever the sketch evicted.
    expect(totals).toEqual({ published: 19, delivered: 3, bytesIn: 19, bytesOut: 30 });

    for (let index = 0; index < 1000; index++) collector.published(`channel-${index}`, 1);
    expect(collector.trackedCount).toBe(4);
  });

  it('keeps the Space-Saving guarantees under weighted increments', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed);
      const capacity = 16;
      const collector = new ChannelCollector({ topK: capacity, capacity });
      const cdf = zipfCdf(300, 0.9);
      const truth = new Map<string, number>();
      let total = 0;
      for (let event = 0; event < 20_000; event++) {
        const name = `channel-${sampleZipf(cdf, next)}`;
        const weight = next() < 0.5 ? 1 : 1 + Math.floor(next() * 12);
        if (weight === 1) collector.published(name, 8);
        else collector.delivered(name, weight, 8 * weight);
        truth.set(name, (truth.get(name) ?? 0) + weight);
        total += weight;
      }
      const { top } = collector.collect(1000);
      expect(top).toHaveLength(capacity);
      const bound = total / capacity;
      const reported = new Set<string>();
      let minimum = Number.POSITIVE_INFINITY;
      let sum = 0;
      for (const entry of top) {
        const seen = entry.published + entry.delivered;
        const estimate = seen + entry.error;
        const actual = truth.get(entry.name) ?? 0;
        // Never underestimates; overestimates by at most `error`, which is at most N/m.
        expect(seen).toBeLessThanOrEqual(actual);
        expect(estimate).toBeGreaterThanOrEqual(actual);
        expect(entry.error).toBeLessThanOrEqual(bound);
        reported.add(entry.name);
        minimum = Math.min(minimum, estimate);
        sum += estimate;
      }
      expect(sum).toBe(total);
      // Replacing anything but the minimum would break this: an untracked channel weighed at
      // most the smallest estimate, so every channel heavier than N/m is tracked.
      for (const [name, actual] of truth) {
        if (!reported.has(name)) expect(actual, `${name}, seed ${seed}`).toBeLessThanOrEqual(minimum);
        if (actual > bound) expect(reported.has(name), `${name}, seed ${seed}`).toBe(true);
      }
    }
  });

  it('ignores and counts bad input without throwing', () => {
    const collector = new ChannelCollector({ topK: 5, capacity: 5 });
    const calls: ReadonlyArray<() => void> = [
      () => collector.published(undefined as unknown as string, 1),
      () => collector.published(42 as unknown as string, 1),
      () => collector.published('', 1),
      () => collector.published('x'.repeat(MAX_CHANNEL_NAME_LENGTH + 1), 1),
      () => collector.published('a', -1),
      () => collector.published('a', Number.NaN),
      () => collector.published('a', Number.POSITIVE_INFINITY),
      () => collector.published('a', 1.5),
      () => collector.published('a', '3' as unknown as number),
      () => collector.delivered('a', -1, 0),
      () => collector.delivered('a', 2.5, 10),
      () => collector.delivered('a', Number.POSITIVE_INFINITY, 10),
      () => collector.delivered('a', 1, Number.NaN),
      () => collector.delivered(null as unknown as string, 1, 1),
      () => collector.subscribed({} as unknown as string, 1),
      () => collector.subscribed('a', Number.NaN),
      () => collector.subscribed('a', 0.5),
    ];
    for (const call of calls) expect(call).not.toThrow();
    expect(collector.rejected).toBe(calls.length);
    expect(collector.trackedCount).toBe(0);
    expect(collector.collect(1000)).toEqual({
      intervalMs: 1000,
      top: [],
      totals: { published: 0, delivered: 0, bytesIn: 0, bytesOut: 0 },
      subscribedChannels: 0,
      subscribers: 0,
      rejected: calls.length,
    });

    // Unsubscribing more than subscribed: counted, and the channel is taken to have none left.
    collector.subscribed('b', 2);
    collector.subscribed('b', -3);
    expect(collector.rejected).toBe(calls.length + 1);
    // The longest allowed name, a zero delta and a delivery to nobody are fine.
    collector.published('y'.repeat(MAX_CHANNEL_NAME_LENGTH), 0);
    collector.subscribed('c', 0);
    collector.delivered('c', 0, 0);
    const stats = collector.collect(Number.NaN);
    expect(collector.rejected).toBe(calls.length + 1);
    expect(stats.intervalMs).toBe(0);
    expect(stats.subscribedChannels).toBe(0);
    expect(stats.subscribers).toBe(0);
    expect(stats.top.map((entry) => entry.name.length)).toEqual([MAX_CHANNEL_NAME_LENGTH]);
  });

  it('refuses bad options with a TypeError', () => {
    expect(() => new ChannelCollector({ topK: 0, capacity: 10 })).toThrow(/option "topK"/);
    expect(() => new ChannelCollector({ topK: 1.5, capacity: 10 })).toThrow(TypeError);
    expect(() => new ChannelCollector({ topK: 10, capacity: 5 })).toThrow(/option "capacity".*\(got 5\)/);
    expect(() => new ChannelCollector(null as unknown as { topK: number; capacity: number })).toThrow(
      TypeError,
    );
  });

  it('keeps the largest top list within a frame whatever the names', () => {
    const collector = new ChannelCollector({ topK: MAX_TOP_K, capacity: MAX_TOP_K });
    // Control characters are the worst case: JSON escapes each to six bytes.
    const filler = '\u0001'.repeat(MAX_CHANNEL_NAME_LENGTH - 4);
    for (let index = 0; index < MAX_TOP_K; index++) {
      const name = `${filler}${String(index).padStart(4, '0')}`;
      collector.subscribed(name, 2 ** 40);
      collector.delivered(name, 2 ** 40, 2 ** 52);
    }
    const stats = collector.collect(60_000);
    expect(stats.top).toHaveLength(MAX_TOP_K);
    // Leave a quarter of the frame for the rest of the sample.
    expect(Buffer.byteLength(JSON.stringify(stats))).toBeLessThan(0.75 * MAX_AGENT_FRAME_BYTES);
  });

  it.skipIf(collectGarbage === null)('allocates nothing per call for tracked channels', async () => {
    const collector = new ChannelCollector({ topK: 10, capacity: 128 });
    const names = Array.from({ length: 100 }, (_, index) => `room:${index}`);
    const iterations = 2_000_000;
    const run = () => {
      for (let iteration = 0; iteration < iterations; iteration++) {
        const name = names[iteration % 100] as string;
        collector.published(name, 10);
        collector.delivered(name, 3, 30);
      }
    };
    // A first run gets the code optimized; the compiler's own allocations are not counted.
    run();
    const scavenges: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        // Node 20's types lack `detail` on PerformanceEntry; gc entries carry it.
        const { detail } = entry as unknown as { detail?: { kind?: number } };
        if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges.push(entry.startTime);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    // Unoptimized code boxes every Float64Array read, so a run that starts before the
    // optimized code is in place allocates for a while: take the best of a few runs.
    const attempts: { started: number; ended: number; youngGrowth: number }[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      collectGarbage?.();
      const youngBefore = youngBytes();
      const started = performance.now();
      run();
      const ended = performance.now();
      attempts.push({ started, ended, youngGrowth: youngBytes() - youngBefore });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    const results = attempts.map(({ started, ended, youngGrowth }) => ({
      scavenges: scavenges.filter((time) => time >= started && time <= ended).length,
      youngGrowth,
    }));
    // Without a scavenge, young-generation growth is everything short-lived allocated:
    // about 2 KB measured for 4,000,000 calls. Even 16 bytes a call would be 64 MB, several
    // scavenges of a young generation of at most 16 MB, in every run.
    const clean = results.filter((result) => result.scavenges === 0 && result.youngGrowth < 256 * 1024);
    expect(clean.length, JSON.stringify(results)).toBeGreaterThan(0);
    expect(collector.collect(1000).totals.published).toBe(5 * iterations);
  });

  it.skipIf(collectGarbage === null)('does not keep large strings alive through sliced channel names', () => {
    const capacity = 64;
    let collector: ChannelCollector | null = new ChannelCollector({ topK: 10, capacity });
    for (let index = 0; index < capacity; index++) {
      // Each name is a view into a 256 KB message; holding the view would pin the message.
      const message = `${index}:${'m'.repeat(256 * 1024)}`;
      const name = message.slice(0, 40);
      collector.published(name, message.length);
      collector.subscribed(name, 1);
    }
    expect(collector.trackedCount).toBe(capacity);
    // What the collector keeps alive: memory with it, minus memory once it is dropped.
    const held = settledMemory() as number;
    collector = null;
    const growth = held - (settledMemory() as number);
    // 64 pinned messages would be 16 MB; the names themselves are a few KB.
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });

  it('finds the true top channels among 1,000,000 Zipf-distributed channels in bounded memory', () => {
    const distinct = 1_000_000;
    const zipfEvents = 2_000_000;
    const capacity = 1000;
    const topK = 50;
    const next = random(2024);
    const names = Array.from({ length: distinct }, (_, index) => `channel:${index}`);

    // Every channel once, then 2,000,000 Zipf(1.1) draws, all shuffled together.
    const stream = new Int32Array(distinct + zipfEvents);
    for (let index = 0; index < distinct; index++) stream[index] = index;
    const cdf = zipfCdf(distinct, 1.1);
    for (let index = distinct; index < stream.length; index++) stream[index] = sampleZipf(cdf, next);
    shuffle(stream, next);

    const truth = new Map<string, number>();
    for (const index of stream) {
      const name = names[index] as string;
      truth.set(name, (truth.get(name) ?? 0) + 1);
    }
    expect(truth.size).toBe(distinct);
    const ranked = [...truth].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

    let collector: ChannelCollector | null = new ChannelCollector({ topK, capacity });
    const started = performance.now();
    for (const index of stream) collector.published(names[index] as string, 64);
    const elapsedMs = performance.now() - started;
    const tracked = collector.trackedCount;
    expect(tracked).toBeLessThanOrEqual(capacity);
    // What the collector keeps alive with a full sketch: memory with it, minus memory once
    // it is dropped. Measured this way, allocations elsewhere in the test do not count.
    const held = settledMemory();
    const stats = collector.collect(60_000);
    collector = null;
    const released = settledMemory();
    expect(stats.totals.published).toBe(stream.length);
    expect(stats.top).toHaveLength(topK);
    expect(stats.top.slice(0, 10).map((entry) => entry.name)).toEqual(
      ranked.slice(0, 10).map(([name]) => name),
    );
    const bound = stream.length / capacity;
    for (const entry of stats.top) {
      const actual = truth.get(entry.name) ?? 0;
      expect(entry.published).toBeLessThanOrEqual(actual);
      expect(entry.published + entry.error).toBeGreaterThanOrEqual(actual);
      expect(entry.error).toBeLessThanOrEqual(bound);
    }
    const overlap = new Set(ranked.slice(0, topK).map(([name]) => name));
    const shared = stats.top.filter((entry) => overlap.has(entry.name)).length;

    // Documented bound (agent/collectors/channels.ts): capacity × (130 bytes + 2 × name
    // length), here 1000 × 158 bytes; the assertion allows 1 MB for heap bookkeeping noise.
    // A collector that kept every channel would need tens of MB here.
    const estimatedBytes = capacity * (130 + 2 * 'channel:999999'.length);
    const growth = held !== null && released !== null ? held - released : null;
    console.log(
      `1M-channel sketch: ${(elapsedMs / 1000).toFixed(2)} s for ${stream.length} calls ` +
        `(${((elapsedMs * 1e6) / stream.length).toFixed(0)} ns/call), tracked ${tracked}, ` +
        `estimated ${(estimatedBytes / 1024).toFixed(0)} KiB, measured heap + buffers held ` +
        `${growth === null ? 'n/a (no gc)' : `${(growth / 1024).toFixed(0)} KiB`}, ` +
        `top-${topK} overlap with truth ${shared}/${topK}, N/m = ${bound}, ` +
        `largest error in the top 10: ${Math.max(...stats.top.slice(0, 10).map((entry) => entry.error))}`,
    );
    if (growth !== null) expect(growth).toBeLessThan(estimatedBytes + 1024 * 1024);
  });
});
