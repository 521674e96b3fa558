/**
 * The last minute of each listed channel's publish + deliveries per second, for the table's
 * sparklines. The console sends it for the channels its history keeps (`ChannelRow.recent`);
 * for the others (further down a 500-row list) the view gathers it from its own polls, one
 * value per new console tick. Bounded: only the channels in the latest answer are kept, each to
 * {@link RECENT_POINTS} values. Pure.
 */
import { CHANNEL_RECENT_POINTS, type ChannelRow } from '../../main/common/models.js';

/** Values a sparkline holds: one minute at one per second. */
export const RECENT_POINTS = CHANNEL_RECENT_POINTS;

/** Channel name → its newest values, oldest first; nulls are seconds no poll saw. */
export interface RecentActivity {
  /** The console time of the newest values (the snapshot's), null before the first. */
  readonly time: number | null;
  readonly values: ReadonlyMap<string, readonly (number | null)[]>;
}

/** Nothing gathered yet. */
export const NO_RECENT_ACTIVITY: RecentActivity = { time: null, values: new Map() };

/** The figure a channel's sparkline draws. */
export function activityOf(row: Pick<ChannelRow, 'publishPerSec' | 'deliveriesPerSec'>): number {
  return row.publishPerSec + row.deliveriesPerSec;
}

/** The line a row's sparkline draws: the console's when it sent one, else the one gathered. */
export function recentLine(
  row: Pick<ChannelRow, 'name' | 'recent'>,
  gathered: RecentActivity,
): readonly (number | null)[] | undefined {
  return row.recent.length > 0 ? row.recent : gathered.values.get(row.name);
}

/**
 * `previous` with the snapshot at `time` added: one value per row, after as many gaps as whole
 * seconds went unseen (a missed poll shows as a gap, not as a steep line). A snapshot not newer
 * than the last one changes nothing; channels no longer listed are dropped.
 */
export function appendRecent(
  previous: RecentActivity,
  rows: readonly ChannelRow[],
  time: number,
  points: number = RECENT_POINTS,
): RecentActivity {
  if (previous.time !== null && time <= previous.time) return previous;
  // Seconds skipped since the last snapshot (0 when polls kept pace), at most a full line.
  const skipped =
    previous.time === null ? 0 : Math.min(points, Math.max(0, Math.round((time - previous.time) / 1000) - 1));
  const values = new Map<string, readonly (number | null)[]>();
  for (const row of rows) {
    const held = previous.values.get(row.name);
    const line: (number | null)[] = held === undefined ? [] : [...held];
    if (held !== undefined) for (let gap = 0; gap < skipped; gap++) line.push(null);
    line.push(activityOf(row));
    values.set(row.name, line.length > points ? line.slice(line.length - points) : line);
  }
  return { time, values };
}
