/** Checks the untrusted arguments of the channel requests. */
import {
  CHANNEL_SORT_KEYS,
  type ChannelSortKey,
  type ChannelsQuery,
  MAX_CHANNEL_WINDOW_S,
} from '../../common/models.js';
import { MAX_FILTER_LENGTH } from './glob.js';

/** Rows `getChannels` returns at most. */
export const MAX_CHANNEL_ROWS = 1000;

const QUERY_KEYS = ['top', 'filter', 'sort', 'windowS'];

/** [query] of getChannels. */
export function parseChannelsArgs(args: readonly unknown[]): [ChannelsQuery] {
  const [query] = args;
  if (args.length !== 1 || typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw new TypeError('getChannels takes { top?, filter?, sort?, windowS? }');
  }
  const record = query as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!QUERY_KEYS.includes(key))
      throw new TypeError(`getChannels has no "${key}"; it takes ${QUERY_KEYS.join(', ')}`);
  }
  const { top, filter, sort, windowS } = record;
  const parsed: { top?: number; filter?: string; sort?: ChannelSortKey; windowS?: number } = {};
  // JSON turns an absent field into null on some senders: null means "not given".
  if (top !== undefined && top !== null) {
    if (!Number.isSafeInteger(top) || (top as number) < 1 || (top as number) > MAX_CHANNEL_ROWS) {
      throw new TypeError(`getChannels top must be 1–${MAX_CHANNEL_ROWS}`);
    }
    parsed.top = top as number;
  }
  if (filter !== undefined && filter !== null) {
    if (typeof filter !== 'string' || filter.length > MAX_FILTER_LENGTH) {
      throw new TypeError(`getChannels filter must be a string of at most ${MAX_FILTER_LENGTH} characters`);
    }
    parsed.filter = filter;
  }
  if (sort !== undefined && sort !== null) {
    if (typeof sort !== 'string' || !(CHANNEL_SORT_KEYS as readonly string[]).includes(sort)) {
      throw new TypeError(`getChannels sort must be one of ${CHANNEL_SORT_KEYS.join(', ')}`);
    }
    parsed.sort = sort as ChannelSortKey;
  }
  if (windowS !== undefined && windowS !== null) {
    if (
      !Number.isSafeInteger(windowS) ||
      (windowS as number) < 1 ||
      (windowS as number) > MAX_CHANNEL_WINDOW_S
    ) {
      throw new TypeError(`getChannels windowS must be a whole number of seconds, 1–${MAX_CHANNEL_WINDOW_S}`);
    }
    parsed.windowS = windowS as number;
  }
  return [parsed];
}

/** [name] of getChannel. */
export function parseChannelArgs(args: readonly unknown[]): [string] {
  const [name] = args;
  if (args.length !== 1 || typeof name !== 'string' || name.length === 0 || name.length > 1024) {
    throw new TypeError('getChannel takes a channel name');
  }
  return [name];
}

/** [] of getBroker. */
export function parseBrokerArgs(args: readonly unknown[]): [] {
  if (args.length !== 0) throw new TypeError('getBroker takes no arguments');
  return [];
}
