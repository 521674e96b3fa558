/**
 * The fleet file's `broker` block (the launcher writes `{ "kind": "redis", "url": "redis://…" }`
 * or `{ "kind": "relay", "url": "ws://…" }`):
 *
 *   "broker": {
 *     "kind": "redis",                  // or "relay", the launcher's development relay
 *     "url": "redis://:secret@10.0.0.9:6379/0",
 *     "prefix": "fd:"                   // optional: the nodes' key prefix, default "fd:"
 *   }
 *
 * Credentials in the URL are used to connect and never shown: every message and view carries
 * {@link redactedAddress} instead.
 */

/** A validated broker block. */
export interface BrokerConfig {
  readonly kind: 'redis' | 'relay';
  /** The URL as given, credentials included: only for connecting. */
  readonly url: string;
  /** The URL without credentials, for display. */
  readonly address: string;
  /** Prefix of the nodes' Redis keys and channels (`{prefix}ch:{name}`). */
  readonly prefix: string;
}

/** The reference nodes' prefix (fleet/broker/redis-broker.ts). */
export const DEFAULT_BROKER_PREFIX = 'fd:';

const SETTINGS = ['kind', 'url', 'prefix'] as const;

/** `url` without user name or password; null when it is not a URL. */
export function redactedAddress(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  parsed.username = '';
  parsed.password = '';
  const text = parsed.toString();
  // ws:// URLs print with a `/` path even when none was written: show what was written.
  return text.endsWith('/') && !url.endsWith('/') ? text.slice(0, -1) : text;
}

/** Replaces any credentials of `url` that appear in `text` (an error message) with `***`. */
export function scrub(text: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  let clean = text.split(url).join(redactedAddress(url) ?? '***');
  for (const secret of [parsed.password, decodeURIComponent(parsed.password), parsed.username]) {
    if (secret.length >= 3) clean = clean.split(secret).join('***');
  }
  return clean;
}

/** Validates a fleet file's `broker` block; null when there is none. */
export function parseBrokerConfig(value: unknown, fail: (message: string) => never): BrokerConfig | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    fail('"broker" must be an object, e.g. { "kind": "redis", "url": "redis://127.0.0.1:6379" }');
  }
  const block = value as Record<string, unknown>;
  for (const key of Object.keys(block)) {
    if (!(SETTINGS as readonly string[]).includes(key)) {
      fail(`broker.${key} is not a setting; the settings are ${SETTINGS.join(', ')}`);
    }
  }
  const { kind, url, prefix = DEFAULT_BROKER_PREFIX } = block;
  if (kind !== 'redis' && kind !== 'relay') fail('broker.kind must be "redis" or "relay"');
  // The URL itself never goes into a message: it may hold a password.
  const address = typeof url === 'string' ? redactedAddress(url) : null;
  const scheme = typeof url === 'string' && address !== null ? new URL(url).protocol : '';
  if (kind === 'redis' && scheme !== 'redis:' && scheme !== 'rediss:') {
    fail('broker.url must be a redis:// or rediss:// URL for a Redis broker, e.g. "redis://127.0.0.1:6379"');
  }
  if (kind === 'relay' && scheme !== 'ws:' && scheme !== 'wss:') {
    fail('broker.url must be a ws:// or wss:// URL for the relay');
  }
  if (typeof prefix !== 'string' || prefix.length > 64)
    fail('broker.prefix must be a string of at most 64 characters');
  return {
    kind: kind as 'redis' | 'relay',
    url: url as string,
    address: address as string,
    prefix: prefix as string,
  };
}
