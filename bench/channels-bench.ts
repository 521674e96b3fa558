/**
 * Channels benchmarks. Prints figures only.
 *
 * 1. Micro-benchmark of ChannelCollector's hot path: ns per call for channels the sketch
 *    already tracks (hits) and for a stream of 1,000,000 distinct names (every call a miss
 *    once the sketch is full).
 * 2. Scale (`--scale`, or alone with `--scale-only`): N agent processes (default 3), each
 *    publishing on 1,000,000 distinct channels over one minute (plus a Zipf-hot few, so there is
 *    a top), sampled by the real console core over their admin endpoints. Every 5 s it prints
 *    each agent's RSS and heap, the largest sample frame it sent, the console's heap (after a
 *    full GC) and how many channels the console tracks: all of them must level off, not grow
 *    with the distinct channels seen.
 *
 * Run: npx tsx bench/channels-bench.ts [--scale | --scale-only] [--nodes 3] [--seconds 60]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChannelCollector } from '../agent/collectors/channels.js';
import { createAgent } from '../agent/index.js';
import { createConsoleService } from '../main/core/console-service.js';

const CAPACITY = 1000;
const TOP_K = 50;
const DISTINCT = 1_000_000;
const ROUNDS = 5;

// Built before the micro-benchmark so the timings measure the collector, not string building;
// not at all for the scale run, whose memory figures they would swamp.
let distinctNames: string[] = [];
let hotNames: string[] = [];

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
let zipfStream: Int32Array = new Int32Array(1);
function buildZipfStream(): Int32Array {
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
}

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

function microBenchmark(): void {
  distinctNames = Array.from({ length: DISTINCT }, (_, index) => `room:${index}:updates`);
  hotNames = distinctNames.slice(0, CAPACITY);
  zipfStream = buildZipfStream();
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
}

// ---------------------------------------------------------------------------------------------
// Scale: 1,000,000 distinct channels per node for a minute.

const SCALE_TOKEN = 'channels-bench-token-0123456789';
const REPORT_EVERY_MS = 5_000;

interface AgentReport {
  readonly event: 'report';
  readonly second: number;
  readonly distinct: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly maxSampleBytes: number;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** A full GC, so heap figures are live data rather than garbage not yet collected. */
function fullGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/**
 * One node: an agent with its admin endpoint and every channel call a busy node would make,
 * 1,000,000 distinct channels spread evenly over `seconds`, plus 200 hot channels drawn from a
 * Zipf law and delivered to subscribers. Prints a ready line, then a report every 5 s.
 */
async function runScaleAgent(seconds: number): Promise<void> {
  const gc = fullGc();
  const agent = createAgent({
    nodeId: `bench-${process.pid}`,
    token: SCALE_TOKEN,
    admin: { host: '127.0.0.1', port: 0 },
  });
  const address = await agent.ready();
  let maxSampleBytes = 0;
  agent.on('sample', (frame) => {
    maxSampleBytes = Math.max(maxSampleBytes, Buffer.byteLength(JSON.stringify(frame)));
  });
  process.stdout.write(`${JSON.stringify({ event: 'ready', admin: `ws://127.0.0.1:${address?.port}` })}\n`);
  const hot = Array.from({ length: 200 }, (_, rank) => `room:hot:${rank + 1}`);
  for (const name of hot.slice(0, 20)) agent.channels.subscribed(name, 50);
  const total = 1_000_000;
  const ticksPerSecond = 20;
  const perTick = Math.ceil(total / (seconds * ticksPerSecond));
  let distinct = 0;
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
    return seed / 2 ** 32;
  };
  const started = Date.now();
  const timer = setInterval(() => {
    for (let index = 0; index < perTick && distinct < total; index++, distinct++) {
      agent.channels.published(`user:${distinct}:inbox`, 120);
    }
    // The hot few: Zipf-ish by rank, 2,000 publishes a second, fanned out to 50 subscribers each for the top 20.
    for (let index = 0; index < 100; index++) {
      const rank = Math.min(hot.length, Math.floor(1 / (random() ** 1.1 + 1e-9)));
      const name = hot[rank - 1] as string;
      agent.channels.published(name, 200);
      if (rank <= 20) agent.channels.delivered(name, 50, 50 * 200);
    }
  }, 1000 / ticksPerSecond);
  const report = setInterval(() => {
    gc();
    const memory = process.memoryUsage();
    const line: AgentReport = {
      event: 'report',
      second: Math.round((Date.now() - started) / 1000),
      distinct,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      maxSampleBytes,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    maxSampleBytes = 0;
  }, REPORT_EVERY_MS);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 1_000));
  clearInterval(timer);
  clearInterval(report);
  await agent.close();
  process.exit(0);
}

/** Starts `nodes` agent processes and the console core over them, and prints the figures every 5 s. */
async function runScale(nodes: number, seconds: number): Promise<void> {
  const gc = fullGc();
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: nodes }, () =>
    spawn(process.execPath, ['--import', 'tsx', self, '--agent-child', '--seconds', String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const latest = new Map<number, AgentReport>();
  const admins = await Promise.all(
    children.map(
      (child, index) =>
        new Promise<string>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`agent ${index} exited with ${code}`)));
          createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
            const message = JSON.parse(line) as { event: string; admin?: string };
            if (message.event === 'ready') resolve(message.admin as string);
            else if (message.event === 'report') latest.set(index, message as AgentReport);
          });
        }),
    ),
  );
  gc();
  const baseline = process.memoryUsage();
  const service = createConsoleService({
    fleet: {
      name: 'channels scale bench',
      nodes: admins.map((adminUrl, index) => ({
        id: `node-${index + 1}`,
        adminUrl,
        publicUrl: null,
        token: SCALE_TOKEN,
      })),
    },
  });
  console.log(
    `\nscale: ${nodes} agents × 1,000,000 distinct channels over ${seconds} s (topK 50, sketch capacity 1000), ` +
      `console core in this process (heap ${mb(baseline.heapUsed)} before it started)`,
  );
  console.log(
    '   t  distinct/node  agent RSS (max)  agent heap (max)  max sample  console heap  console RSS  tracked',
  );
  const started = Date.now();
  const rows: Array<{ consoleHeap: number; agentHeap: number; sample: number; tracked: number }> = [];
  for (let elapsed = REPORT_EVERY_MS; elapsed <= seconds * 1000; elapsed += REPORT_EVERY_MS) {
    await new Promise((resolve) => setTimeout(resolve, started + elapsed + 500 - Date.now()));
    gc();
    const memory = process.memoryUsage();
    const snapshot = await service.handlers.getChannels({ top: 1 });
    const reports = [...latest.values()];
    const max = (pick: (report: AgentReport) => number) => Math.max(0, ...reports.map(pick));
    const row = {
      consoleHeap: memory.heapUsed,
      agentHeap: max((report) => report.heapUsedBytes),
      sample: max((report) => report.maxSampleBytes),
      tracked: snapshot.trackedChannels,
    };
    rows.push(row);
    console.log(
      `${String(Math.round(elapsed / 1000)).padStart(4)}  ${String(max((report) => report.distinct)).padStart(13)}  ` +
        `${mb(max((report) => report.rssBytes)).padStart(15)}  ${mb(row.agentHeap).padStart(16)}  ` +
        `${`${(row.sample / 1024).toFixed(1)} KB`.padStart(10)}  ${mb(row.consoleHeap).padStart(12)}  ` +
        `${mb(memory.rss).padStart(11)}  ${String(row.tracked).padStart(7)}  (top: ${snapshot.channels[0]?.name ?? '-'})`,
    );
  }
  const half = rows.slice(Math.floor(rows.length / 2));
  const spread = (pick: (row: (typeof rows)[number]) => number) =>
    `${mb(Math.min(...half.map(pick)))}–${mb(Math.max(...half.map(pick)))}`;
  console.log(
    `second half of the run: console heap ${spread((row) => row.consoleHeap)}, agent heap ${spread((row) => row.agentHeap)}, ` +
      `tracked ${Math.min(...half.map((row) => row.tracked))}–${Math.max(...half.map((row) => row.tracked))}`,
  );
  await service.dispose();
  for (const child of children) child.kill();
}

const flags = process.argv.slice(2);
const flagValue = (name: string, fallback: number): number => {
  const index = flags.indexOf(`--${name}`);
  const value = index >= 0 ? Number(flags[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};

if (flags.includes('--agent-child')) {
  await runScaleAgent(flagValue('seconds', 60));
} else {
  if (!flags.includes('--scale-only')) microBenchmark();
  if (flags.includes('--scale') || flags.includes('--scale-only')) {
    await runScale(flagValue('nodes', 3), flagValue('seconds', 60));
  }
}
