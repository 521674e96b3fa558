/** Words and figures the channel views print. Pure. */
import type { ChannelRow } from '../../main/common/models.js';
import { formatCount, formatRate } from '../format.js';

/** A growth factor: '×3.2', '×14', '×1.2k'. */
export function formatFactor(factor: number): string {
  return `×${formatRate(factor)}`;
}

/** The rising marker's text, or null for a channel that is not rising: 'rising ×3.2'. */
export function risingLabel(row: Pick<ChannelRow, 'risingFactor'>): string | null {
  return row.risingFactor === null ? null : `rising ${formatFactor(row.risingFactor)}`;
}

/** What the marker's tooltip explains; the console's rule when known. */
export function risingDescription(
  factor: number,
  rule: { readonly threshold: number; readonly floorPerSec: number } | null,
): string {
  const marked =
    rule === null
      ? ''
      : ` (marked from ${formatFactor(rule.threshold)} and ${formatRate(rule.threshold * rule.floorPerSec)}/s)`;
  return `Publish + deliveries per second are ${formatFactor(factor)} what they were a minute ago${marked}`;
}

/** `count` and the noun, singular for one: '1 node', '3 nodes'. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${formatCount(count)} ${count === 1 ? noun : nouns}`;
}

/**
 * The table's count: 'Hottest 500 of 12,345 tracked channels', '23 of 23 channels matching
 * “chat:*”' (the console lists at most `top` rows of the `matched`).
 */
export function channelCountText(
  shown: number,
  matched: number,
  tracked: number,
  filterText: string,
): string {
  if (filterText !== '') {
    const ofTracked = `, ${formatCount(tracked)} tracked`;
    return `${formatCount(shown)} of ${plural(matched, 'channel')} matching “${filterText}”${ofTracked}`;
  }
  if (shown >= tracked) return `${plural(tracked, 'tracked channel')}, hottest first`;
  return `Hottest ${formatCount(shown)} of ${plural(tracked, 'tracked channel')}`;
}

/** How far the sketches may have undercounted the row, when it matters: null below 5 % of the figure. */
export function errorNote(
  row: Pick<ChannelRow, 'errorPerSec' | 'publishPerSec' | 'deliveriesPerSec'>,
): string | null {
  const activity = row.publishPerSec + row.deliveriesPerSec;
  if (row.errorPerSec <= 0 || row.errorPerSec < activity * 0.05) return null;
  return `Publish + deliveries may be missing up to ${formatRate(row.errorPerSec)}/s (counted by the nodes’ top-K sketches from when they tracked it)`;
}
