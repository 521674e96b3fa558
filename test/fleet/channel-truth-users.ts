/**
 * Simulated users for the hot-channels accuracy test, as their own process: publishers that
 * publish on channels `room:1…room:N` drawn from a Zipf law (fleet/users.ts), a few subscribers,
 * and a ground truth that can be read at any past moment, per node.
 *
 *   channel-truth-users --publish-urls http://node1,http://node2 --url http://balancer
 *                       --publishers 300 --publish-every-ms 250 --subscribers 40
 *                       --channels 10000 --zipf 1.1 [--duration-s 120]
 *
 * The publishers are split evenly over the nodes of `--publish-urls`, connected to each node
 * directly, so the truth is known per node; the subscribers connect through `--url` (the
 * balancer). Every 100 ms it records, per node, each channel's acknowledged publishes so far
 * (a publish counts when the node acknowledged it). On stdin, a line `{"id":1,"at":[T1,T2…]}`
 * asks for the counts at epoch ms T_i for node i, each linearly interpolated between the two
 * records around it; the answer is one stdout line `{"id":1,"published":[[room:1, room:2…]…]}`
 * (or an `error`). `{"event":"ready"}` is printed once every user is connected.
 */
import { createInterface } from 'node:readline';
import { integerArg, numberArg, parseArgs } from '../../fleet/args.js';
import { startUsers } from '../../fleet/users.js';

const args = parseArgs(process.argv.slice(2), [
  'url',
  'publish-urls',
  'publishers',
  'publish-every-ms',
  'subscribers',
  'channels',
  'zipf',
  'duration-s',
]);
const url = args.values.get('url') as string;
const channels = integerArg(args, 'channels', 10_000, 1, 1_000_000);
const zipf = numberArg(args, 'zipf', 1.1, 0, 5);
const durationMs = integerArg(args, 'duration-s', 120, 1, 3_600) * 1000;
const publisherCount = integerArg(args, 'publishers', 300, 0, 10_000);
const subscriberCount = integerArg(args, 'subscribers', 40, 0, 10_000);

const publishUrls = (args.values.get('publish-urls') ?? url).split(',');
const publishEveryMs = integerArg(args, 'publish-every-ms', 250, 10, 60_000);

// Publishers over WebSocket only (an SSE user needs a channel to listen to) and subscribed to
// nothing, so the publishing load is not multiplied by fan-out; all of them publish.
const publisherGroups = publishUrls.map((publishUrl, index) =>
  startUsers({
    url: publishUrl,
    clients:
      Math.floor(publisherCount / publishUrls.length) + (index < publisherCount % publishUrls.length ? 1 : 0),
    durationMs,
    sseShare: 0,
    channels,
    zipf,
    subscriptionsPerUser: 0,
    publisherShare: 1,
    publishEveryMs,
  }),
);
// Subscribers of two Zipf-drawn channels each (a fifth over SSE): deliveries and fan-out.
const subscribers = startUsers({
  url,
  clients: subscriberCount,
  durationMs,
  sseShare: 0.2,
  channels,
  zipf,
  subscriptionsPerUser: 2,
  publisherShare: 0,
});

const RECORD_EVERY_MS = 100;
const KEEP = 1_200; // two minutes of records
const times = new Float64Array(KEEP);
/** Per record, per node group, the acknowledged publishes by rank. */
const counts: Int32Array[][] = Array.from({ length: KEEP }, () =>
  publisherGroups.map(() => new Int32Array(channels + 1)),
);
let recorded = 0;

function record(): void {
  const slot = recorded % KEEP;
  publisherGroups.forEach((group, node) => {
    const row = (counts[slot] as Int32Array[])[node] as Int32Array;
    row.fill(0);
    for (const [name, figures] of Object.entries(group.truth().channels)) {
      const rank = Number(name.slice('room:'.length));
      if (Number.isInteger(rank) && rank >= 1 && rank <= channels) row[rank] = figures.published;
    }
  });
  times[slot] = Date.now();
  recorded++;
}

/** Node `node`'s counts by rank (index rank − 1) at `time`, interpolated; a string when not held. */
function at(node: number, time: number): number[] | string {
  const first = Math.max(0, recorded - KEEP);
  for (let index = recorded - 1; index > first; index--) {
    const after = times[index % KEEP] as number;
    const before = times[(index - 1) % KEEP] as number;
    if (before <= time && time <= after) {
      const share = after > before ? (time - before) / (after - before) : 0;
      const low = (counts[(index - 1) % KEEP] as Int32Array[])[node] as Int32Array;
      const high = (counts[index % KEEP] as Int32Array[])[node] as Int32Array;
      const published: number[] = [];
      for (let rank = 1; rank <= channels; rank++) {
        published.push((low[rank] as number) + share * ((high[rank] as number) - (low[rank] as number)));
      }
      return published;
    }
  }
  return `no records around ${time} (held ${times[first % KEEP]}–${times[(recorded - 1) % KEEP]})`;
}

const timer = setInterval(record, RECORD_EVERY_MS);
record();

const ready = setInterval(() => {
  const open = (users: typeof subscribers) => {
    const { connections } = users.truth();
    return connections.websocket + connections.sse;
  };
  const publishing = publisherGroups.reduce((sum, group) => sum + open(group), 0);
  if (publishing === publisherCount && open(subscribers) === subscriberCount) {
    clearInterval(ready);
    process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
  }
}, 100);

createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line) as { id: number; at?: number[]; stop?: boolean };
  if (request.stop) {
    void stop();
    return;
  }
  const published = publisherGroups.map((_, node) => at(node, request.at?.[node] ?? Number.NaN));
  const problem = published.find((entry) => typeof entry === 'string');
  const truths = [...publisherGroups, subscribers].map((group) => group.truth());
  const answer =
    problem !== undefined
      ? { id: request.id, error: problem }
      : {
          id: request.id,
          published,
          publishFailures: truths.reduce((sum, truth) => sum + truth.publishFailures, 0),
          reconnects: truths.reduce((sum, truth) => sum + truth.reconnects, 0),
        };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});

async function stop(): Promise<void> {
  clearInterval(timer);
  clearInterval(ready);
  await Promise.all([...publisherGroups, subscribers].map((group) => group.stop()));
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
// The test holds stdin open; if it dies, stdin ends and so do the users.
process.stdin.on('end', () => void stop());
