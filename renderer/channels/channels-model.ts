/**
 * What the Channels view shows from the latest snapshot and the filter as typed: the rows (the
 * console's answer, narrowed at once by the typed filter while its own answer is on its way),
 * sorted as asked, and the three lines under them that add up: the listed channels, the other
 * channels, all channels. Pure.
 */
import type { ChannelRow, ChannelsSnapshot, ChannelTotals } from '../../main/common/models.js';
import { type ChannelSort, type RankedChannel, rankChannels, sortChannels } from './channel-columns.js';
import { filterChannelRows, parseChannelFilter } from './channel-filter.js';

/** Nothing per second. */
export const ZERO_TOTALS: ChannelTotals = {
  publishPerSec: 0,
  deliveriesPerSec: 0,
  bytesInPerSec: 0,
  bytesOutPerSec: 0,
};

/** The per-second totals of `rows`. */
export function sumChannelRows(rows: readonly ChannelRow[]): ChannelTotals {
  let publishPerSec = 0;
  let deliveriesPerSec = 0;
  let bytesInPerSec = 0;
  let bytesOutPerSec = 0;
  for (const row of rows) {
    publishPerSec += row.publishPerSec;
    deliveriesPerSec += row.deliveriesPerSec;
    bytesInPerSec += row.bytesInPerSec;
    bytesOutPerSec += row.bytesOutPerSec;
  }
  return { publishPerSec, deliveriesPerSec, bytesInPerSec, bytesOutPerSec };
}

/** The table as drawn. */
export interface ChannelsTableModel {
  /** Sorted as asked; ranks are positions in the console's order of the listed rows. */
  readonly rows: readonly RankedChannel[];
  /** The sum of the rows the console listed for the filter it answered. */
  readonly listed: ChannelTotals;
  /** Channels not listed: the rest of the fleet's figures. */
  readonly other: ChannelTotals;
  /** All channels: listed + other. */
  readonly totals: ChannelTotals;
  /** The rows are the typed filter's echo over an answer for another filter. */
  readonly provisional: boolean;
}

/**
 * The model for `snapshot`, answered for `answeredFilter`, while the operator has typed
 * `typedFilter`. When they differ the rows are narrowed locally (a typed filter that widens
 * the answer's cannot be echoed; those rows wait for the console), and the listed line sums
 * the answer as the console counted it, so listed + other = all stays true.
 */
export function channelsTableModel(
  snapshot: ChannelsSnapshot,
  answeredFilter: string,
  typedFilter: string,
  sort: ChannelSort,
): ChannelsTableModel {
  const provisional = answeredFilter.trim() !== typedFilter.trim();
  const shown = provisional
    ? filterChannelRows(snapshot.channels, parseChannelFilter(typedFilter))
    : snapshot.channels;
  return {
    rows: sortChannels(rankChannels(shown), sort),
    listed: sumChannelRows(snapshot.channels),
    other: snapshot.other,
    totals: snapshot.totals,
    provisional,
  };
}
