/**
 * The fleet-wide channel merge. Pure: no timers, no I/O; the channels module (index.ts) feeds
 * it samples and closes a window once per tick.
 *
 * Per node ({@link NodeChannelWindow}): every sample's top-K figures cover exactly its own
 * interval (the agent resets its sketch at each sample, and `intervalMs` is the time since the
 * previous sample), so the samples that arrived since the last tick are added up and divided
 * by the sum of their intervals: per-second rates per channel. A channel missing from one
 * sample's top-K adds 0 for that sample. The cumulative totals give the node's per-second
 * totals over the same samples, from the difference between the newest sample and the one
 * before the window, like the store's deriveRates; a restarted agent (seq or a total going
 * back) starts a new baseline. The first sample after a link comes up is only a baseline.
 *
 * Fleet-wide ({@link mergeContributions}): per channel, the sum over nodes; fan-out is
 * deliveries ÷ publishes; "other" is the fleet's totals − the sum of the listed rows, so the
 * rows plus "other" add up to the totals.
 *
 * Error bound. Space-Saving's guarantee, per node and sample (see agent/collectors/channels.ts):
 * a listed channel's true `published + delivered` lies in [reported, reported + error]; a
 * channel the node did not list weighed at most as much as the last entry it listed (its
 * estimate). Summed, {@link MergedChannel.errorPerSec} bounds how much a row can be missing.
 * Under a skewed (Zipf) load with K ≫ 10 the hottest channels reach every sketch in the first
 * milliseconds of each interval, before it is full, so they are tracked from their first
 * message (error 0) and never evicted (eviction takes the minimum): their figures are exact.
 */
import type { SampleFrame } from '../../../agent/protocol.js';
import type { ChannelTotals } from '../../common/models.js';

/** One channel's figures at one node, per second, over the node's window. */
export interface NodeChannelRates {
  readonly publishPerSec: number;
  readonly deliveriesPerSec: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  /** The latest local subscriber count the node reported for it (a gauge). */
  readonly subscribers: number;
  /** At most this much publish + deliveries per second is missing from the figures above. */
  readonly errorPerSec: number;
}

/** What one node contributes to a tick's merge. */
export interface NodeContribution {
  readonly nodeId: string;
  /** The agent's time of the newest sample behind it, epoch ms. */
  readonly sampleTime: number;
  /** Seconds of sample intervals behind the per-channel figures. */
  readonly seconds: number;
  /** The channels the node listed in any of the window's samples. */
  readonly channels: ReadonlyMap<string, NodeChannelRates>;
  /** At most this much publish + deliveries per second of a channel not in `channels` (0: none). */
  readonly unlistedBoundPerSec: number;
  /** The node's channel totals per second, from its cumulative counters. */
  readonly totals: ChannelTotals;
  /** The node's sample interval, ms (the newest sample's): how long a contribution stays current. */
  readonly intervalMs: number;
}

/** Per-second totals with every figure 0. */
export const ZERO_TOTALS: ChannelTotals = {
  publishPerSec: 0,
  deliveriesPerSec: 0,
  bytesInPerSec: 0,
  bytesOutPerSec: 0,
};

const TOTAL_KEYS = ['publishPerSec', 'deliveriesPerSec', 'bytesInPerSec', 'bytesOutPerSec'] as const;

interface Counts {
  published: number;
  delivered: number;
  bytesIn: number;
  bytesOut: number;
  subscribers: number;
  /** Σ over the samples that listed it of (the sample's unlisted bound − the entry's error). */
  slack: number;
}

type CumulativeTotals = SampleFrame['channels']['totals'];

interface Baseline {
  readonly seq: number;
  readonly time: number;
  readonly totals: CumulativeTotals;
}

function wentBack(now: CumulativeTotals, before: CumulativeTotals): boolean {
  return (
    now.published < before.published ||
    now.delivered < before.delivered ||
    now.bytesIn < before.bytesIn ||
    now.bytesOut < before.bytesOut
  );
}

/**
 * One node's samples since the last tick. Memory: one entry per channel listed in those
 * samples, at most K × samples per tick, released at every {@link close}.
 */
export class NodeChannelWindow {
  private baseline: Baseline | null = null;
  /** The baseline the open window started from; null while none is open. */
  private windowStart: Baseline | null = null;
  private readonly counts = new Map<string, Counts>();
  private intervalSum = 0;
  /** Σ over the window's samples of the weight of the last entry each listed. */
  private unlistedBound = 0;
  private latestIntervalMs = 0;

  constructor(readonly nodeId: string) {}

  /** Adds a sample; false when it was only taken as a baseline (first sample, restart, out of order). */
  add(frame: SampleFrame): boolean {
    const { channels } = frame;
    const previous = this.baseline;
    const current: Baseline = { seq: frame.seq, time: frame.time, totals: channels.totals };
    this.baseline = current;
    if (
      previous === null ||
      frame.seq <= previous.seq ||
      frame.time <= previous.time ||
      wentBack(channels.totals, previous.totals)
    ) {
      // A new agent run (or a clock that went back): what was collected describes the old one.
      this.discard();
      return false;
    }
    this.windowStart ??= previous;
    this.latestIntervalMs = channels.intervalMs;
    if (channels.intervalMs <= 0) return true;
    this.intervalSum += channels.intervalMs;
    const last = channels.top[channels.top.length - 1];
    const bound = last === undefined ? 0 : last.published + last.delivered + last.error;
    this.unlistedBound += bound;
    for (const entry of channels.top) {
      let counts = this.counts.get(entry.name);
      if (counts === undefined) {
        counts = { published: 0, delivered: 0, bytesIn: 0, bytesOut: 0, subscribers: 0, slack: 0 };
        this.counts.set(entry.name, counts);
      }
      counts.published += entry.published;
      counts.delivered += entry.delivered;
      counts.bytesIn += entry.bytesIn;
      counts.bytesOut += entry.bytesOut;
      counts.subscribers = entry.subscribers;
      counts.slack += bound - entry.error;
    }
    return true;
  }

  /** The window's figures as rates, and a new window; null when no sample counted since the last close. */
  close(): NodeContribution | null {
    const start = this.windowStart;
    const end = this.baseline;
    if (start === null || end === null || end.time <= start.time) {
      this.discard();
      return null;
    }
    const spanSeconds = (end.time - start.time) / 1000;
    const seconds = this.intervalSum / 1000;
    const channels = new Map<string, NodeChannelRates>();
    if (seconds > 0) {
      for (const [name, counts] of this.counts) {
        channels.set(name, {
          publishPerSec: counts.published / seconds,
          deliveriesPerSec: counts.delivered / seconds,
          bytesInPerSec: counts.bytesIn / seconds,
          bytesOutPerSec: counts.bytesOut / seconds,
          subscribers: counts.subscribers,
          errorPerSec: Math.max(0, this.unlistedBound - counts.slack) / seconds,
        });
      }
    }
    const contribution: NodeContribution = {
      nodeId: this.nodeId,
      sampleTime: end.time,
      seconds,
      channels,
      unlistedBoundPerSec: seconds > 0 ? this.unlistedBound / seconds : 0,
      totals: {
        publishPerSec: (end.totals.published - start.totals.published) / spanSeconds,
        deliveriesPerSec: (end.totals.delivered - start.totals.delivered) / spanSeconds,
        bytesInPerSec: (end.totals.bytesIn - start.totals.bytesIn) / spanSeconds,
        bytesOutPerSec: (end.totals.bytesOut - start.totals.bytesOut) / spanSeconds,
      },
      intervalMs: this.latestIntervalMs,
    };
    this.discard();
    return contribution;
  }

  /** Channels held now (for memory checks). */
  get size(): number {
    return this.counts.size;
  }

  private discard(): void {
    this.windowStart = null;
    this.counts.clear();
    this.intervalSum = 0;
    this.unlistedBound = 0;
  }
}

/** One channel's fleet-wide figures, per second. */
export interface MergedChannel {
  readonly name: string;
  readonly publishPerSec: number;
  readonly deliveriesPerSec: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  readonly subscribers: number;
  /** Nodes that listed it. */
  readonly nodes: number;
  readonly errorPerSec: number;
}

/** A tick's merge of every node's contribution. */
export interface FleetMerge {
  readonly time: number;
  /** Every channel some node listed, hottest first (publish + deliveries; name on ties). */
  readonly channels: readonly MergedChannel[];
  readonly byName: ReadonlyMap<string, MergedChannel>;
  /** The fleet's totals: the sum of the nodes' totals. */
  readonly totals: ChannelTotals;
  readonly contributions: readonly NodeContribution[];
}

/** A merge with nothing in it. */
export function emptyMerge(time: number): FleetMerge {
  return { time, channels: [], byName: new Map(), totals: ZERO_TOTALS, contributions: [] };
}

/** Publish + deliveries per second: what channels are ranked by. */
export function activityOf(figures: {
  readonly publishPerSec: number;
  readonly deliveriesPerSec: number;
}): number {
  return figures.publishPerSec + figures.deliveriesPerSec;
}

/** Hottest first; equal activity by name, so the order does not depend on arrival. */
export function byActivity(left: MergedChannel, right: MergedChannel): number {
  const difference = activityOf(right) - activityOf(left);
  if (difference !== 0) return difference;
  return left.name < right.name ? -1 : left.name > right.name ? 1 : 0;
}

interface MutableMerged {
  name: string;
  publishPerSec: number;
  deliveriesPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  subscribers: number;
  nodes: number;
  /** Σ over the nodes that listed it of (node's unlisted bound − its error for the channel). */
  slack: number;
  errorPerSec: number;
}

/** Sums the nodes' contributions per channel. */
export function mergeContributions(time: number, contributions: Iterable<NodeContribution>): FleetMerge {
  const list = [...contributions];
  const byName = new Map<string, MutableMerged>();
  const totals = { ...ZERO_TOTALS };
  let unlistedBound = 0;
  for (const contribution of list) {
    for (const key of TOTAL_KEYS) totals[key] += contribution.totals[key];
    unlistedBound += contribution.unlistedBoundPerSec;
    for (const [name, rates] of contribution.channels) {
      let merged = byName.get(name);
      if (merged === undefined) {
        merged = {
          name,
          publishPerSec: 0,
          deliveriesPerSec: 0,
          bytesInPerSec: 0,
          bytesOutPerSec: 0,
          subscribers: 0,
          nodes: 0,
          slack: 0,
          errorPerSec: 0,
        };
        byName.set(name, merged);
      }
      merged.publishPerSec += rates.publishPerSec;
      merged.deliveriesPerSec += rates.deliveriesPerSec;
      merged.bytesInPerSec += rates.bytesInPerSec;
      merged.bytesOutPerSec += rates.bytesOutPerSec;
      merged.subscribers += rates.subscribers;
      merged.nodes++;
      merged.slack += contribution.unlistedBoundPerSec - rates.errorPerSec;
    }
  }
  const channels: MutableMerged[] = [...byName.values()];
  for (const merged of channels) merged.errorPerSec = Math.max(0, unlistedBound - merged.slack);
  channels.sort(byActivity);
  return { time, channels, byName, totals, contributions: list };
}

/** The figures summed over `rows`. */
export function sumRows(rows: Iterable<ChannelTotals>): ChannelTotals {
  const sum = { ...ZERO_TOTALS };
  for (const row of rows) for (const key of TOTAL_KEYS) sum[key] += row[key];
  return sum;
}

/** `totals` − the sum of `rows`, each figure clamped at 0 (sketches under-count, never over-count). */
export function remainder(totals: ChannelTotals, rows: Iterable<ChannelTotals>): ChannelTotals {
  const listed = sumRows(rows);
  const other = { ...ZERO_TOTALS };
  for (const key of TOTAL_KEYS) other[key] = Math.max(0, totals[key] - listed[key]);
  return other;
}

/** Deliveries per publish; null when nothing was published. */
export function fanOutOf(figures: {
  readonly publishPerSec: number;
  readonly deliveriesPerSec: number;
}): number | null {
  return figures.publishPerSec > 0 ? figures.deliveriesPerSec / figures.publishPerSec : null;
}
