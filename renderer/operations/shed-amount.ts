/** The amount of a shed as the operator types it: a count of connections or a percent of them. */
import type { ShedAmount } from '../../main/common/models.js';

/** How the amount is given. */
export type ShedMode = 'count' | 'percent';

/** A parsed amount, or why the text is not one. */
export type ShedAmountResult =
  | { readonly ok: true; readonly amount: ShedAmount }
  | { readonly ok: false; readonly message: string };

/**
 * Parses the amount field: a whole count ≥ 1, or a percent above 0 and at most 100 (a trailing
 * "%" is accepted). The same rules as the console's argument check.
 */
export function parseShedAmount(mode: ShedMode, text: string): ShedAmountResult {
  const trimmed = text.trim();
  if (mode === 'count') {
    if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || !Number.isSafeInteger(Number(trimmed))) {
      return { ok: false, message: 'Enter a whole number of connections, 1 or more.' };
    }
    return { ok: true, amount: { count: Number(trimmed) } };
  }
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(trimmed);
  const percent = match ? Number(match[1]) : Number.NaN;
  if (!(percent > 0 && percent <= 100)) {
    return { ok: false, message: 'Enter a percent above 0 and at most 100.' };
  }
  return { ok: true, amount: { percent } };
}

/** Connections a shed would close out of `open`: the count (at most `open`) or round(percent × open). */
export function shedConnections(amount: ShedAmount, open: number): number {
  const wanted = 'count' in amount ? amount.count : Math.round((amount.percent / 100) * open);
  return Math.max(0, Math.min(open, wanted));
}

/** "5 connections" or "10 %", for the confirm button and the activity log. */
export function describeShedAmount(amount: ShedAmount): string {
  if ('count' in amount) return `${amount.count} connection${amount.count === 1 ? '' : 's'}`;
  return `${amount.percent} %`;
}
