/**
 * The fleet store: every node's latest state, rates derived from cumulative counters, and
 * the batching of changes into deltas. Each change replaces a node's immutable view; the
 * ids that changed since the last flush are the next delta.
 *
 * Once a second its owner calls {@link FleetStore.tick}: totals, balance, history and alerts
 * are computed from the latest views then, never per sample, and ride on the next delta.
 */
import type {
  ChannelFigures,
  ConnectionStats,
  EventFrame,
  HelloFrame,
  SampleFrame,
} from '../../agent/protocol.js';
import {
  type Alert,
  type AlertsDelta,
  type AlertsSnapshot,
  type AlertThresholds,
  type FleetDelta,
  type FleetSnapshot,
  type FleetTotals,
  type HistoryResult,
  type HistoryScope,
  NODE_DETAIL_TOP_CHANNELS,
  type NodeDetail,
  type NodeRates,
  type NodeSeriesName,
  type NodeView,
  type Sparklines,
} from '../common/models.js';
import { AlertEngine } from './alerts.js';
import type { FleetNodeConfig } from './fleet-file.js';
import { computeTotals } from './fleet-totals.js';
import { FleetHistory, type FleetHistoryOptions } from './history.js';

/** What rates need of the previous sample: kept instead of the whole frame, whose channel list would otherwise live long enough to be promoted and need a full GC. */
export type RateBaseline = Pick<SampleFrame, 'seq' | 'time' | 'traffic' | 'connections'>;

/** The part of a node's latest channel figures the detail view shows: the busiest few, copied out of the frame. */
interface LatestChannels {
  readonly top: readonly ChannelFigures[];
  readonly intervalMs: number;
  readonly subscribedChannels: number;
  readonly subscribers: number;
}

interface NodeRecord {
  view: NodeView;
  /** The previous sample of the same agent run: the baseline for rates. */
  baseline: RateBaseline | null;
  /** From the latest sample; null while the link is down. */
  channels: LatestChannels | null;
}

/** Close codes of an orderly close: normal, going away (restart, page left), service restart (drain). */
export const NORMAL_CLOSE_CODES: ReadonlySet<string> = new Set(['1000', '1001', '1012']);

/** Closes with any other code between two samples' cumulative `closeCodes`. */
export function abnormalClosesBetween(previous: ConnectionStats, current: ConnectionStats): number {
  let count = 0;
  for (const [code, now] of Object.entries(current.closeCodes)) {
    if (NORMAL_CLOSE_CODES.has(code)) continue;
    // Per code, so a code seen for the first time counts in full and none can go negative.
    count += Math.max(0, now - (previous.closeCodes[code] ?? 0));
  }
  return count;
}

/** Rates between two samples of one agent run, or null when they cannot be compared. */
export function deriveRates(previous: RateBaseline, current: RateBaseline): NodeRates | null {
  const seconds = (current.time - previous.time) / 1000;
  if (seconds <= 0 || current.seq <= previous.seq) return null;
  const rate = (now: number, before: number) => (now >= before ? (now - before) / seconds : 0);
  return {
    abnormalClosesPerSec: abnormalClosesBetween(previous.connections, current.connections) / seconds,
    bytesInPerSec: rate(current.traffic.bytesIn, previous.traffic.bytesIn),
    bytesOutPerSec: rate(current.traffic.bytesOut, previous.traffic.bytesOut),
    messagesInPerSec: rate(current.traffic.messagesIn, previous.traffic.messagesIn),
    messagesOutPerSec: rate(current.traffic.messagesOut, previous.traffic.messagesOut),
    opensPerSec: rate(current.connections.opened, previous.connections.opened),
    closesPerSec: rate(current.connections.closed, previous.connections.closed),
  };
}

/** Options for {@link FleetStore}; every one has a default. */
export interface FleetStoreOptions {
  /** Overrides of the default alert thresholds (from the fleet file's `alerts`). */
  readonly alertThresholds?: Partial<AlertThresholds>;
  /** History size and resolution. */
  readonly history?: FleetHistoryOptions;
}

/** Holds the fleet's state and turns changes into batched deltas. */
export class FleetStore {
  private readonly records = new Map<string, NodeRecord>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private version = 0;
  private readonly fleetHistory: FleetHistory;
  private readonly alertEngine: AlertEngine;
  private latestTotals: FleetTotals | null = null;
  /** The first history tick no delta has carried yet. */
  private historyCursor = 0;
  // Alert changes since the last flush; an id is in one map or the other, never both.
  private readonly raisedAlerts = new Map<string, Alert>();
  private readonly resolvedAlerts = new Map<string, Alert>();

  constructor(
    readonly fleetName: string,
    nodes: readonly FleetNodeConfig[],
    private readonly now: () => number = Date.now,
    options: FleetStoreOptions = {},
  ) {
    this.fleetHistory = new FleetHistory(options.history);
    this.alertEngine = new AlertEngine(options.alertThresholds);
    for (const node of nodes) this.add(node);
  }

  /** Adds a node in the `connecting` state. */
  add(node: FleetNodeConfig): void {
    this.removed.delete(node.id);
    this.records.set(node.id, {
      baseline: null,
      channels: null,
      view: {
        id: node.id,
        adminUrl: node.adminUrl,
        publicUrl: node.publicUrl,
        status: 'connecting',
        identity: null,
        connections: null,
        rates: null,
        health: null,
        lastSampleAt: null,
        statusSince: this.now(),
        problem: null,
        droppedFrames: 0,
        lastDropReason: null,
        openByTransport: null,
        dependencies: null,
        drain: null,
      },
    });
    this.dirty.add(node.id);
  }

  /** Forgets a node. */
  remove(nodeId: string): void {
    if (this.records.delete(nodeId)) {
      this.dirty.delete(nodeId);
      this.removed.add(nodeId);
    }
  }

  /** A link said hello. A new `startedAt` means the agent restarted: the baseline resets. */
  hello(nodeId: string, frame: HelloFrame): void {
    this.update(nodeId, (record) => {
      if (record.view.identity?.startedAt !== frame.node.startedAt) {
        // A new run: the previous run's counters and channels describe a process that is gone.
        record.baseline = null;
        record.channels = null;
      }
      return { identity: frame.node, problem: null };
    });
  }

  /** A sample arrived. */
  sample(nodeId: string, frame: SampleFrame): void {
    this.update(nodeId, (record) => {
      const rates = record.baseline ? deriveRates(record.baseline, frame) : null;
      record.baseline = {
        seq: frame.seq,
        time: frame.time,
        traffic: frame.traffic,
        connections: frame.connections,
      };
      const { channels } = frame;
      record.channels = {
        top: channels.top.slice(0, NODE_DETAIL_TOP_CHANNELS),
        intervalMs: channels.intervalMs,
        subscribedChannels: channels.subscribedChannels,
        subscribers: channels.subscribers,
      };
      return {
        status: frame.state,
        connections: frame.connections,
        rates,
        health: frame.health,
        lastSampleAt: frame.time,
        problem: null,
        openByTransport: {
          websocket: frame.connections.byTransport.websocket.open,
          sse: frame.connections.byTransport.sse.open,
          'long-polling': frame.connections.byTransport['long-polling'].open,
        },
        dependencies: frame.dependencies,
        drain: frame.drain,
      };
    });
  }

  /** An agent event; not shown yet (see docs/architecture.md, "Not in the code yet"). */
  event(_nodeId: string, _frame: EventFrame): void {}

  /** The link is down: live figures are cleared so nobody reads stale numbers as current. */
  down(nodeId: string, problem: string): void {
    this.update(nodeId, (record) => {
      record.baseline = null;
      record.channels = null;
      return {
        status: 'unreachable',
        connections: null,
        rates: null,
        problem,
        openByTransport: null,
        dependencies: null,
        drain: null,
      };
    });
  }

  /** A frame from this node was dropped by validation. */
  dropped(nodeId: string, reason: string): void {
    this.update(nodeId, (record) => ({
      droppedFrames: record.view.droppedFrames + 1,
      lastDropReason: reason,
    }));
  }

  /** A node's latest view, or null when the fleet has no such node. */
  view(nodeId: string): NodeView | null {
    return this.records.get(nodeId)?.view ?? null;
  }

  /** Every node's latest view. */
  views(): NodeView[] {
    return [...this.records.values()].map((record) => record.view);
  }

  /** The whole fleet now. */
  snapshot(): FleetSnapshot {
    return {
      fleetName: this.fleetName,
      version: this.version,
      time: this.now(),
      nodes: [...this.records.values()].map((record) => record.view),
    };
  }

  /**
   * Computes the fleet's totals and balance from the latest views, appends them and every
   * node's figures to the history, and runs the alert rules. Called once per second by the
   * store's owner; what it finds goes out with the next {@link flush}.
   */
  tick(time: number = this.now()): FleetTotals {
    const views = [...this.records.values()].map((record) => record.view);
    const totals = computeTotals(time, views, this.alertEngine.thresholds);
    this.latestTotals = totals;
    this.fleetHistory.record(totals, views);
    const changes = this.alertEngine.evaluate(time, views, totals);
    for (const alert of changes.upserted) {
      this.resolvedAlerts.delete(alert.id);
      this.raisedAlerts.set(alert.id, alert);
    }
    for (const alert of changes.resolved) {
      this.raisedAlerts.delete(alert.id);
      this.resolvedAlerts.set(alert.id, alert);
    }
    return totals;
  }

  /** The latest totals, or null before the first tick. */
  totals(): FleetTotals | null {
    return this.latestTotals;
  }

  /**
   * The fleet's or a node's history, all of it or the points after `sinceMs`. Throws for a node
   * not in the fleet, and for one beyond the history's node limit.
   */
  history(scope: HistoryScope, sinceMs?: number): HistoryResult {
    if (scope.kind === 'node' && !this.fleetHistory.has(scope.nodeId)) {
      if (!this.records.has(scope.nodeId)) throw new Error(`no node "${scope.nodeId}" in this fleet`);
      // A node added since the last tick simply has no points yet; past the limit it never will.
      if (this.fleetHistory.nodeCount >= this.fleetHistory.maxNodes) {
        throw new Error(
          `no history for "${scope.nodeId}": the console keeps history for ${this.fleetHistory.maxNodes} nodes at most`,
        );
      }
    }
    return this.fleetHistory.read(scope, sinceMs);
  }

  /** What the node detail view shows beyond the node's view; throws for a node not in the fleet. */
  nodeDetail(nodeId: string): NodeDetail {
    const record = this.records.get(nodeId);
    if (!record) throw new Error(`no node "${nodeId}" in this fleet`);
    const { channels } = record;
    return {
      time: this.now(),
      view: record.view,
      closeCodes: record.baseline?.connections.closeCodes ?? {},
      topChannels: channels?.top ?? [],
      channelsIntervalMs: channels?.intervalMs ?? null,
      subscribedChannels: channels?.subscribedChannels ?? null,
      subscribers: channels?.subscribers ?? null,
    };
  }

  /** The newest `points` values of one series for the named nodes (those with history; others are left out). */
  sparklines(nodeIds: readonly string[], series: NodeSeriesName, points: number): Sparklines {
    return this.fleetHistory.sparklines(nodeIds, series, points);
  }

  /** Active alerts, recently resolved ones and the thresholds in force. */
  alerts(): AlertsSnapshot {
    return this.alertEngine.snapshot(this.now());
  }

  /** The changes since the last flush, or null when nothing changed. */
  flush(): FleetDelta | null {
    const history = this.fleetHistory.chunkFrom(this.historyCursor);
    const alertsChanged = this.raisedAlerts.size > 0 || this.resolvedAlerts.size > 0;
    if (this.dirty.size === 0 && this.removed.size === 0 && history === null && !alertsChanged) return null;
    this.version++;
    const alerts: AlertsDelta = {
      upserted: [...this.raisedAlerts.values()],
      resolved: [...this.resolvedAlerts.values()],
      activeCount: this.alertEngine.activeCount,
    };
    const delta: FleetDelta = {
      fleetName: this.fleetName,
      version: this.version,
      time: this.now(),
      reset: false,
      upserted: [...this.dirty].map((id) => (this.records.get(id) as NodeRecord).view),
      removed: [...this.removed],
      totals: this.latestTotals,
      history,
      alerts,
    };
    this.dirty.clear();
    this.removed.clear();
    this.raisedAlerts.clear();
    this.resolvedAlerts.clear();
    this.historyCursor = this.fleetHistory.tickCount;
    return delta;
  }

  /**
   * A delta that replaces a receiver's whole state with the current snapshot: every node and
   * every active alert. It carries no history: the receiver fetches that with `getHistory`.
   */
  resetDelta(): FleetDelta {
    const { fleetName, version, time, nodes } = this.snapshot();
    const active = this.alertEngine.activeAlerts();
    return {
      fleetName,
      version,
      time,
      reset: true,
      upserted: nodes,
      removed: [],
      totals: this.latestTotals,
      history: null,
      alerts: { upserted: active, resolved: [], activeCount: active.length },
    };
  }

  private update(nodeId: string, change: (record: NodeRecord) => Partial<Omit<NodeView, 'id'>>): void {
    const record = this.records.get(nodeId);
    if (!record) return;
    const next = { ...record.view, ...change(record) };
    if (next.status !== record.view.status) next.statusSince = this.now();
    record.view = next as NodeView;
    this.dirty.add(nodeId);
  }
}
