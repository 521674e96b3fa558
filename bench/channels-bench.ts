/**
 * Micro-benchmark of ChannelCollector's hot path: ns per call for channels the sketch
 * already tracks (hits) and for a stream of 1,000,000 distinct names (every call a miss
 * once the sketch is full). Prints figures only. Run: npx tsx bench/channels-bench.ts
 */
import { ChannelCollector } from '../agent/collectors/channels.js';

const CAPACITY = 1000;
const TOP_K = 50;
const DISTINCT = 1_000_000;
const ROUNDS = 5;

// Built up front so the timings measure the collector, not string building.
const distinctNames = Array.from({ length: DISTINCT }, (_, index) => `room:${index}:updates`);
const hotNames = distinctNames.slice(0, CAPACITY);

/** Runs `calls` calls of `body` and returns ns per call. */
function time(calls: number, body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / calls;
}

function publishedHits(): number {
  const collector = new ChannelCollector({ topK: TOP_K, capacity: CAPACITY });
  for (const name of hotNames) collector.published(name, 100);
  const calls = 5_000_000;
  return time(calls, () => {
    for (let call = 0; call < calls; call++) collector.published(hotNames[call % CAPACITY] as string, 100);
  });
}

// Hot names drawn from a Zipf(1.1) law over the tracked names, as real channel traffic is
// skewed; the round-robin runs above are the heap's worst case (every weight equal, so each
// add sifts to the bottom).
const zipfStream = (() => {
  const cdf = new Float64Array(CAPACITY);
  let sum = 0;
  for (let rank = 1; rank <= CAPACITY; rank++) {
    sum += rank ** -1.1;
    cdf[rank - 1] = sum;
  }
  const stream = new Int32Array(1 << 20);
  let seed = 42;
  for (let index = 0; index < stream.length; index++) {
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
    const target = (seed / 2 ** 32) * sum;
    let low = 0;
    let high = CAPACITY - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cdf[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    stream[index] = low;
  }
  return stream;
})();

function publishedZipfHits(): number {
  const collector = new ChannelCollector({ topK: TOP_K, capacity: CAPACITY });
  for (const name of hotNames) collector.published(name, 100);
  const calls = 5_000_000;
  const mask = zipfStream.length - 1;
  return time(calls, () => {
    for (let call = 0; call < calls; call++) {
      collector.published(hotNames[zipfStream[call & mask] as number] as string, 100);
    }
  });
}

function deliveredHits(): number {
  const collector = new ChannelCollector({ topK: TOP_K, capacity: CAPACITY });
  for (const name of hotNames) collector.published(name, 100);
  const calls = 5_000_000;
  return time(calls, () => {
    for (let call = 0; call < calls; call++) {
      collector.delivered(hotNames[call % CAPACITY] as string, 1 + (call & 15), 100);
    }
  });
}

function publishedMisses(): number {
  const collector = new ChannelCollector({ topK: TOP_K, capacity: CAPACITY });
  return time(DISTINCT, () => {
    for (const name of distinctNames) collector.published(name, 100);
  });
}

function collectFull(): number {
  const collector = new ChannelCollector({ topK: TOP_K, capacity: CAPACITY });
  const samples = 100;
  return time(samples, () => {
    for (let sample = 0; sample < samples; sample++) {
      for (const name of hotNames) collector.published(name, 100);
      collector.collect(1000);
    }
  });
}

console.log(`ChannelCollector, capacity ${CAPACITY}, topK ${TOP_K}, node ${process.version}`);
for (let round = 1; round <= ROUNDS; round++) {
  // The first round includes JIT warm-up; later rounds are the steady state.
  console.log(
    `round ${round}: published hit, round robin ${publishedHits().toFixed(1)} ns, ` +
      `published hit, Zipf ${publishedZipfHits().toFixed(1)} ns, ` +
      `delivered hit, round robin ${deliveredHits().toFixed(1)} ns, ` +
      `published miss (${DISTINCT} distinct) ${publishedMisses().toFixed(1)} ns, ` +
      `fill ${CAPACITY} + collect ${(collectFull() / 1000).toFixed(1)} µs`,
  );
}
