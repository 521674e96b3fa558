/** Checks the untrusted arguments of the channel requests. */
import type { ChannelsQuery } from '../../common/models.js';

/** Rows `getChannels` returns at most. */
export const MAX_CHANNEL_ROWS = 1000;

/** [query] of getChannels. */
export function parseChannelsArgs(args: readonly unknown[]): [ChannelsQuery] {
  const [query] = args;
  if (args.length !== 1 || typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw new TypeError('getChannels takes { top?, filter? }');
  }
  const { top, filter } = query as Record<string, unknown>;
  const parsed: { top?: number; filter?: string } = {};
  if (top !== undefined) {
    if (!Number.isSafeInteger(top) || (top as number) < 1 || (top as number) > MAX_CHANNEL_ROWS) {
      throw new TypeError(`getChannels top must be 1–${MAX_CHANNEL_ROWS}`);
    }
    parsed.top = top as number;
  }
  if (filter !== undefined) {
    if (typeof filter !== 'string' || filter.length > 256) {
      throw new TypeError('getChannels filter must be a string of at most 256 characters');
    }
    parsed.filter = filter;
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
