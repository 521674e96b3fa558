/**
 * The channels filter, read as the console reads it (main/common/channel-glob.ts): plain text
 * selects the names that contain it; text with `*` (any run, also none) or `?` (one character)
 * is a glob over the whole name, as Redis's PSUBSCRIBE reads it (`chat:*`, `*lobby*`). Both are
 * case-sensitive, like channel names. The console filters before ranking; the view applies the
 * same rule to the rows it holds while the filtered answer is on its way, so typing narrows the
 * table at once. Pure.
 */
import { globMatches } from '../../main/common/channel-glob.js';

export { globMatches };

/** A parsed filter. */
export type ChannelFilter =
  | { readonly kind: 'all' }
  | { readonly kind: 'contains'; readonly text: string }
  | { readonly kind: 'glob'; readonly text: string };

/** Every channel. */
export const ALL_CHANNELS: ChannelFilter = { kind: 'all' };

/** The filter `text` means; surrounding spaces are ignored. */
export function parseChannelFilter(text: string): ChannelFilter {
  const trimmed = text.trim();
  if (trimmed === '') return ALL_CHANNELS;
  if (!/[*?]/.test(trimmed)) return { kind: 'contains', text: trimmed };
  // Runs of `*` mean what one does.
  return { kind: 'glob', text: trimmed.replace(/\*+/g, '*') };
}

/** Whether channel `name` passes `filter`. */
export function matchesChannelFilter(filter: ChannelFilter, name: string): boolean {
  switch (filter.kind) {
    case 'all':
      return true;
    case 'contains':
      return name.includes(filter.text);
    case 'glob':
      return globMatches(filter.text, name);
  }
}

/** The rows of `rows` that pass `filter`; the same array when every row passes. */
export function filterChannelRows<T extends { readonly name: string }>(
  rows: readonly T[],
  filter: ChannelFilter,
): readonly T[] {
  if (filter.kind === 'all') return rows;
  const kept = rows.filter((row) => matchesChannelFilter(filter, row.name));
  return kept.length === rows.length ? rows : kept;
}

/** How the filter reads in a sentence: 'a name containing “lobby”', 'a name matching “chat:*”'. */
export function describeChannelFilter(filter: ChannelFilter): string {
  switch (filter.kind) {
    case 'all':
      return 'any name';
    case 'contains':
      return `a name containing “${filter.text}”`;
    case 'glob':
      return `a name matching “${filter.text}”`;
  }
}
