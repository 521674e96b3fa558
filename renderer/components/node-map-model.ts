/**
 * The node map's logic, framework-free and unit-tested: load shading, alerts per node, what a
 * cell says to a screen reader and shows on hover, and where the arrow keys move in the grid.
 */
import type { Alert, AlertSeverity, NodeView } from '../../main/common/models.js';
import {
  formatBytes,
  formatBytesPerSecond,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  MISSING_VALUE,
} from '../format.js';

/** Most open connections of any node: the reference of the load shading. */
export function busiestOf(nodes: readonly NodeView[]): number {
  let busiest = 0;
  for (const node of nodes) busiest = Math.max(busiest, node.connections?.open ?? 0);
  return busiest;
}

/**
 * Load bucket 0–3 of an active node: its open connections as a share of the busiest node's, in
 * quarters. Other states are drawn by state alone (0).
 */
export function loadLevel(node: NodeView, busiest: number): number {
  const open = node.connections?.open ?? 0;
  if (node.status !== 'active' || busiest <= 0 || open <= 0) return 0;
  return Math.min(3, Math.floor((open / busiest) * 4));
}

/** A node's active alerts, the most severe first. */
export interface NodeAlerts {
  readonly severity: AlertSeverity;
  readonly alerts: readonly Alert[];
}

/** Active alerts grouped by the node they are about; fleet-wide alerts (skew) belong to no cell. */
export function alertsByNode(alerts: readonly Alert[]): ReadonlyMap<string, NodeAlerts> {
  const grouped = new Map<string, Alert[]>();
  for (const alert of alerts) {
    if (alert.nodeId === null || alert.resolvedAt !== null) continue;
    const list = grouped.get(alert.nodeId);
    if (list) list.push(alert);
    else grouped.set(alert.nodeId, [alert]);
  }
  const result = new Map<string, NodeAlerts>();
  for (const [nodeId, list] of grouped) {
    list.sort(
      (left, right) => severityRank(left.severity) - severityRank(right.severity) || left.since - right.since,
    );
    result.set(nodeId, { severity: list[0]?.severity ?? 'warning', alerts: list });
  }
  return result;
}

function severityRank(severity: AlertSeverity): number {
  return severity === 'critical' ? 0 : 1;
}

/** The cell's accessible name: id, state, connections and its alerts, e.g. "node-7: active, 2,013 connections". */
export function cellLabel(node: NodeView, alerts: NodeAlerts | undefined): string {
  const open = node.connections?.open;
  let label = `${node.id}: ${node.status}`;
  if (open !== undefined) label += `, ${formatCount(open)} connection${open === 1 ? '' : 's'}`;
  if (alerts) {
    const count = alerts.alerts.length;
    label += `; ${count} ${alerts.severity} alert${count === 1 ? '' : 's'}: ${alerts.alerts.map((alert) => alert.message).join('; ')}`;
  }
  return label;
}

/** The figures a hovered or focused cell shows, as label and value pairs. */
export function nodeFigures(node: NodeView): ReadonlyArray<readonly [string, string]> {
  const rates = node.rates;
  const health = node.health;
  const messages = rates ? rates.messagesInPerSec + rates.messagesOutPerSec : null;
  return [
    ['Connections', formatCount(node.connections?.open)],
    ['Messages/s', formatRate(messages)],
    [
      'Bandwidth',
      rates
        ? `${formatBytesPerSecond(rates.bytesInPerSec)} in · ${formatBytesPerSecond(rates.bytesOutPerSec)} out`
        : MISSING_VALUE,
    ],
    ['CPU', formatPercent(health?.cpu)],
    ['Loop delay p99', formatMs(health?.loopDelayP99Ms)],
    ['Memory (RSS)', formatBytes(health?.rssBytes)],
  ];
}

/** Keys that move the focus inside the map. */
const MOVES = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End']);

/**
 * The cell the focus moves to from `index` for `key` in a grid of `count` cells laid out in rows
 * of `columns`: arrows by one cell or one row (staying put at an edge), Home and End to the
 * first and last cell. Null for any other key, so the browser handles it.
 */
export function nextCellIndex(index: number, key: string, count: number, columns: number): number | null {
  if (!MOVES.has(key) || count <= 0) return null;
  const current = Math.min(Math.max(index, 0), count - 1);
  const row = Math.max(1, Math.floor(columns));
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, current - 1);
    case 'ArrowRight':
      return Math.min(count - 1, current + 1);
    case 'ArrowUp':
      return current - row >= 0 ? current - row : current;
    case 'ArrowDown':
      return current + row < count ? current + row : current;
    case 'Home':
      return 0;
    default:
      return count - 1;
  }
}

/** Tracks in a computed `grid-template-columns` ("12px 12px …"): the map's cells per row. */
export function columnsOfTemplate(template: string): number {
  const tracks = template
    .trim()
    .split(/\s+/)
    .filter((track) => track !== '' && track !== 'none');
  return Math.max(1, tracks.length);
}
