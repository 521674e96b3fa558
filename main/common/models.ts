/**
 * The console's view of a fleet: what the core computes and the renderer draws.
 * Pure TypeScript: no Node, no DOM, no Electron.
 */
import type {
  ChannelFigures,
  DependencyStatus,
  HealthStats,
  NodeIdentity,
  Transport,
} from '../../agent/protocol.js';

export type {
  ChannelFigures,
  DependencyStatus,
  HealthStats,
  NodeIdentity,
  Transport,
} from '../../agent/protocol.js';
export { TRANSPORTS } from '../../agent/protocol.js';

/**
 * A node's state as the console sees it: the agent's own state once a link is up,
 * `connecting` before the first sample, `unreachable` when the link is down.
 */
export const NODE_STATUSES = ['connecting', 'active', 'draining', 'drained', 'unreachable'] as const;
/** One of {@link NODE_STATUSES}. */
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** Per-second rates derived from two consecutive samples of the same agent run. */
export interface NodeRates {
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  readonly messagesInPerSec: number;
  readonly messagesOutPerSec: number;
  readonly opensPerSec: number;
  readonly closesPerSec: number;
  /**
   * Closes with a code other than 1000, 1001 or 1012 per second, from the cumulative
   * `closeCodes` of the two samples. Always set by the core; optional only so that older
   * literals still compile.
   */
  readonly abnormalClosesPerSec?: number;
}

/** Everything the UI shows about one node; immutable, replaced whole on change. */
export interface NodeView {
  readonly id: string;
  /** The admin endpoint the console connects to. */
  readonly adminUrl: string;
  /** The public URL clients use, when the fleet file names it. */
  readonly publicUrl: string | null;
  readonly status: NodeStatus;
  /** From the agent's hello; null until the first one arrives. */
  readonly identity: NodeIdentity | null;
  readonly connections: { readonly open: number; readonly opened: number; readonly closed: number } | null;
  /** Null until two samples of the same agent run have arrived. */
  readonly rates: NodeRates | null;
  readonly health: HealthStats | null;
  /** Epoch ms of the latest sample; null before the first. */
  readonly lastSampleAt: number | null;
  /** Epoch ms when `status` last changed. */
  readonly statusSince: number;
  /** A readable reason when the link is down or refused, else null. */
  readonly problem: string | null;
  /** Frames from this agent that failed validation and were dropped. */
  readonly droppedFrames: number;
  /** Why the latest frame was dropped, or null. */
  readonly lastDropReason: string | null;
  /**
   * Open connections per transport from the latest sample; null while there is none or the
   * link is down. Always set by the core; optional only so that older literals still compile.
   */
  readonly openByTransport?: Readonly<Record<Transport, number>> | null;
  /**
   * The dependencies (broker, database…) the host reported in the latest sample; null while
   * there is none or the link is down. Always set by the core; optional like the above.
   */
  readonly dependencies?: Readonly<Record<string, DependencyStatus>> | null;
}

/** The whole fleet at one moment. */
export interface FleetSnapshot {
  readonly fleetName: string;
  /** Increases with every delta; a delta applies to the snapshot with `version - 1`. */
  readonly version: number;
  readonly time: number;
  readonly nodes: readonly NodeView[];
}

/**
 * What changed since the previous delta. Batched in the main process a few times a second,
 * never sent per sample per node. `reset` replaces the receiver's whole state.
 */
export interface FleetDelta {
  readonly fleetName: string;
  readonly version: number;
  readonly time: number;
  readonly reset: boolean;
  readonly upserted: readonly NodeView[];
  readonly removed: readonly string[];
  /**
   * The latest fleet totals and balance, null before the first tick. The core sets it on
   * every delta; it is optional only so that older literals still compile.
   */
  readonly totals?: FleetTotals | null;
  /**
   * Fleet-history points added since the previous delta, oldest first, or null when none
   * were (most deltas: history gains a point per second, deltas go out a few times a second).
   * Append them to what `getHistory` returned. A reset delta carries null: after a reset, or a
   * gap in versions, fetch `getHistory({ kind: 'fleet' }, newestTimeYouHave)` to fill in.
   * Always set by the core; optional like `totals`.
   */
  readonly history?: FleetHistoryChunk | null;
  /** Alert changes since the previous delta (all active alerts on a reset). Always set by the core. */
  readonly alerts?: AlertsDelta;
}

/**
 * Fleet figures at one tick, computed once a second from every node's latest view (never per
 * sample): sums over the nodes that report them, and the spread of connections.
 */
export interface FleetTotals {
  /** Epoch ms of the tick. */
  readonly time: number;
  /** Open connections summed over every node that reports them (active, draining, drained). */
  readonly connectionsOpen: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  readonly messagesInPerSec: number;
  readonly messagesOutPerSec: number;
  /** `messagesInPerSec + messagesOutPerSec`. */
  readonly messagesPerSec: number;
  readonly opensPerSec: number;
  readonly closesPerSec: number;
  /** Closes with codes other than 1000, 1001 and 1012, per second. */
  readonly abnormalClosesPerSec: number;
  /** How many nodes are in each status; every status is present. */
  readonly nodesByStatus: Readonly<Record<NodeStatus, number>>;
  /** Open connections per transport, summed over the nodes. */
  readonly openByTransport: Readonly<Record<Transport, number>>;
  readonly balance: FleetBalance;
}

/**
 * How evenly connections are spread over the active nodes (draining and drained nodes are
 * left out: they shed connections on purpose). Figures are 0 or null when no active node
 * reports connections.
 */
export interface FleetBalance {
  /** Active nodes that report a connection count: the population of the figures below. */
  readonly activeNodes: number;
  /** Mean open connections per active node. */
  readonly mean: number;
  readonly max: number;
  readonly min: number;
  /** `max / mean`; null when the mean is 0 (nothing to spread). */
  readonly maxOverMean: number | null;
  /** Coefficient of variation, population standard deviation / mean; null when the mean is 0. */
  readonly cv: number | null;
  /** The active node with the most open connections (the first by id on a tie), or null. */
  readonly mostLoadedNodeId: string | null;
  /** The active node with the fewest open connections (the first by id on a tie), or null. */
  readonly leastLoadedNodeId: string | null;
  /** One or two sentences for the operator: is the spread even, and if not, why and what helps. */
  readonly explanation: string;
}

/** The fleet's history series, one value per tick. */
export const FLEET_SERIES = [
  'connectionsOpen',
  'bytesInPerSec',
  'bytesOutPerSec',
  'messagesPerSec',
  'messagesInPerSec',
  'messagesOutPerSec',
  'opensPerSec',
  'closesPerSec',
  'abnormalClosesPerSec',
  'nodesConnecting',
  'nodesActive',
  'nodesDraining',
  'nodesDrained',
  'nodesUnreachable',
  'openWebsocket',
  'openSse',
  'openLongPolling',
  'balanceMean',
  'balanceMax',
  'balanceMaxOverMean',
  'balanceCv',
] as const;
/** One of {@link FLEET_SERIES}. */
export type FleetSeriesName = (typeof FLEET_SERIES)[number];

/** Each node's history series, one value per tick. */
export const NODE_SERIES = [
  'connectionsOpen',
  'bytesInPerSec',
  'bytesOutPerSec',
  'messagesPerSec',
  'loopDelayP99Ms',
  'cpu',
  'rssBytes',
  'abnormalClosesPerSec',
] as const;
/** One of {@link NODE_SERIES}. */
export type NodeSeriesName = (typeof NODE_SERIES)[number];

/** Whose history to read. */
export type HistoryScope = { readonly kind: 'fleet' } | { readonly kind: 'node'; readonly nodeId: string };

/**
 * Points as columns: `times` (epoch ms, oldest first) and one array per series aligned with
 * it. A value is null where there was no figure (node unreachable, no rate yet). Values are
 * stored as 32-bit floats and rounded to 7 significant digits.
 */
export interface SeriesColumns<Name extends string> {
  readonly times: readonly number[];
  readonly series: { readonly [N in Name]: readonly (number | null)[] };
}

/** Fleet-history points, as carried by a delta. */
export type FleetHistoryChunk = SeriesColumns<FleetSeriesName>;

/** The fleet's history: at most `windowMs` of points, one per `resolutionMs`. */
export interface FleetHistoryResult extends SeriesColumns<FleetSeriesName> {
  readonly kind: 'fleet';
  readonly resolutionMs: number;
  readonly windowMs: number;
}

/** One node's history, on the same ticks as the fleet's. */
export interface NodeHistoryResult extends SeriesColumns<NodeSeriesName> {
  readonly kind: 'node';
  readonly nodeId: string;
  readonly resolutionMs: number;
  readonly windowMs: number;
}

/** What `getHistory` returns; `kind` matches the scope asked for. */
export type HistoryResult = FleetHistoryResult | NodeHistoryResult;

/** What an alert is about. */
export const ALERT_KINDS = [
  'node-unreachable',
  'loop-delay',
  'cpu',
  'rss',
  'skew',
  'dependency-down',
] as const;
/** One of {@link ALERT_KINDS}. */
export type AlertKind = (typeof ALERT_KINDS)[number];

/** How urgent an alert is. */
export const ALERT_SEVERITIES = ['critical', 'warning'] as const;
/** One of {@link ALERT_SEVERITIES}. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** A raised alert; immutable, replaced whole when its message changes. */
export interface Alert {
  /** Stable per rule and subject, e.g. `cpu:node-3` or `dependency-down:node-3:broker`. */
  readonly id: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  /** The node it is about, or null for a fleet-wide alert (skew). */
  readonly nodeId: string | null;
  /** A sentence for the operator, with the figure and the threshold. */
  readonly message: string;
  /** Epoch ms when the condition began (not when it was raised). */
  readonly since: number;
  /** Epoch ms when it cleared; null while active. */
  readonly resolvedAt: number | null;
  /** The latest figure that holds it up (ms, share of a core, bytes, CV); null for yes/no rules. */
  readonly value: number | null;
  /** The threshold it is measured against; null for yes/no rules. */
  readonly threshold: number | null;
}

/**
 * Thresholds of the alert rules. Defaults live in main/core/alerts.ts; a fleet file may
 * override any of them under `alerts`.
 */
export interface AlertThresholds {
  /** Event-loop delay p99 above this, in ms, is an alert. */
  readonly loopDelayP99Ms: number;
  /** CPU above this share of one core (1 = a full core) is an alert. */
  readonly cpu: number;
  /** Resident memory above this, in bytes, is an alert. */
  readonly rssBytes: number;
  /** A coefficient of variation of active nodes' connections above this is an alert. */
  readonly skewCv: number;
  /** Skew is judged only when active nodes hold at least this many connections on average. */
  readonly skewMinMeanConnections: number;
}

/** Alert changes carried by a delta. Apply `upserted` (replace by id), then `resolved` (remove by id). */
export interface AlertsDelta {
  /** Alerts raised or changed since the previous delta; every active alert on a reset delta. */
  readonly upserted: readonly Alert[];
  /** Alerts that cleared since the previous delta, with `resolvedAt` set. */
  readonly resolved: readonly Alert[];
  /** Active alerts after this delta: when yours differ, fetch `getAlerts`. */
  readonly activeCount: number;
}

/** What `getAlerts` returns. */
export interface AlertsSnapshot {
  readonly time: number;
  /** Active alerts, oldest `since` first. */
  readonly active: readonly Alert[];
  /** Recently resolved alerts, newest first, at most a couple of hundred. */
  readonly recent: readonly Alert[];
  /** The thresholds in force. */
  readonly thresholds: AlertThresholds;
}

/** What the node detail view shows beyond the node's {@link NodeView}. */
export interface NodeDetail {
  /** Epoch ms when the detail was read. */
  readonly time: number;
  readonly view: NodeView;
  /** Close codes seen since the agent started, cumulative (`"1000"` → count); empty while unknown. */
  readonly closeCodes: Readonly<Record<string, number>>;
  /**
   * The busiest channels of the node's latest sample interval, busiest first, at most
   * {@link NODE_DETAIL_TOP_CHANNELS}; empty while the link is down or the host reports none.
   */
  readonly topChannels: readonly ChannelFigures[];
  /** Length of the interval `topChannels` covers, ms; null while there is no sample. */
  readonly channelsIntervalMs: number | null;
  /** Channels with a local subscriber now and the subscribers summed; null while unknown. */
  readonly subscribedChannels: number | null;
  readonly subscribers: number | null;
}

/** Channels a node detail carries at most. */
export const NODE_DETAIL_TOP_CHANNELS = 10;

/** Points a sparkline request may ask for at most. */
export const MAX_SPARKLINE_POINTS = 300;
/** Nodes a sparkline request may name at most (a screenful of rows, with room to spare). */
export const MAX_SPARKLINE_NODES = 200;

/** The newest points of one node series for several nodes, on the fleet's tick axis. */
export interface Sparklines {
  readonly series: NodeSeriesName;
  /** Epoch ms of each point, oldest first; every node's values align with it. */
  readonly times: readonly number[];
  /** Node id → values (null where the node had no figure). Nodes without history are absent. */
  readonly byNode: Readonly<Record<string, readonly (number | null)[]>>;
}

/**
 * Where a fleet in the switcher comes from: a fleet file listing its nodes, a running local
 * launcher's fleet file (`npm run fleet`), or a fleet file whose nodes come from DNS.
 */
export const FLEET_SOURCES = ['file', 'launcher', 'dns'] as const;
/** One of {@link FLEET_SOURCES}. */
export type FleetSource = (typeof FLEET_SOURCES)[number];

/** A fleet file the console can open, as the fleet switcher lists it. */
export interface FleetEntry {
  /** Absolute path of the fleet file: what `openFleet` takes. */
  readonly path: string;
  /** The fleet's name from the file, or the name it had when last opened if the file cannot be read. */
  readonly name: string;
  /** Nodes now (the open fleet) or listed in the file; null when unknown (DNS fleets not open, unreadable files). */
  readonly nodeCount: number | null;
  readonly source: FleetSource;
  /** Epoch ms when the console last opened it; null for a fleet never opened. */
  readonly lastOpenedAt: number | null;
  /**
   * A sentence for the operator when something is wrong: the file is missing or invalid, or
   * (open fleet) its DNS discovery failed; else null.
   */
  readonly problem: string | null;
}

/** What `listFleets` returns. The open fleet appears in neither list. */
export interface FleetList {
  /** The open fleet, or null when none is. */
  readonly current: FleetEntry | null;
  /** Fleets opened before, most recent first, at most ten. */
  readonly recent: readonly FleetEntry[];
  /** Running local launchers' fleets not already in `recent`, newest first. */
  readonly discovered: readonly FleetEntry[];
}
