/**
 * The channels table's columns and their order: what each figure is, how it sorts, which way a
 * first click sorts it. Pure, so the ranking rules are unit-tested without a DOM.
 */
import type { ChannelRow, ChannelSortKey } from '../../main/common/models.js';

/** A column of the channels table. */
export type ChannelColumnKey =
  | 'rank'
  | 'name'
  | 'publish'
  | 'deliveries'
  | 'bytes-in'
  | 'bytes-out'
  | 'share'
  | 'subscribers'
  | 'fan-out'
  | 'nodes'
  | 'rising';

/** What the table needs to know about a column. */
export interface ChannelColumn {
  readonly key: ChannelColumnKey;
  readonly label: string;
  /** Right-aligned figures, sorted busiest first on the first click. */
  readonly numeric: boolean;
  /** What the figure is, for the header's tooltip. */
  readonly description: string;
}

/** The columns in display order (the sparkline is drawn beside them, not sorted). */
export const CHANNEL_COLUMNS: readonly ChannelColumn[] = [
  {
    key: 'rank',
    label: '#',
    numeric: true,
    description: 'Rank in the console’s answer: by the sorted figure, or by publish + deliveries per second',
  },
  { key: 'name', label: 'Channel', numeric: false, description: 'Channel name' },
  { key: 'publish', label: 'Publish/s', numeric: true, description: 'Messages published per second' },
  {
    key: 'deliveries',
    label: 'Deliveries/s',
    numeric: true,
    description: 'Messages delivered to subscribers per second',
  },
  { key: 'bytes-in', label: 'Bytes in/s', numeric: true, description: 'Bytes published per second' },
  { key: 'bytes-out', label: 'Bytes out/s', numeric: true, description: 'Bytes delivered per second' },
  {
    key: 'share',
    label: 'Share of out',
    numeric: true,
    description: 'Share of the fleet’s outbound channel bandwidth',
  },
  {
    key: 'subscribers',
    label: 'Subscribers',
    numeric: true,
    description: 'Subscribers, summed over the nodes',
  },
  { key: 'fan-out', label: 'Fan-out', numeric: true, description: 'Deliveries per publish' },
  { key: 'nodes', label: 'Nodes', numeric: true, description: 'Nodes that report the channel' },
  {
    key: 'rising',
    label: 'Rising',
    numeric: true,
    description: 'How many times its rate grew over the last minute, when that passed the threshold',
  },
];

/** A row with its rank in the console's order (1 = hottest). */
export interface RankedChannel {
  readonly rank: number;
  readonly row: ChannelRow;
}

/** Rows numbered in the order the console ranked them. */
export function rankChannels(rows: readonly ChannelRow[]): RankedChannel[] {
  return rows.map((row, index) => ({ rank: index + 1, row }));
}

/** The figure a numeric column sorts by; null when the channel has none (no fan-out, not rising). */
export function channelFigure(entry: RankedChannel, key: Exclude<ChannelColumnKey, 'name'>): number | null {
  const { row } = entry;
  switch (key) {
    case 'rank':
      return entry.rank;
    case 'publish':
      return row.publishPerSec;
    case 'deliveries':
      return row.deliveriesPerSec;
    case 'bytes-in':
      return row.bytesInPerSec;
    case 'bytes-out':
      return row.bytesOutPerSec;
    case 'share':
      return row.shareOfBytesOut;
    case 'subscribers':
      return row.subscribers;
    case 'fan-out':
      return row.fanOut;
    case 'nodes':
      return row.nodes;
    case 'rising':
      return row.risingFactor;
  }
}

/** Which way a column sorts; the values are those of `aria-sort`. */
export type ChannelSortDirection = 'ascending' | 'descending';

/** The table's order. */
export interface ChannelSort {
  readonly column: ChannelColumnKey;
  readonly direction: ChannelSortDirection;
}

/** The console's own ranking: hottest first. */
export const DEFAULT_CHANNEL_SORT: ChannelSort = { column: 'rank', direction: 'ascending' };

/**
 * The order after a click on `column`'s header: the same column flips; a figure starts with the
 * biggest (what an operator hunts for), the rank and the name start from the top (1, a).
 */
export function nextChannelSort(current: ChannelSort, column: ChannelColumnKey): ChannelSort {
  if (current.column === column) {
    return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  const startsAscending = column === 'rank' || column === 'name';
  return { column, direction: startsAscending ? 'ascending' : 'descending' };
}

const nameCollator = new Intl.Collator('en', { numeric: true });

/**
 * A sorted copy. Channels without the figure go last either way; ties keep the console's rank,
 * so the order is total and rows do not shuffle between polls when figures are equal.
 */
export function sortChannels(entries: readonly RankedChannel[], sort: ChannelSort): RankedChannel[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const sorted = [...entries];
  if (sort.column === 'name') {
    sorted.sort(
      (left, right) => sign * nameCollator.compare(left.row.name, right.row.name) || left.rank - right.rank,
    );
    return sorted;
  }
  const key = sort.column;
  sorted.sort((left, right) => {
    const a = channelFigure(left, key);
    const b = channelFigure(right, key);
    if (a === null || b === null) {
      if (a !== b) return a === null ? 1 : -1;
    } else if (a !== b) {
      return sign * (a - b);
    }
    return left.rank - right.rank;
  });
  return sorted;
}

/**
 * The figure the console ranks its answer by for a sorted column, so sorting by bytes out lists
 * the fleet's top channels by bytes out, not the busiest channels reordered. Columns the console
 * does not rank by (name, nodes, rising) sort the busiest channels by publish + deliveries.
 */
export function consoleSortFor(column: ChannelColumnKey): ChannelSortKey {
  switch (column) {
    case 'publish':
      return 'publishPerSec';
    case 'deliveries':
      return 'deliveriesPerSec';
    case 'bytes-in':
      return 'bytesInPerSec';
    case 'bytes-out':
    case 'share':
      return 'bytesOutPerSec';
    case 'subscribers':
      return 'subscribers';
    case 'fan-out':
      return 'fanOut';
    case 'rank':
    case 'name':
    case 'nodes':
    case 'rising':
      return 'activity';
  }
}
