/**
 * The reference fleet's client protocol: JSON objects over WebSocket, and the same objects
 * as SSE `data:` (server → client) with HTTP POST for client → server. Simulated users and
 * tests import these types; the node validates everything it receives.
 *
 * Resume: every channel message carries a per-channel `seq`. A client that reconnects, on
 * any node, subscribes with `since` = the last seq it saw and first receives what it
 * missed, in order; when the broker's history no longer reaches back that far it receives
 * a `gap` instead of silently losing messages.
 */

/** Client → node. */
export type ClientMessage =
  | { readonly op: 'sub'; readonly channel: string; readonly since?: number }
  | { readonly op: 'unsub'; readonly channel: string }
  | { readonly op: 'pub'; readonly channel: string; readonly data: unknown; readonly id?: string };

/** Node → client. */
export type ServerMessage =
  | { readonly op: 'welcome'; readonly node: string; readonly transport: 'websocket' | 'sse' }
  /** The subscription is live; `latest` is the channel's newest seq when it became live. */
  | { readonly op: 'subscribed'; readonly channel: string; readonly latest: number }
  | { readonly op: 'msg'; readonly channel: string; readonly seq: number; readonly data: unknown }
  /** Messages after `after` up to `resumeFrom - 1` are gone from the history: the client lost them. */
  | { readonly op: 'gap'; readonly channel: string; readonly after: number; readonly resumeFrom: number }
  /** Answer to a `pub` that carried an id. */
  | { readonly op: 'ack'; readonly id: string; readonly seq: number }
  | { readonly op: 'error'; readonly message: string; readonly id?: string }
  /** Sent before the node closes the connection for a drain: reconnect through the balancer and resume. */
  | { readonly op: 'moving'; readonly code: number; readonly reason: string };

/** Longest channel name the node accepts. */
export const MAX_CHANNEL_LENGTH = 200;
/** Largest client message the node accepts, in bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** Parses and validates a client message; returns an error string for anything else. */
export function parseClientMessage(text: string): ClientMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'messages must be JSON';
  }
  return validateClientMessage(value);
}

/** Validates an already parsed client message. */
export function validateClientMessage(value: unknown): ClientMessage | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'messages must be JSON objects';
  const message = value as Record<string, unknown>;
  const channel = message.channel;
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_LENGTH) {
    return `channel must be a string of 1–${MAX_CHANNEL_LENGTH} characters`;
  }
  switch (message.op) {
    case 'sub': {
      const since = message.since;
      if (since !== undefined && (!Number.isSafeInteger(since) || (since as number) < 0)) {
        return 'since must be a non-negative integer';
      }
      return since === undefined ? { op: 'sub', channel } : { op: 'sub', channel, since: since as number };
    }
    case 'unsub':
      return { op: 'unsub', channel };
    case 'pub': {
      const id = message.id;
      if (id !== undefined && (typeof id !== 'string' || id.length > 64))
        return 'id must be a string of at most 64 characters';
      return id === undefined
        ? { op: 'pub', channel, data: message.data ?? null }
        : { op: 'pub', channel, data: message.data ?? null, id };
    }
    default:
      return 'op must be sub, unsub or pub';
  }
}
