/** A channel's drill-down: history columns as chart points, and the per-node rows in order. Pure. */
import type { ChannelNodeRow, ChannelSeriesName, SeriesColumns } from '../../main/common/models.js';

/** One moment of a channel's history, as the charts read it; nulls are gaps. */
export type ChannelPoint = { readonly time: number } & { readonly [N in ChannelSeriesName]: number | null };

/** The history's columns as points, oldest first; a value missing from a short column is null. */
export function channelPoints(history: SeriesColumns<ChannelSeriesName>): ChannelPoint[] {
  const { times, series } = history;
  return times.map((time, index) => ({
    time,
    publishPerSec: series.publishPerSec[index] ?? null,
    deliveriesPerSec: series.deliveriesPerSec[index] ?? null,
    bytesInPerSec: series.bytesInPerSec[index] ?? null,
    bytesOutPerSec: series.bytesOutPerSec[index] ?? null,
    subscribers: series.subscribers[index] ?? null,
  }));
}

const idCollator = new Intl.Collator('en', { numeric: true });

/**
 * The nodes busiest with the channel first (publish + deliveries per second), then those with
 * subscribers, then by natural id (node-2 before node-10), so rows hold still between polls.
 */
export function sortNodeRows(rows: readonly ChannelNodeRow[]): ChannelNodeRow[] {
  const activity = (row: ChannelNodeRow) => row.publishPerSec + row.deliveriesPerSec;
  return [...rows].sort(
    (left, right) =>
      activity(right) - activity(left) ||
      right.subscribers - left.subscribers ||
      idCollator.compare(left.nodeId, right.nodeId),
  );
}

/** The per-node rows summed, for the table's total line. */
export function sumNodeRows(rows: readonly ChannelNodeRow[]): Omit<ChannelNodeRow, 'nodeId'> {
  let publishPerSec = 0;
  let deliveriesPerSec = 0;
  let bytesOutPerSec = 0;
  let subscribers = 0;
  for (const row of rows) {
    publishPerSec += row.publishPerSec;
    deliveriesPerSec += row.deliveriesPerSec;
    bytesOutPerSec += row.bytesOutPerSec;
    subscribers += row.subscribers;
  }
  return { publishPerSec, deliveriesPerSec, bytesOutPerSec, subscribers };
}

/** What a node does with the channel, in words: 'publishes and delivers', 'delivers', 'subscribed only'. */
export function nodeRole(row: ChannelNodeRow): string {
  const publishes = row.publishPerSec > 0;
  const delivers = row.deliveriesPerSec > 0;
  if (publishes && delivers) return 'publishes and delivers';
  if (publishes) return 'publishes';
  if (delivers) return 'delivers';
  return row.subscribers > 0 ? 'subscribed, quiet' : 'quiet';
}
