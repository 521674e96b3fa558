/**
 * Minimal checks on what the web-mode server sends. It is our own server, so these guard
 * against bugs and version skew, not attackers: they check what the renderer reads and never
 * throw on garbage.
 */
import type { WebServerMessage } from '../../main/common/console-api.js';
import type {
  ActivityPage,
  Alert,
  AlertsDelta,
  AlertsSnapshot,
  BalancerView,
  BrokerView,
  ChannelDetail,
  ChannelsSnapshot,
  FleetDelta,
  FleetEntry,
  FleetHistoryChunk,
  FleetList,
  FleetSnapshot,
  FleetTotals,
  HistoryResult,
  MovePreview,
  NodeDetail,
  NodeStatus,
  NodeView,
  OperationRecord,
  OperationsSnapshot,
  RollPlan,
  Sparklines,
} from '../../main/common/models.js';
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  CHANNEL_SERIES,
  FLEET_SERIES,
  FLEET_SOURCES,
  NODE_SERIES,
  NODE_STATUSES,
  OPERATION_ACTIONS,
  OPERATION_OUTCOMES,
  ROLL_PHASES,
  ROLL_STATES,
} from '../../main/common/models.js';

/** A parsed message, or why the text was not one. */
export type ParseResult =
  | { readonly ok: true; readonly message: WebServerMessage }
  | { readonly ok: false; readonly problem: string };

type UnknownRecord = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is UnknownRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isNodeStatus(value: unknown): value is NodeStatus {
  return typeof value === 'string' && (NODE_STATUSES as readonly string[]).includes(value);
}

function isNullOr<T>(value: unknown, guard: (value: unknown) => value is T): value is T | null {
  return value === null || guard(value);
}

function isConnections(value: unknown): value is NonNullable<NodeView['connections']> {
  return isRecord(value) && isFiniteNumber(value.open);
}

function isRates(value: unknown): value is NonNullable<NodeView['rates']> {
  return (
    isRecord(value) &&
    isFiniteNumber(value.bytesInPerSec) &&
    isFiniteNumber(value.bytesOutPerSec) &&
    isFiniteNumber(value.messagesInPerSec) &&
    isFiniteNumber(value.messagesOutPerSec)
  );
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** True when `value` carries the NodeView fields the renderer reads. */
export function isNodeView(value: unknown): value is NodeView {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    isNodeStatus(value.status) &&
    isNullOr(value.connections, isConnections) &&
    isNullOr(value.rates, isRates) &&
    isNullOr(value.problem, isString)
  );
}

function isNodeList(value: unknown): value is readonly NodeView[] {
  return Array.isArray(value) && value.every(isNodeView);
}

/** True when `value` looks like a {@link FleetSnapshot}. */
export function isFleetSnapshot(value: unknown): value is FleetSnapshot {
  return (
    isRecord(value) &&
    typeof value.fleetName === 'string' &&
    isFiniteNumber(value.version) &&
    isFiniteNumber(value.time) &&
    isNodeList(value.nodes)
  );
}

/** True when `value` looks like a {@link FleetDelta}. */
export function isFleetDelta(value: unknown): value is FleetDelta {
  return (
    isRecord(value) &&
    typeof value.fleetName === 'string' &&
    isFiniteNumber(value.version) &&
    isFiniteNumber(value.time) &&
    typeof value.reset === 'boolean' &&
    isNodeList(value.upserted) &&
    Array.isArray(value.removed) &&
    value.removed.every(isString)
  );
}

function isOneOf<T extends string>(values: readonly T[]) {
  return (value: unknown): value is T =>
    typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isNumberRecord(value: unknown, keys: readonly string[]): boolean {
  return isRecord(value) && keys.every((key) => isFiniteNumber(value[key]));
}

function isNullableNumber(value: unknown): value is number | null {
  return value === null || isFiniteNumber(value);
}

/** True when `value` looks like {@link FleetTotals}: the figures the overview reads. */
export function isFleetTotals(value: unknown): value is FleetTotals {
  return (
    isNumberRecord(value, [
      'time',
      'connectionsOpen',
      'bytesInPerSec',
      'bytesOutPerSec',
      'messagesPerSec',
      'abnormalClosesPerSec',
    ]) &&
    isRecord(value) &&
    isNumberRecord(value.nodesByStatus, NODE_STATUSES) &&
    isRecord(value.openByTransport) &&
    isRecord(value.balance) &&
    isNullableNumber(value.balance.maxOverMean) &&
    isNullableNumber(value.balance.cv) &&
    isFiniteNumber(value.balance.mean) &&
    isFiniteNumber(value.balance.max) &&
    isString(value.balance.explanation)
  );
}

function isColumns(value: unknown, names: readonly string[]): boolean {
  if (!isRecord(value) || !Array.isArray(value.times) || !value.times.every(isFiniteNumber)) return false;
  const length = value.times.length;
  const { series } = value;
  return (
    isRecord(series) &&
    names.every((name) => {
      const column = series[name];
      return Array.isArray(column) && column.length === length && column.every(isNullableNumber);
    })
  );
}

/** True when `value` looks like a {@link FleetHistoryChunk}: aligned columns of every fleet series. */
export function isFleetHistoryChunk(value: unknown): value is FleetHistoryChunk {
  return isColumns(value, FLEET_SERIES);
}

/** True when `value` looks like a {@link HistoryResult} of either kind. */
export function isHistoryResult(value: unknown): value is HistoryResult {
  if (!isRecord(value) || !isFiniteNumber(value.resolutionMs) || !isFiniteNumber(value.windowMs))
    return false;
  if (value.kind === 'fleet') return isColumns(value, FLEET_SERIES);
  return value.kind === 'node' && isString(value.nodeId) && isColumns(value, NODE_SERIES);
}

/** True when `value` looks like an {@link Alert}. */
export function isAlert(value: unknown): value is Alert {
  return (
    isRecord(value) &&
    isString(value.id) &&
    isOneOf(ALERT_KINDS)(value.kind) &&
    isOneOf(ALERT_SEVERITIES)(value.severity) &&
    isNullOr(value.nodeId, isString) &&
    isString(value.message) &&
    isFiniteNumber(value.since) &&
    isNullableNumber(value.resolvedAt)
  );
}

function isAlertList(value: unknown): value is readonly Alert[] {
  return Array.isArray(value) && value.every(isAlert);
}

/** True when `value` looks like an {@link AlertsDelta}. */
export function isAlertsDelta(value: unknown): value is AlertsDelta {
  return (
    isRecord(value) &&
    isAlertList(value.upserted) &&
    isAlertList(value.resolved) &&
    isFiniteNumber(value.activeCount)
  );
}

/** True when `value` looks like an {@link AlertsSnapshot}. */
export function isAlertsSnapshot(value: unknown): value is AlertsSnapshot {
  return (
    isRecord(value) &&
    isFiniteNumber(value.time) &&
    isAlertList(value.active) &&
    isAlertList(value.recent) &&
    isRecord(value.thresholds)
  );
}

function isChannelFigures(value: unknown): boolean {
  return (
    isRecord(value) &&
    isString(value.name) &&
    isNumberRecord(value, ['published', 'delivered', 'bytesIn', 'bytesOut', 'subscribers'])
  );
}

/** True when `value` looks like a {@link NodeDetail}. */
export function isNodeDetail(value: unknown): value is NodeDetail {
  return (
    isRecord(value) &&
    isFiniteNumber(value.time) &&
    isNodeView(value.view) &&
    isRecord(value.closeCodes) &&
    Object.values(value.closeCodes).every(isFiniteNumber) &&
    Array.isArray(value.topChannels) &&
    value.topChannels.every(isChannelFigures) &&
    isNullableNumber(value.channelsIntervalMs) &&
    isNullableNumber(value.subscribedChannels) &&
    isNullableNumber(value.subscribers)
  );
}

/** True when `value` looks like {@link Sparklines}: every node's values aligned with `times`. */
export function isSparklines(value: unknown): value is Sparklines {
  if (!isRecord(value) || !isOneOf(NODE_SERIES)(value.series)) return false;
  const { times, byNode } = value;
  if (!Array.isArray(times) || !times.every(isFiniteNumber) || !isRecord(byNode)) return false;
  return Object.values(byNode).every(
    (values) => Array.isArray(values) && values.length === times.length && values.every(isNullableNumber),
  );
}

/** True when `value` looks like a {@link FleetEntry}. */
export function isFleetEntry(value: unknown): value is FleetEntry {
  return (
    isRecord(value) &&
    isString(value.path) &&
    isString(value.name) &&
    isNullableNumber(value.nodeCount) &&
    isOneOf(FLEET_SOURCES)(value.source) &&
    isNullableNumber(value.lastOpenedAt) &&
    isNullOr(value.problem, isString)
  );
}

/** True when `value` looks like a {@link FleetList}. */
export function isFleetList(value: unknown): value is FleetList {
  return (
    isRecord(value) &&
    isNullOr(value.current, isFleetEntry) &&
    Array.isArray(value.recent) &&
    value.recent.every(isFleetEntry) &&
    Array.isArray(value.discovered) &&
    value.discovered.every(isFleetEntry)
  );
}

/**
 * The delta with malformed health fields dropped: a bad `totals`, `history` or `alerts` must
 * not cost the nodes their update, so each becomes "absent" on its own.
 */
export function withValidHealthFields(delta: FleetDelta): FleetDelta {
  const { totals, history, alerts, ...rest } = delta;
  return {
    ...rest,
    totals: isFleetTotals(totals) ? totals : null,
    history: isFleetHistoryChunk(history) ? history : null,
    ...(isAlertsDelta(alerts) ? { alerts } : {}),
  };
}

/** Parses one text frame from the web-mode server. */
export function parseWebServerMessage(text: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (!isRecord(data)) return { ok: false, problem: 'not an object' };
  if (data.type === 'response') {
    const { id } = data;
    if (!isFiniteNumber(id)) return { ok: false, problem: 'response without a numeric id' };
    if (data.ok === true)
      return { ok: true, message: { type: 'response', id, ok: true, result: data.result } };
    if (data.ok === false && typeof data.error === 'string') {
      return { ok: true, message: { type: 'response', id, ok: false, error: data.error } };
    }
    return { ok: false, problem: `response ${id} has neither a result nor an error string` };
  }
  if (data.type === 'event') {
    if (data.name !== 'fleetDelta') return { ok: false, problem: `unknown event ${String(data.name)}` };
    if (!isFleetDelta(data.payload)) return { ok: false, problem: 'malformed fleetDelta payload' };
    return {
      ok: true,
      message: { type: 'event', name: 'fleetDelta', payload: withValidHealthFields(data.payload) },
    };
  }
  return { ok: false, problem: `unknown message type ${String(data.type)}` };
}

/** True when `value` looks like an {@link OperationRecord}. */
export function isOperationRecord(value: unknown): value is OperationRecord {
  return (
    isRecord(value) &&
    isString(value.id) &&
    isOneOf(OPERATION_ACTIONS)(value.action) &&
    isNullOr(value.nodeId, isString) &&
    isRecord(value.args) &&
    isString(value.user) &&
    isFiniteNumber(value.startedAt) &&
    isNullableNumber(value.endedAt) &&
    isOneOf(OPERATION_OUTCOMES)(value.outcome) &&
    isNullOr(value.message, isString)
  );
}

/** True when `value` looks like a {@link MovePreview}. */
export function isMovePreview(value: unknown): value is MovePreview {
  return (
    isRecord(value) &&
    (value.kind === 'drain' || value.kind === 'shed') &&
    isString(value.nodeId) &&
    isNumberRecord(value, ['connections', 'deadlineMs', 'closesPerSec']) &&
    Array.isArray(value.targets) &&
    value.targets.every(
      (target) =>
        isRecord(target) &&
        isString(target.nodeId) &&
        isNumberRecord(target, ['connectionsNow', 'connectionsAfter']),
    ) &&
    Array.isArray(value.warnings) &&
    value.warnings.every(isString) &&
    isRecord(value.limits)
  );
}

/** True when `value` looks like a {@link RollPlan}. */
export function isRollPlan(value: unknown): value is RollPlan {
  return (
    isRecord(value) &&
    isString(value.id) &&
    isOneOf(ROLL_STATES)(value.state) &&
    isNumberRecord(value, ['concurrency', 'deadlineMs', 'minActive', 'startedAt']) &&
    Array.isArray(value.steps) &&
    value.steps.every((step) => isRecord(step) && isString(step.nodeId) && isOneOf(ROLL_PHASES)(step.phase))
  );
}

/** True when `value` looks like an {@link OperationsSnapshot}. */
export function isOperationsSnapshot(value: unknown): value is OperationsSnapshot {
  return (
    isRecord(value) &&
    isFiniteNumber(value.time) &&
    Array.isArray(value.running) &&
    value.running.every(isOperationRecord) &&
    isNullOr(value.roll, isRollPlan) &&
    (value.provisioner === null || isRecord(value.provisioner)) &&
    typeof value.balancer === 'boolean' &&
    isRecord(value.limits)
  );
}

/** True when `value` looks like an {@link ActivityPage}. */
export function isActivityPage(value: unknown): value is ActivityPage {
  return (
    isRecord(value) &&
    Array.isArray(value.entries) &&
    value.entries.every(isOperationRecord) &&
    isNullOr(value.path, isString)
  );
}

/** True when `value` looks like a {@link BalancerView}. */
export function isBalancerView(value: unknown): value is BalancerView {
  return (
    isRecord(value) &&
    isFiniteNumber(value.time) &&
    typeof value.configured === 'boolean' &&
    typeof value.reachable === 'boolean' &&
    isNullOr(value.problem, isString) &&
    Array.isArray(value.servers) &&
    value.servers.every(
      (server) =>
        isRecord(server) &&
        isString(server.name) &&
        isNullOr(server.nodeId, isString) &&
        isString(server.state) &&
        isNumberRecord(server, ['sessions', 'weight']),
    ) &&
    Array.isArray(value.mismatches)
  );
}

function isChannelRow(value: unknown): boolean {
  return (
    isRecord(value) &&
    isString(value.name) &&
    isNumberRecord(value, [
      'publishPerSec',
      'deliveriesPerSec',
      'bytesInPerSec',
      'bytesOutPerSec',
      'subscribers',
      'nodes',
      'shareOfBytesOut',
    ]) &&
    isNullableNumber(value.fanOut) &&
    isNullableNumber(value.risingFactor) &&
    isFiniteNumber(value.errorPerSec) &&
    Array.isArray(value.recent) &&
    value.recent.every(isNullableNumber)
  );
}

const CHANNEL_TOTAL_KEYS = ['publishPerSec', 'deliveriesPerSec', 'bytesInPerSec', 'bytesOutPerSec'];

/** True when `value` looks like a {@link ChannelsSnapshot}. */
export function isChannelsSnapshot(value: unknown): value is ChannelsSnapshot {
  return (
    isRecord(value) &&
    isFiniteNumber(value.time) &&
    Array.isArray(value.channels) &&
    value.channels.every(isChannelRow) &&
    isNumberRecord(value.other, CHANNEL_TOTAL_KEYS) &&
    isNumberRecord(value.totals, CHANNEL_TOTAL_KEYS) &&
    isNumberRecord(value, [
      'trackedChannels',
      'matchedChannels',
      'nodesReporting',
      'windowS',
      'risingThreshold',
      'risingFloorPerSec',
    ])
  );
}

/** True when `value` looks like a {@link ChannelDetail}. */
export function isChannelDetail(value: unknown): value is ChannelDetail {
  return (
    isRecord(value) &&
    isFiniteNumber(value.time) &&
    isString(value.name) &&
    (value.now === null || isChannelRow(value.now)) &&
    isColumns(value.history, CHANNEL_SERIES) &&
    Array.isArray(value.perNode) &&
    value.perNode.every((row) => isRecord(row) && isString(row.nodeId))
  );
}

/** True when `value` looks like a {@link BrokerView}. */
export function isBrokerView(value: unknown): value is BrokerView {
  return (
    isRecord(value) &&
    isFiniteNumber(value.time) &&
    typeof value.configured === 'boolean' &&
    typeof value.reachable === 'boolean' &&
    isNullOr(value.problem, isString) &&
    isNullOr(value.mapping, isString) &&
    (value.info === null || isRecord(value.info)) &&
    Array.isArray(value.subscribers) &&
    value.subscribers.every(
      (row) =>
        isRecord(row) &&
        isString(row.channel) &&
        isNumberRecord(row, ['redis', 'nodesSubscribed', 'agentSubscribers']) &&
        isNullOr(row.mismatch, isString),
    )
  );
}
