/**
 * The nodes table's columns as data: what each one reads from a {@link NodeView}, how it sorts
 * and how the filter names it. Pure: no React, no DOM, so sorting and filtering are unit-tested.
 */
import { NODE_STATUSES, type NodeStatus, type NodeView } from '../../main/common/models.js';

/** A sortable column, spelt as its cells' `data-column` attribute. */
export const COLUMN_KEYS = [
  'node',
  'state',
  'connections',
  'bandwidth-in',
  'bandwidth-out',
  'messages',
  'loop-p99',
  'cpu',
  'memory',
  'version',
  'uptime',
] as const;
/** One of {@link COLUMN_KEYS}. */
export type ColumnKey = (typeof COLUMN_KEYS)[number];

/** How a column's values compare and how a filter value for it is read. */
export type ColumnKind =
  | 'id'
  | 'state'
  | 'version'
  | 'count'
  | 'rate'
  | 'byte-rate'
  | 'milliseconds'
  | 'share'
  | 'bytes'
  | 'duration';

/** What the table knows about one column. */
export interface ColumnSpec {
  readonly key: ColumnKey;
  /** The header's text, also the column header's accessible name. */
  readonly label: string;
  readonly kind: ColumnKind;
  /** Right-aligned figures. */
  readonly numeric: boolean;
  /** The name the filter language uses first (`connections>100`); the others are aliases. */
  readonly filterNames: readonly [string, ...string[]];
  /** A filter example for the header's tooltip. */
  readonly filterExample: string;
}

/** The columns, in display order. */
export const COLUMNS: readonly ColumnSpec[] = [
  {
    key: 'node',
    label: 'Node',
    kind: 'id',
    numeric: false,
    filterNames: ['id', 'node'],
    filterExample: 'id:node-1',
  },
  {
    key: 'state',
    label: 'State',
    kind: 'state',
    numeric: false,
    filterNames: ['state', 'status'],
    filterExample: 'state:draining',
  },
  {
    key: 'connections',
    label: 'Connections',
    kind: 'count',
    numeric: true,
    filterNames: ['connections', 'conns', 'conn'],
    filterExample: 'connections>100',
  },
  {
    key: 'bandwidth-in',
    label: 'Bandwidth in',
    kind: 'byte-rate',
    numeric: true,
    filterNames: ['in', 'bandwidth-in', 'bytes-in'],
    filterExample: 'in>1MB',
  },
  {
    key: 'bandwidth-out',
    label: 'Bandwidth out',
    kind: 'byte-rate',
    numeric: true,
    filterNames: ['out', 'bandwidth-out', 'bytes-out'],
    filterExample: 'out>10MB',
  },
  {
    key: 'messages',
    label: 'Messages/s',
    kind: 'rate',
    numeric: true,
    filterNames: ['messages', 'msgs', 'msg'],
    filterExample: 'messages>1k',
  },
  {
    key: 'loop-p99',
    label: 'Loop p99',
    kind: 'milliseconds',
    numeric: true,
    filterNames: ['loop', 'loop-p99', 'p99', 'lag'],
    filterExample: 'loop>20',
  },
  { key: 'cpu', label: 'CPU', kind: 'share', numeric: true, filterNames: ['cpu'], filterExample: 'cpu>50%' },
  {
    key: 'memory',
    label: 'Memory',
    kind: 'bytes',
    numeric: true,
    filterNames: ['memory', 'mem', 'rss'],
    filterExample: 'memory>200MB',
  },
  {
    key: 'version',
    label: 'Version',
    kind: 'version',
    numeric: false,
    filterNames: ['version', 'ver'],
    filterExample: 'version:1.2',
  },
  {
    key: 'uptime',
    label: 'Uptime',
    kind: 'duration',
    numeric: true,
    filterNames: ['uptime', 'up'],
    filterExample: 'uptime<10m',
  },
];

const COLUMNS_BY_KEY = new Map(COLUMNS.map((column) => [column.key, column]));

/** The spec of `key`. */
export function columnSpec(key: ColumnKey): ColumnSpec {
  return COLUMNS_BY_KEY.get(key) as ColumnSpec;
}

/** True for a string that names a column, e.g. one read back from storage. */
export function isColumnKey(value: unknown): value is ColumnKey {
  return typeof value === 'string' && (COLUMN_KEYS as readonly string[]).includes(value);
}

// The core keeps an unreachable node's last health and identity; the table does not show them
// as current, like the connections and rates the core clears.
function isLive(node: NodeView): boolean {
  return node.status !== 'unreachable';
}

/** Messages in and out per second, or null before the node has rates. */
export function messagesPerSecond(node: NodeView): number | null {
  return node.rates ? node.rates.messagesInPerSec + node.rates.messagesOutPerSec : null;
}

/** When the node's agent started (epoch ms), or null while unknown or unreachable. */
export function liveStartedAt(node: NodeView): number | null {
  return isLive(node) ? (node.identity?.startedAt ?? null) : null;
}

/** Milliseconds the node's agent has been running at `now`, or null while unknown or unreachable. */
export function uptimeMs(node: NodeView, now: number): number | null {
  const startedAt = liveStartedAt(node);
  return startedAt === null ? null : Math.max(0, now - startedAt);
}

/** The figure a numeric column shows for `node`, or null where there is none. */
export function numericValue(node: NodeView, key: ColumnKey, now: number): number | null {
  const health = isLive(node) ? node.health : null;
  switch (key) {
    case 'connections':
      return node.connections?.open ?? null;
    case 'bandwidth-in':
      return node.rates?.bytesInPerSec ?? null;
    case 'bandwidth-out':
      return node.rates?.bytesOutPerSec ?? null;
    case 'messages':
      return messagesPerSecond(node);
    case 'loop-p99':
      return health?.loopDelayP99Ms ?? null;
    case 'cpu':
      return health?.cpu ?? null;
    case 'memory':
      return health?.rssBytes ?? null;
    case 'uptime':
      return uptimeMs(node, now);
    case 'node':
    case 'state':
    case 'version':
      return null;
  }
}

/** The agent's version, once it said hello. */
export function versionOf(node: NodeView): string | null {
  return node.identity?.version ?? null;
}

/** Lifecycle order: connecting, active, draining, drained, unreachable (descending puts trouble first). */
export function statusRank(status: NodeStatus): number {
  return NODE_STATUSES.indexOf(status);
}
