/**
 * The channels filter: which names a `getChannels` filter text selects. Pure.
 *
 * - Plain text selects the names that contain it (`lobby` finds `room:lobby:3`).
 * - Text with `*` (any run of characters, also none) or `?` (exactly one character) is a glob
 *   over the whole name, as Redis's PSUBSCRIBE reads it: `chat:*` is a prefix, `*:typing` a
 *   suffix, `*lobby*` a substring, `room:?` the one-character rooms. Every other character
 *   stands for itself; there are no escapes or character classes.
 * - Case-sensitive, because channel names are: `Chat:1` and `chat:1` are two channels.
 * - Spaces around the text are ignored; empty text selects every channel.
 */

/** A compiled filter. */
export type ChannelNameFilter = (name: string) => boolean;

/** Longest filter text; getChannels refuses longer ones (channel-args.ts). */
export const MAX_FILTER_LENGTH = 256;

/** Whether `text` is read as a glob rather than a substring. */
export function isGlob(text: string): boolean {
  return /[*?]/.test(text);
}

/** The filter `text` means; null when it selects every channel. */
export function compileChannelFilter(text: string | undefined): ChannelNameFilter | null {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') return null;
  if (!isGlob(trimmed)) return (name) => name.includes(trimmed);
  // Runs of `*` mean what one does.
  const pattern = trimmed.replace(/\*+/g, '*');
  return (name) => globMatches(pattern, name);
}

/** UTF-16 units of the character at `index`: 2 for a surrogate pair, else 1. */
function unitsAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code < 0xd800 || code > 0xdbff || index + 1 >= text.length) return 1;
  const next = text.charCodeAt(index + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/**
 * Whether `name` matches the glob `pattern` as a whole. The classic greedy matcher with one
 * backtrack point (the latest `*`): O(name × pattern) at worst, never exponential, unlike a
 * regular expression built from the pattern (`*a*a*a*…b` against `aaaa…` would backtrack
 * without end). `?` takes one character, a surrogate pair included.
 */
export function globMatches(pattern: string, name: string): boolean {
  let at = 0; // in pattern
  let index = 0; // in name
  let star = -1; // pattern index of the latest `*`
  let resume = 0; // where in name that `*` is tried next
  while (index < name.length) {
    const token = pattern[at];
    if (token === '?') {
      index += unitsAt(name, index);
      at++;
    } else if (token === '*') {
      star = at++;
      resume = index;
    } else if (token !== undefined && token === name[index]) {
      at++;
      index++;
    } else if (star >= 0) {
      // Let the latest `*` take one more character and try the rest again.
      resume += unitsAt(name, resume);
      index = resume;
      at = star + 1;
    } else {
      return false;
    }
  }
  while (pattern[at] === '*') at++;
  return at === pattern.length;
}
