/**
 * The console's view of a fleet: what the core computes and the renderer draws.
 * Pure TypeScript: no Node, no DOM, no Electron.
 */
import type {
  ChannelFigures,
  DependencyStatus,
  DrainProgress,
  HealthStats,
  NodeIdentity,
  Transport,
} from '../../agent/protocol.js';

export type {
  ChannelFigures,
  DependencyStatus,
  DrainProgress,
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
  /**
   * The drain or shed the agent is running, from the latest sample; null when none or the link
   * is down. Always set by the core; optional like the above.
   *
   * Safe to stop: a node is empty and safe to stop when its status is `drained` and its latest
   * sample counts 0 open connections ({@link isSafeToStop}). The agent turns `drained` only once
   * no connection is left, and `drain` is then null (the run is over); a `drained` node with
   * connections (a host that tracks some by hand and has not ended them) is not safe yet.
   */
  readonly drain?: DrainProgress | null;
}

/** True when the node is drained with 0 open connections: empty, and safe to stop. */
export function isSafeToStop(view: Pick<NodeView, 'status' | 'connections'>): boolean {
  return view.status === 'drained' && view.connections !== null && view.connections.open === 0;
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

// ---------------------------------------------------------------------------------------------
// Operator workflows: drain, undrain, shed, add, remove, rolling drain, the balancer, the audit log.

/** What an operator can do; every action is audited. */
export const OPERATION_ACTIONS = [
  'drain',
  'undrain',
  'shed',
  'add',
  'remove',
  'restart',
  'roll',
  'balancer-state',
] as const;
/** One of {@link OPERATION_ACTIONS}. */
export type OperationAction = (typeof OPERATION_ACTIONS)[number];

/** How an operation ended, or `running`. */
export const OPERATION_OUTCOMES = ['running', 'succeeded', 'failed', 'aborted'] as const;
/** One of {@link OPERATION_OUTCOMES}. */
export type OperationOutcome = (typeof OPERATION_OUTCOMES)[number];

/**
 * One operator action as the audit log keeps it. The log is JSON lines, one record per change:
 * a line with `outcome: 'running'` when it starts, a final line when it ends (same `id`).
 */
export interface OperationRecord {
  /** Unique per action, e.g. a random UUID. */
  readonly id: string;
  readonly action: OperationAction;
  /** The node it acts on, or null (a roll over many nodes, an add before the node has an id). */
  readonly nodeId: string | null;
  /** The arguments as given (deadlineMs, count, percent, nodeIds…). */
  readonly args: Readonly<Record<string, unknown>>;
  /** The OS user who ran it (`os.userInfo().username`). */
  readonly user: string;
  /** Where it was started. */
  readonly source: 'console' | 'cli';
  /** The fleet's name. */
  readonly fleet: string;
  readonly startedAt: number;
  /** Null while running. */
  readonly endedAt: number | null;
  readonly outcome: OperationOutcome;
  /** A sentence on the result or the error; null when there is nothing to add. */
  readonly message: string | null;
  /** For a step of a roll: the roll's record id. */
  readonly parentId?: string | null;
}

/** How much a shed closes: a count or a share of the node's open connections. */
export type ShedAmount = { readonly count: number } | { readonly percent: number };

/** Capacity limits the drain and shed previews check the remaining nodes against. */
export interface CapacityLimits {
  /** Open connections per node above which a node is over capacity; null: no limit set. */
  readonly maxConnectionsPerNode: number | null;
  /** CPU share of one core above which a node is over capacity (default 0.8). */
  readonly maxCpu: number;
}

/** Where moved connections are expected to land, per remaining active node. */
export interface MoveTarget {
  readonly nodeId: string;
  readonly connectionsNow: number;
  /** Estimated after absorbing its share of the moved connections. */
  readonly connectionsAfter: number;
  /** CPU now (share of a core) and estimated after, scaled with connections; null when unknown. */
  readonly cpuNow: number | null;
  readonly cpuAfter: number | null;
}

/** What a drain or shed will do, before it is done. */
export interface MovePreview {
  readonly kind: 'drain' | 'shed';
  readonly nodeId: string;
  /** Connections that will be closed and move. */
  readonly connections: number;
  readonly deadlineMs: number;
  /** The pace: connections closed per second, on average, over the paced part of the deadline. */
  readonly closesPerSec: number;
  readonly targets: readonly MoveTarget[];
  /** Capacity warnings, one sentence each; empty when the remaining nodes can absorb the load. */
  readonly warnings: readonly string[];
  readonly limits: CapacityLimits;
}

/** A rolling drain's request. */
export interface RollRequest {
  /** Nodes in the order they are rolled. */
  readonly nodeIds: readonly string[];
  /** Nodes rolled at once. Default 1. */
  readonly concurrency: number;
  /** Each node's drain deadline, ms. */
  readonly deadlineMs: number;
  /** Never let the active nodes fall below this; default: all but `concurrency`. */
  readonly minActive?: number;
}

/** Phases of one node in a roll. */
export const ROLL_PHASES = [
  'pending',
  'draining',
  'restarting',
  'rejoining',
  'done',
  'failed',
  'skipped',
  'undrained',
] as const;
/** One of {@link ROLL_PHASES}. */
export type RollPhase = (typeof ROLL_PHASES)[number];

/** One node's step in a roll. */
export interface RollStep {
  readonly nodeId: string;
  readonly phase: RollPhase;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly message: string | null;
}

/** States of a roll. `stopped`: halted by a health check (an alert fired). */
export const ROLL_STATES = ['running', 'paused', 'aborting', 'aborted', 'stopped', 'done', 'failed'] as const;
/** One of {@link ROLL_STATES}. */
export type RollState = (typeof ROLL_STATES)[number];

/** A rolling drain: its plan and where it is. */
export interface RollPlan {
  /** The audit record id of the roll. */
  readonly id: string;
  readonly state: RollState;
  readonly concurrency: number;
  readonly deadlineMs: number;
  readonly minActive: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** Why it stopped, failed or was aborted; null otherwise. */
  readonly stopReason: string | null;
  readonly steps: readonly RollStep[];
}

/** What can add, remove and restart nodes in this fleet. */
export interface ProvisionerInfo {
  readonly kind: 'local' | 'command';
  readonly canAdd: boolean;
  readonly canRemove: boolean;
  readonly canRestart: boolean;
  /** For `command`: the placeholders `add` asks for (id, host, port). */
  readonly addFields: readonly ('id' | 'host' | 'port')[];
}

/** A request to add a node; which fields are needed depends on the provisioner. */
export interface AddNodeRequest {
  readonly id?: string;
  readonly host?: string;
  readonly port?: number;
}

/** Operations now: what runs, the roll, and what the fleet can do. */
export interface OperationsSnapshot {
  readonly time: number;
  /** Operations started by this console that are still running, oldest first. */
  readonly running: readonly OperationRecord[];
  /** The current or latest roll, or null. */
  readonly roll: RollPlan | null;
  /** Null when the fleet file names no provisioner. */
  readonly provisioner: ProvisionerInfo | null;
  /** True when the fleet file names a balancer runtime API. */
  readonly balancer: boolean;
  /** The capacity limits previews use. */
  readonly limits: CapacityLimits;
}

/** The audit log, newest first. */
export interface ActivityPage {
  readonly entries: readonly OperationRecord[];
  /** The log file, for the operator to find; null when there is none yet. */
  readonly path: string | null;
}

/** A balancer server's state as the balancer reports it (HAProxy: UP, DRAIN, MAINT, DOWN, NOLB…). */
export interface BalancerServer {
  readonly backend: string;
  readonly name: string;
  /** The fleet node this server is, or null when no node matches. */
  readonly nodeId: string | null;
  readonly state: string;
  readonly sessions: number;
  readonly weight: number;
  /** The last health/agent check's status text, or null. */
  readonly checkStatus: string | null;
}

/** A disagreement between the balancer and the agents. */
export interface BalancerMismatch {
  readonly nodeId: string | null;
  readonly server: string | null;
  readonly message: string;
}

/** The balancer's view of the fleet. */
export interface BalancerView {
  readonly time: number;
  /** False when the fleet file names no balancer runtime API; the rest is then empty. */
  readonly configured: boolean;
  readonly kind: 'haproxy' | null;
  /** Where the runtime API is, e.g. "127.0.0.1:9999". */
  readonly address: string | null;
  readonly reachable: boolean;
  readonly problem: string | null;
  readonly servers: readonly BalancerServer[];
  readonly mismatches: readonly BalancerMismatch[];
}

/** States an operator may set at the balancer. */
export const BALANCER_STATES = ['ready', 'drain', 'maint'] as const;
/** One of {@link BALANCER_STATES}. */
export type BalancerStateName = (typeof BALANCER_STATES)[number];

// ---------------------------------------------------------------------------------------------
// Hot channels: fleet-wide per-channel rates merged from every node's top-K and totals.
// How the merge works and how far its figures can be off: docs/architecture.md, "Hot channels".

/** One channel's fleet-wide figures, per second: over the latest tick, or averaged over `windowS`. */
export interface ChannelRow {
  readonly name: string;
  readonly publishPerSec: number;
  readonly deliveriesPerSec: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  /** Subscribers summed over the nodes that report the channel. */
  readonly subscribers: number;
  /** Deliveries per publish (null when nothing was published). */
  readonly fanOut: number | null;
  /** Nodes that reported the channel in their top-K this interval. */
  readonly nodes: number;
  /** This channel's share of the fleet's outbound channel bytes (0–1). */
  readonly shareOfBytesOut: number;
  /** Rate now ÷ rate a minute ago when that jumped by the rising factor or more; null otherwise. */
  readonly risingFactor: number | null;
  /**
   * How much publish + deliveries per second the row may be missing, at most, summed over nodes:
   * a node's sketch counts a channel only from when it tracks it (`error` bounds what came
   * before), and a node that did not list the channel had at most its last listed entry's
   * weight of it. 0 when every node counted the channel exactly.
   */
  readonly errorPerSec: number;
  /**
   * Publish + deliveries per second over the last {@link CHANNEL_RECENT_POINTS} ticks, oldest
   * first, from the console's history (for a sparkline); empty when the channel has no history.
   */
  readonly recent: readonly (number | null)[];
}

/** Points in {@link ChannelRow.recent}: one minute at one per second. */
export const CHANNEL_RECENT_POINTS = 60;

/** Per-second totals of a group of channels. */
export interface ChannelTotals {
  readonly publishPerSec: number;
  readonly deliveriesPerSec: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
}

/** The fleet's channels now: the hottest, the remainder, and the totals they add up to. */
export interface ChannelsSnapshot {
  readonly time: number;
  /** The hottest channels (by `sort`, hottest first), after the filter. */
  readonly channels: readonly ChannelRow[];
  /** Everything not in `channels`: totals − the sum of `channels`, each figure clamped at 0. */
  readonly other: ChannelTotals;
  /** The fleet's channel totals (from every node's cumulative totals, not from the top-K lists). */
  readonly totals: ChannelTotals;
  /** Distinct channels the console tracks now (bounded: the latest merge plus the history set). */
  readonly trackedChannels: number;
  /** Channels that passed the filter, before `top` cut the list. */
  readonly matchedChannels: number;
  /** Nodes whose channel figures are in the merge. */
  readonly nodesReporting: number;
  /** Seconds the rates are averaged over: 1 for the latest tick, else the window actually held. */
  readonly windowS: number;
  /** The factor a rate must jump by over a minute to be marked rising. */
  readonly risingThreshold: number;
  /** A rising channel must also reach `risingThreshold ×` this many messages per second. */
  readonly risingFloorPerSec: number;
}

/** What `getChannels` can rank by: `activity` is publish + deliveries per second. */
export const CHANNEL_SORT_KEYS = [
  'activity',
  'publishPerSec',
  'deliveriesPerSec',
  'bytesInPerSec',
  'bytesOutPerSec',
  'subscribers',
  'fanOut',
] as const;
/** One of {@link CHANNEL_SORT_KEYS}. */
export type ChannelSortKey = (typeof CHANNEL_SORT_KEYS)[number];

/** Longest `windowS`: the channel history's length. */
export const MAX_CHANNEL_WINDOW_S = 900;

/** What `getChannels` may ask for. */
export interface ChannelsQuery {
  /** Rows to return, 1–1000. Default 100. */
  readonly top?: number;
  /**
   * Plain text: names containing it. With `*` (any run) or `?` (one character): a glob over the
   * whole name (`chat:*`, `*lobby*`). Case-sensitive, like channel names. Empty: every channel.
   */
  readonly filter?: string;
  /** The figure to rank by, descending. Default `activity`. */
  readonly sort?: ChannelSortKey;
  /**
   * Average the rates over the last `windowS` seconds (1–{@link MAX_CHANNEL_WINDOW_S}), from the
   * history; only the channels the history keeps (the hottest 200) are listed then. Default 1:
   * the latest tick, every channel of the merge.
   */
  readonly windowS?: number;
}

/** A channel's history series, one value per tick. */
export const CHANNEL_SERIES = [
  'publishPerSec',
  'deliveriesPerSec',
  'bytesInPerSec',
  'bytesOutPerSec',
  'subscribers',
] as const;
/** One of {@link CHANNEL_SERIES}. */
export type ChannelSeriesName = (typeof CHANNEL_SERIES)[number];

/** One node's part of a channel. */
export interface ChannelNodeRow {
  readonly nodeId: string;
  readonly publishPerSec: number;
  readonly deliveriesPerSec: number;
  readonly bytesOutPerSec: number;
  readonly subscribers: number;
}

/** A channel's drill-down: its history and where it is published and delivered. */
export interface ChannelDetail {
  readonly time: number;
  readonly name: string;
  /** Null when the channel is not among the hottest now. */
  readonly now: ChannelRow | null;
  /** Kept for the hottest channels only (e.g. the top 200); empty columns otherwise. */
  readonly history: SeriesColumns<ChannelSeriesName>;
  readonly perNode: readonly ChannelNodeRow[];
}

/** The broker seen directly, when the fleet file names it. */
export interface BrokerView {
  readonly time: number;
  readonly configured: boolean;
  /** `redis` is read directly (INFO, PUBSUB NUMSUB); the development `relay` is only checked for reachability. */
  readonly kind: 'redis' | 'relay' | null;
  /** Where it is, without credentials. */
  readonly address: string | null;
  readonly reachable: boolean;
  readonly problem: string | null;
  /**
   * How the fleet's channels map onto the broker's, in a sentence (e.g. one Redis channel
   * `fd:ch:{name}` per channel, one subscription per node), so the counts below can be read.
   */
  readonly mapping: string | null;
  /** From INFO; null when unknown. */
  readonly info: {
    readonly version: string | null;
    readonly connectedClients: number | null;
    readonly usedMemoryBytes: number | null;
    readonly opsPerSec: number | null;
    readonly pubsubChannels: number | null;
    readonly pubsubPatterns: number | null;
  } | null;
  /** PUBSUB NUMSUB for the hottest channels against the agents' subscriber counts. */
  readonly subscribers: readonly {
    readonly channel: string;
    /** Subscribers Redis counts: one per subscribed node connection, not per client. */
    readonly redis: number;
    /** Nodes that report local subscribers of the channel. */
    readonly nodesSubscribed: number;
    /** Clients subscribed, summed over the nodes. */
    readonly agentSubscribers: number;
    /** A sentence when the two disagree; null when they agree. */
    readonly mismatch: string | null;
  }[];
}
