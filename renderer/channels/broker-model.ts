/** The broker panel's reading of a {@link BrokerView}: its headline and the cross-check in order. Pure. */
import type { BrokerView } from '../../main/common/models.js';
import { plural } from './channel-format.js';

/** One line of the NUMSUB cross-check. */
export type BrokerSubscriberRow = BrokerView['subscribers'][number];

/** The broker's state in one word, for the tab and the panel's badge. */
export type BrokerTone = 'unconfigured' | 'ok' | 'warning' | 'error';

/** A headline: how the broker is, in words, and the tone that colours it. */
export interface BrokerHeadline {
  readonly tone: BrokerTone;
  readonly text: string;
}

/** How the broker is: not configured, unreachable, disagreeing with the agents, or fine. */
export function brokerHeadline(view: BrokerView): BrokerHeadline {
  if (!view.configured) return { tone: 'unconfigured', text: 'No broker configured' };
  if (!view.reachable) return { tone: 'error', text: 'Unreachable' };
  const mismatches = view.subscribers.filter((row) => row.mismatch !== null).length;
  if (mismatches > 0) {
    return { tone: 'warning', text: `${plural(mismatches, 'disagreement')} with the agents` };
  }
  return { tone: 'ok', text: 'Reachable, agrees with the agents' };
}

/** The cross-check rows with disagreements first, otherwise in the console's order (hottest first). */
export function brokerRows(view: BrokerView): BrokerSubscriberRow[] {
  const indexed = view.subscribers.map((row, index) => ({ row, index }));
  indexed.sort(
    (left, right) =>
      Number(right.row.mismatch !== null) - Number(left.row.mismatch !== null) || left.index - right.index,
  );
  return indexed.map((entry) => entry.row);
}
