/** Channel rows for the channels view's unit tests. */
import type { ChannelRow, ChannelsSnapshot, ChannelTotals } from '../../../main/common/models.js';

/** A row named `name`, quiet unless `fields` say otherwise. */
export function channel(name: string, fields: Partial<Omit<ChannelRow, 'name'>> = {}): ChannelRow {
  return {
    name,
    publishPerSec: 0,
    deliveriesPerSec: 0,
    bytesInPerSec: 0,
    bytesOutPerSec: 0,
    subscribers: 0,
    fanOut: null,
    nodes: 1,
    shareOfBytesOut: 0,
    risingFactor: null,
    errorPerSec: 0,
    recent: [],
    ...fields,
  };
}

/** Per-second totals. */
export function totals(
  publishPerSec: number,
  deliveriesPerSec: number,
  bytesInPerSec: number,
  bytesOutPerSec: number,
): ChannelTotals {
  return { publishPerSec, deliveriesPerSec, bytesInPerSec, bytesOutPerSec };
}

/** A snapshot of `rows` whose totals are `all` (other = all − rows, never negative). */
export function snapshot(
  rows: readonly ChannelRow[],
  all: ChannelTotals,
  time = 1_000_000,
): ChannelsSnapshot {
  const sum = (pick: (row: ChannelRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return {
    time,
    channels: rows,
    other: {
      publishPerSec: Math.max(0, all.publishPerSec - sum((row) => row.publishPerSec)),
      deliveriesPerSec: Math.max(0, all.deliveriesPerSec - sum((row) => row.deliveriesPerSec)),
      bytesInPerSec: Math.max(0, all.bytesInPerSec - sum((row) => row.bytesInPerSec)),
      bytesOutPerSec: Math.max(0, all.bytesOutPerSec - sum((row) => row.bytesOutPerSec)),
    },
    totals: all,
    trackedChannels: rows.length,
    matchedChannels: rows.length,
    nodesReporting: 3,
    windowS: 1,
    risingThreshold: 3,
    risingFloorPerSec: 1,
  };
}

/** The names of ranked rows, in order. */
export function names(entries: readonly { readonly row: ChannelRow }[]): string[] {
  return entries.map((entry) => entry.row.name);
}
