/**
 * Hot channels of one fleet: the fleet-wide merge of every node's top-K and totals, bounded
 * history for the hottest channels, rising channels, and the broker seen directly.
 *
 * Flow. Every sample goes into its node's window (merge.ts). Once a tick, each node's window
 * is closed into per-second figures (a node with no new sample keeps its previous figures for
 * a few intervals, so a sample landing just after a tick neither drops the node nor counts
 * twice in the long run), the nodes are merged per channel, the hottest 200 are recorded in the
 * history, and every 10 s the hottest 1,000 go into the coarse record the rising check falls
 * back on. Requests read the latest merge and the history; nothing is computed per request
 * beyond filtering, sorting and building the rows asked for.
 *
 * Bounded. Held at any time: per node the channels of the samples since the last tick (K per
 * sample); the latest merge (at most K per node); the history's 200 tracks; the rising record's
 * 8 × 1,000 entries. None of it grows with the number of distinct channels the fleet carries.
 */
import type { SampleFrame } from '../../../agent/protocol.js';
import type { ConsoleHandlers } from '../../common/console-api.js';
import {
  CHANNEL_RECENT_POINTS,
  type ChannelDetail,
  type ChannelNodeRow,
  type ChannelRow,
  type ChannelSortKey,
  type ChannelsQuery,
  type ChannelsSnapshot,
  type ChannelTotals,
} from '../../common/models.js';
import type { FleetConfig } from '../fleet-file.js';
import type { FleetStore } from '../fleet-store.js';
import { HISTORY_RESOLUTION_MS } from '../history.js';
import { type AgentSubscribers, BROKER_CHECKED_CHANNELS, createBrokerProbe } from './broker.js';
import { parseBrokerArgs, parseChannelArgs, parseChannelsArgs } from './channel-args.js';
import { compileChannelFilter } from './glob.js';
import { ChannelHistory, type ChannelHistoryOptions } from './history.js';
import {
  activityOf,
  emptyMerge,
  type FleetMerge,
  fanOutOf,
  type MergedChannel,
  mergeContributions,
  NodeChannelWindow,
  type NodeContribution,
  remainder,
} from './merge.js';
import {
  DEFAULT_RISING_RULE,
  MinuteAgo,
  RISING_BEFORE_HALF_WIDTH,
  RISING_NOW_TICKS,
  type RisingRule,
  risingFactor,
} from './rising.js';

export type ChannelRequestName = 'getChannels' | 'getChannel' | 'getBroker';

/** Rows `getChannels` returns when the query does not say. */
export const DEFAULT_CHANNEL_ROWS = 100;

/** The hot-channels part of one fleet's console service. */
export interface Channels {
  readonly handlers: Pick<ConsoleHandlers, ChannelRequestName>;
  /** A node's sample arrived (called by the service for every sample, before the store's). */
  sample(nodeId: string, frame: SampleFrame): void;
  /** A node's link went down or the node was removed: its channels leave the merge at the next tick. */
  forget(nodeId: string): void;
  /** Once per tick, after the store's tick: merge, rank, history. */
  tick(time: number): void;
  /** Figures about what is held, for memory checks and benchmarks. */
  stats(): ChannelsStats;
  dispose(): void;
}

/** What the channels module holds now. */
export interface ChannelsStats {
  /** Channels in the latest merge. */
  readonly merged: number;
  /** Channels with history. */
  readonly historyChannels: number;
  /** Channel entries waiting in the nodes' open windows. */
  readonly pending: number;
  /** Entries of the rising check's coarse record. */
  readonly risingRecord: number;
  /** Typed-array bytes of the history (fixed). */
  readonly historyBytes: number;
}

/** Options for {@link createChannels}; every one has a default. */
export interface ChannelsOptions {
  readonly history?: ChannelHistoryOptions;
  readonly rising?: RisingRule;
  /** The tick interval, ms (the history's resolution). Default 1000. */
  readonly tickMs?: number;
  readonly now?: () => number;
}

/** A node's current contribution and when the tick took it. */
interface Current {
  readonly contribution: NodeContribution;
  readonly tickTime: number;
}

const SORT_VALUE: { readonly [K in ChannelSortKey]: (channel: MergedChannel) => number } = {
  activity: activityOf,
  publishPerSec: (channel) => channel.publishPerSec,
  deliveriesPerSec: (channel) => channel.deliveriesPerSec,
  bytesInPerSec: (channel) => channel.bytesInPerSec,
  bytesOutPerSec: (channel) => channel.bytesOutPerSec,
  subscribers: (channel) => channel.subscribers,
  fanOut: (channel) => fanOutOf(channel) ?? -1,
};

/** Creates the hot-channels part of a fleet's console service. */
export function createChannels(
  fleet: FleetConfig,
  _store: FleetStore,
  options: ChannelsOptions = {},
): Channels {
  const now = options.now ?? Date.now;
  const rule = options.rising ?? DEFAULT_RISING_RULE;
  const tickMs = options.tickMs ?? HISTORY_RESOLUTION_MS;
  const windows = new Map<string, NodeChannelWindow>();
  const currents = new Map<string, Current>();
  const history = new ChannelHistory(options.history);
  const minuteAgo = new MinuteAgo();
  const broker = createBrokerProbe(fleet.broker ?? null, now);
  let latest: FleetMerge = emptyMerge(now());
  let disposed = false;

  const lookbackTicks = Math.round(rule.lookbackMs / tickMs);
  const minLookbackTicks = Math.round(rule.minLookbackMs / tickMs);

  /** Publish + deliveries per second now, smoothed over a few ticks when the history has it. */
  const activityNow = (channel: MergedChannel | null, name: string): number => {
    const last = history.tickCount - 1;
    return (
      history.meanActivity(name, last - RISING_NOW_TICKS + 1, last) ?? (channel ? activityOf(channel) : 0)
    );
  };

  /** Publish + deliveries per second a minute ago (or as far back as the console has watched); null when unknown. */
  const activityBefore = (name: string): number | null => {
    const last = history.tickCount - 1;
    const reference = Math.max(last - lookbackTicks, history.oldestTick);
    if (last - reference < minLookbackTicks) return null;
    const fromHistory = history.meanActivity(
      name,
      reference - RISING_BEFORE_HALF_WIDTH,
      reference + RISING_BEFORE_HALF_WIDTH,
    );
    // The track must have existed at the reference tick itself, not only just after it.
    if (fromHistory !== null && history.meanActivity(name, reference, reference) !== null) return fromHistory;
    const time = history.timeOf(reference);
    return time === null ? null : minuteAgo.lookup(name, time);
  };

  const toRow = (channel: MergedChannel, totals: ChannelTotals): ChannelRow => {
    const nowActivity = activityNow(latest.byName.get(channel.name) ?? null, channel.name);
    return {
      name: channel.name,
      publishPerSec: channel.publishPerSec,
      deliveriesPerSec: channel.deliveriesPerSec,
      bytesInPerSec: channel.bytesInPerSec,
      bytesOutPerSec: channel.bytesOutPerSec,
      subscribers: channel.subscribers,
      fanOut: fanOutOf(channel),
      nodes: channel.nodes,
      shareOfBytesOut:
        totals.bytesOutPerSec > 0 ? Math.min(1, channel.bytesOutPerSec / totals.bytesOutPerSec) : 0,
      risingFactor: risingFactor(nowActivity, activityBefore(channel.name), rule),
      errorPerSec: channel.errorPerSec,
      recent: history.recent(channel.name, CHANNEL_RECENT_POINTS),
    };
  };

  const trackedChannels = (): number => {
    let count = latest.byName.size;
    for (const name of history.trackedNames()) if (!latest.byName.has(name)) count++;
    return count;
  };

  const snapshot = (query: ChannelsQuery): ChannelsSnapshot => {
    const top = query.top ?? DEFAULT_CHANNEL_ROWS;
    const sort = query.sort ?? 'activity';
    const filter = compileChannelFilter(query.filter);
    // The window in ticks (one a second by default).
    const requestedTicks = Math.max(1, Math.round(((query.windowS ?? 1) * 1000) / tickMs));
    let candidates: MergedChannel[];
    let totals: ChannelTotals;
    let windowS = tickMs / 1000;
    if (requestedTicks <= 1) {
      candidates =
        filter === null ? [...latest.channels] : latest.channels.filter((channel) => filter(channel.name));
      totals = latest.totals;
    } else {
      const window = Math.min(requestedTicks, history.capacity);
      const held = history.windowTotals(window);
      totals = held.totals;
      windowS = (held.ticks * tickMs) / 1000;
      candidates = [];
      for (const name of history.trackedNames()) {
        if (filter !== null && !filter(name)) continue;
        const figures = history.windowFigures(name, window, latest.byName.get(name)?.nodes ?? 0);
        if (figures !== null) candidates.push(figures);
      }
    }
    // The merge is already hottest first; any other order, or the window's means, sort here.
    if (sort !== 'activity' || requestedTicks > 1) {
      const value = SORT_VALUE[sort];
      candidates.sort((left, right) => value(right) - value(left) || (left.name < right.name ? -1 : 1));
    }
    const rows = candidates.slice(0, top).map((channel) => toRow(channel, totals));
    return {
      time: latest.time,
      channels: rows,
      other: remainder(totals, rows),
      totals,
      trackedChannels: trackedChannels(),
      matchedChannels: candidates.length,
      nodesReporting: latest.contributions.length,
      windowS,
      risingThreshold: rule.factor,
      risingFloorPerSec: rule.floorPerSec,
    };
  };

  const perNode = (name: string): ChannelNodeRow[] => {
    const rows: ChannelNodeRow[] = [];
    for (const contribution of latest.contributions) {
      const rates = contribution.channels.get(name);
      if (rates === undefined) continue;
      rows.push({
        nodeId: contribution.nodeId,
        publishPerSec: rates.publishPerSec,
        deliveriesPerSec: rates.deliveriesPerSec,
        bytesOutPerSec: rates.bytesOutPerSec,
        subscribers: rates.subscribers,
      });
    }
    return rows;
  };

  const agentsOf = (name: string): AgentSubscribers => {
    let nodesSubscribed = 0;
    let agentSubscribers = 0;
    let nodesListing = 0;
    for (const contribution of latest.contributions) {
      const rates = contribution.channels.get(name);
      if (rates === undefined) continue;
      nodesListing++;
      if (rates.subscribers > 0) {
        nodesSubscribed++;
        agentSubscribers += rates.subscribers;
      }
    }
    return { nodesSubscribed, agentSubscribers, nodesListing };
  };

  return {
    handlers: {
      getChannels: async (...args) => snapshot(...parseChannelsArgs(args)),
      getChannel: async (...args) => {
        const [name] = parseChannelArgs(args);
        const channel = latest.byName.get(name);
        const detail: ChannelDetail = {
          time: latest.time,
          name,
          now: channel === undefined ? null : toRow(channel, latest.totals),
          history: history.columns(name),
          perNode: perNode(name),
        };
        return detail;
      },
      getBroker: async (...args) => {
        parseBrokerArgs(args);
        return broker.view({
          channels: latest.channels.slice(0, BROKER_CHECKED_CHANNELS).map((channel) => channel.name),
          agents: agentsOf,
          nodesReporting: latest.contributions.length,
        });
      },
    },
    sample(nodeId, frame) {
      if (disposed) return;
      let window = windows.get(nodeId);
      if (window === undefined) {
        window = new NodeChannelWindow(nodeId);
        windows.set(nodeId, window);
      }
      window.add(frame);
    },
    forget(nodeId) {
      windows.delete(nodeId);
      currents.delete(nodeId);
    },
    tick(time) {
      if (disposed) return;
      for (const [nodeId, window] of windows) {
        const contribution = window.close();
        if (contribution !== null) {
          currents.set(nodeId, { contribution, tickTime: time });
          continue;
        }
        // No sample since the last tick: keep the last figures while a sample is merely late.
        const current = currents.get(nodeId);
        const staleAfterMs = Math.max(3 * tickMs, 3 * (current?.contribution.intervalMs ?? 0));
        if (current !== undefined && time - current.tickTime > staleAfterMs) currents.delete(nodeId);
      }
      latest = mergeContributions(
        time,
        [...currents.values()].map((current) => current.contribution),
      );
      history.record(latest, latest.contributions.length > 0);
      if (minuteAgo.due(time)) {
        minuteAgo.record(
          time,
          latest.channels
            .slice(0, minuteAgo.channels + 1)
            .map((channel) => ({ name: channel.name, activity: activityOf(channel) })),
        );
      }
    },
    stats() {
      let pending = 0;
      for (const window of windows.values()) pending += window.size;
      return {
        merged: latest.byName.size,
        historyChannels: history.size,
        pending,
        risingRecord: minuteAgo.size,
        historyBytes: history.byteLength,
      };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      windows.clear();
      currents.clear();
      void broker.dispose();
    },
  };
}
