/**
 * Hot channels, with numbers you can trust: the reference fleet (two nodes, real Redis,
 * HAProxy) under simulated users who publish on 10,000 channels with a Zipf(1.1) popularity and
 * keep their own ground truth. After 30 s the console's top 10 by publish rate is the truth's
 * top 10 in the same order, each rate within 2 % of the truth's; the rows plus "other" add up to
 * the fleet's totals, which match the truth's total; and Redis agrees with the agents about
 * who subscribes.
 *
 * Aligning the windows. The console's 30-second rate is the mean of its last 30 ticks. The tick
 * at T holds each node's samples that arrived since the previous tick, and a sample covers
 * exactly its own interval (the agent resets its sketch at each sample), so over ticks
 * (T0, T1] node n's figures cover the events in (b_n, e_n], where b_n and e_n are the times of
 * its last samples before T0 and T1: read from the store around those two ticks (a tick at
 * which a node's sample arrived within the 2 ms between two reads is skipped as ambiguous). The
 * publishers connect to each node directly, so the truth is known per node; it is read at b_n
 * and e_n (interpolated between the users' records, taken every 100 ms) and the truth's rate is
 * Σ_n (count_n(e_n) − count_n(b_n)) ÷ (e_n − b_n). What remains between the two is the few
 * milliseconds between a node counting a publish and the user receiving its acknowledgement.
 *
 * Load. 400 publishers, one publish every ~220 ms each (about 2,200 a second), so the 10th
 * channel carries about 13 publishes per node-second: far above the 50th channel's 2, so it is
 * in every node's top 50 in every interval and counted exactly (errorPerSec 0). With much less
 * traffic per node and interval, the Poisson noise would sometimes push it below the cut, and
 * the console would under-count it by what errorPerSec then bounds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedFleet, launchFleet } from '../../fleet/launch.js';
import type { ChannelsSnapshot } from '../../main/common/models.js';
import { type ConsoleService, createConsoleService } from '../../main/core/console-service.js';
import { loadFleetFile } from '../../main/core/fleet-file.js';
import { ROOT, stop } from '../helpers/processes.js';

const CHANNELS = 10_000;
const ZIPF = 1.1;
const PUBLISHERS = 400;
const PUBLISH_EVERY_MS = 220;
const SUBSCRIBERS = 40;
const SAMPLE_INTERVAL_MS = 1000;
const WINDOW_S = 30;

let fleet: LaunchedFleet | undefined;
let service: ConsoleService | undefined;
let users: ChildProcess | undefined;
const launcherLog: string[] = [];
const answers = new Map<number, (answer: TruthAnswer) => void>();
let nextId = 0;

interface TruthAnswer {
  id: number;
  error?: string;
  published?: number[][];
  publishFailures?: number;
  reconnects?: number;
}

/** Per node, the users' acknowledged publishes per channel (index = rank − 1) at epoch ms `at[node]`. */
function truthAt(at: number[]): Promise<TruthAnswer> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the users did not answer')), 10_000);
    answers.set(id, (answer) => {
      clearTimeout(timer);
      if (answer.error) reject(new Error(answer.error));
      else resolve(answer);
    });
    users?.stdin?.write(`${JSON.stringify({ id, at })}\n`);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  fleet = await launchFleet({
    nodes: 2,
    clients: 0,
    intervalMs: SAMPLE_INTERVAL_MS,
    redis: 'auto',
    haproxy: 'on',
    name: 'accuracy',
    log: (line) => launcherLog.push(line),
  });
  expect(fleet.broker.kind).toBe('redis');
  service = createConsoleService({ fleet: await loadFleetFile(fleet.fleetFile) });

  const entry = `${ROOT}test/fleet/channel-truth-users.ts`;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      entry,
      '--publish-urls',
      fleet.nodes.map((node) => node.http).join(','),
      '--url',
      fleet.balancer.url,
      '--publishers',
      String(PUBLISHERS),
      '--publish-every-ms',
      String(PUBLISH_EVERY_MS),
      '--subscribers',
      String(SUBSCRIBERS),
      '--channels',
      String(CHANNELS),
      '--zipf',
      String(ZIPF),
      '--duration-s',
      '120',
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // Its stdin carries the truth requests, and its end stops the users if this process dies.
  users = child;
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`users not ready: ${stderr.join('')}`)), 20_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const message = JSON.parse(line) as TruthAnswer & { event?: string };
      if (message.event === 'ready') {
        clearTimeout(timer);
        resolve();
      } else answers.get(message.id)?.(message);
    });
    child.once('exit', (code) => reject(new Error(`users exited with ${code}: ${stderr.join('')}`)));
  });
  await ready;
}, 60_000);

afterAll(async () => {
  if (users) await stop(users);
  await service?.dispose();
  await fleet?.stop();
}, 30_000);

/** Each node's latest sample time, in the launcher's node order. */
function sampleTimes(): number[] {
  const nodes = (service as ConsoleService).store.snapshot().nodes;
  return (fleet as LaunchedFleet).nodes.map((launched) => {
    const sampledAt = nodes.find((node) => node.id === launched.id)?.lastSampleAt;
    if (sampledAt === null || sampledAt === undefined) throw new Error(`${launched.id} has not sampled`);
    return sampledAt;
  });
}

/**
 * Waits for the console's next tick and returns its time and each node's last sample before it.
 * The store is read every 2 ms; a node whose sample arrived between the last read before the
 * tick and the first after it is ambiguous (in that tick or the next?): then `samples` is null.
 */
async function nextTick(): Promise<{ time: number; samples: number[] | null }> {
  const handlers = (service as ConsoleService).handlers;
  const { time } = await handlers.getChannels({ top: 1 });
  let before = sampleTimes();
  for (;;) {
    await sleep(2);
    const next = await handlers.getChannels({ top: 1 });
    const after = sampleTimes();
    if (next.time !== time) {
      return {
        time: next.time,
        samples: after.every((sampled, node) => sampled === before[node]) ? after : null,
      };
    }
    before = after;
  }
}

/** The next tick whose nodes' last samples are unambiguous. */
async function nextClearTick(): Promise<{ time: number; samples: number[] }> {
  for (;;) {
    const tick = await nextTick();
    if (tick.samples !== null) return { time: tick.time, samples: tick.samples };
  }
}

const KEYS = ['publishPerSec', 'deliveriesPerSec', 'bytesInPerSec', 'bytesOutPerSec'] as const;

function expectAddsUp(snapshot: ChannelsSnapshot): void {
  const sum = { publishPerSec: 0, deliveriesPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 };
  for (const row of snapshot.channels) for (const key of KEYS) sum[key] += row[key];
  for (const key of KEYS) {
    // No clamping was needed: the listed rows never exceed the totals…
    expect(sum[key]).toBeLessThanOrEqual(snapshot.totals[key] * (1 + 1e-9));
    // …so rows + other = totals, to float rounding.
    expect(sum[key] + snapshot.other[key]).toBeCloseTo(snapshot.totals[key], 6);
  }
}

describe('hot channels against the ground truth', () => {
  it('ranks the top 10 by publish rate as the truth does, each within 2 %, and adds up', async () => {
    const handlers = (service as ConsoleService).handlers;
    // Warm up: connections settle, every node is past its first (baseline) sample.
    await sleep(4_000);
    const first = await nextClearTick();
    const t0 = first.time;
    const begin = first.samples;
    // About 30 ticks later: the history's tick axis counts them exactly.
    await sleep((WINDOW_S - 1) * 1000);
    let ticks = 0;
    let last = await nextClearTick();
    for (;;) {
      const { times } = (await handlers.getChannel('room:1')).history;
      const start = times.indexOf(t0);
      expect(start).toBeGreaterThanOrEqual(0);
      ticks = times.indexOf(last.time) - start;
      if (ticks >= WINDOW_S) break;
      last = await nextClearTick();
    }
    const t1 = last.time;
    const end = last.samples;
    const windowS = ticks; // one tick a second: 30, or a little more when a tick was ambiguous
    const top10 = await handlers.getChannels({ top: 10, sort: 'publishPerSec', windowS });
    const all = await handlers.getChannels({ top: 1000, windowS });
    const latest = await handlers.getChannels({ top: 1000 });
    expect(top10.time).toBe(t1);
    expect(top10.windowS).toBe(windowS);
    expect(top10.nodesReporting).toBe(2);

    // The users record their counts every 100 ms: let them record past the window's end.
    await sleep(500);
    const [before, after] = await Promise.all([truthAt(begin), truthAt(end)]);
    const truthRates = new Array<number>(CHANNELS).fill(0);
    (after.published as number[][]).forEach((counts, node) => {
      const seconds = ((end[node] as number) - (begin[node] as number)) / 1000;
      const earlier = (before.published as number[][])[node] as number[];
      counts.forEach((count, index) => {
        truthRates[index] = (truthRates[index] as number) + (count - (earlier[index] as number)) / seconds;
      });
    });
    const truthTop = truthRates
      .map((rate, index) => ({ name: `room:${index + 1}`, rate }))
      .sort((left, right) => right.rate - left.rate)
      .slice(0, 10);
    const truthTotal = truthRates.reduce((sum, rate) => sum + rate, 0);

    // The ground truth, printed, beside the console's figures.
    const lines = truthTop.map((truth, rank) => {
      const row = top10.channels[rank];
      const error = row ? ((row.publishPerSec - truth.rate) / truth.rate) * 100 : Number.NaN;
      return `${String(rank + 1).padStart(2)}  truth ${truth.name.padEnd(9)} ${truth.rate.toFixed(3).padStart(8)}/s   console ${(row?.name ?? '-').padEnd(9)} ${(row?.publishPerSec ?? 0).toFixed(3).padStart(8)}/s  ${error >= 0 ? '+' : ''}${error.toFixed(3)} %  (error bound ${row?.errorPerSec ?? '-'})`;
    });
    console.log(
      [
        `ground truth over ${windowS} ticks: node windows ${begin.map((time, node) => `${((end[node] as number) - time) / 1000} s`).join(', ')}; ${PUBLISHERS} publishers, Zipf(${ZIPF}) over ${CHANNELS} channels`,
        ...lines,
        `total publish: truth ${truthTotal.toFixed(2)}/s, console ${all.totals.publishPerSec.toFixed(2)}/s; other ${all.other.publishPerSec.toFixed(2)}/s; publish failures ${after.publishFailures}, reconnects ${after.reconnects}`,
      ].join('\n'),
    );

    expect(top10.channels.map((row) => row.name)).toEqual(truthTop.map((truth) => truth.name));
    for (const [rank, truth] of truthTop.entries()) {
      const row = top10.channels[rank];
      expect(Math.abs((row?.publishPerSec ?? 0) - truth.rate) / truth.rate).toBeLessThan(0.02);
      // The sketches' own bound on what they may have missed stays within the 2 % as well (it is
      // 0 when a channel was counted from its first message in every interval, on every node).
      expect(row?.errorPerSec ?? Number.POSITIVE_INFINITY).toBeLessThan(0.02 * truth.rate);
    }
    // Enough traffic for 2 % to mean something: the 10th channel carried hundreds of publishes.
    expect((truthTop[9]?.rate ?? 0) * WINDOW_S).toBeGreaterThan(500);

    // The fleet's totals come from the agents' cumulative counters, independent of the top-K.
    expect(Math.abs(all.totals.publishPerSec - truthTotal) / truthTotal).toBeLessThan(0.01);
    expectAddsUp(all);
    expectAddsUp(latest);
    expect(latest.matchedChannels).toBeGreaterThan(50);
    expect(all.other.publishPerSec).toBeGreaterThan(0);
  }, 90_000);

  it('reads Redis directly, and Redis agrees with the agents about who subscribes', async () => {
    const view = await (service as ConsoleService).handlers.getBroker();
    expect(view).toMatchObject({ configured: true, kind: 'redis', reachable: true, problem: null });
    expect(view.address).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(view.info?.pubsubChannels).toBeGreaterThan(0);
    expect(view.info?.opsPerSec).toBeGreaterThan(0);
    expect(view.subscribers.length).toBe(50);
    const subscribed = view.subscribers.filter((row) => row.nodesSubscribed > 0);
    expect(subscribed.length).toBeGreaterThan(0);
    for (const row of subscribed) expect(row.redis).toBeGreaterThanOrEqual(row.nodesSubscribed);
    expect(view.subscribers.filter((row) => row.mismatch !== null)).toEqual([]);
  }, 30_000);
});
