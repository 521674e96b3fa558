/**
 * The balancer's runtime API, from the fleet file's `balancer` block (the launcher writes
 * `{ "kind": "haproxy", "runtimeApi": "tcp://127.0.0.1:PORT", … }`):
 *
 *   "balancer": {
 *     "kind": "haproxy",
 *     "runtimeApi": "tcp://127.0.0.1:9999",   // or "127.0.0.1:9999", "[::1]:9999", "/run/haproxy/admin.sock"
 *     "backend": "nodes",                    // optional, default "nodes"
 *     "checkIntervalMs": 2000                // optional: HAProxy's check interval (inter), default 2000
 *   }
 *
 * Other keys (`url`, `balance`…) belong to the launcher and are ignored here.
 */

/** Where HAProxy's runtime API listens: a TCP address or a unix socket. */
export type RuntimeApiAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** A validated balancer runtime API. */
export interface BalancerConfig {
  readonly kind: 'haproxy';
  /** The runtime API as the fleet file writes it, for display. */
  readonly runtimeApi: string;
  /** The runtime API, parsed. It must be at the `admin` level for state changes. */
  readonly address: RuntimeApiAddress;
  /** The backend whose servers are the fleet's nodes. Default "nodes". */
  readonly backend: string;
  /**
   * HAProxy's health-check and agent-check interval, ms: how long HAProxy may lag behind an
   * agent before the view calls it a mismatch (twice this). Default {@link DEFAULT_CHECK_INTERVAL_MS}.
   */
  readonly checkIntervalMs: number;
}

/** The check interval assumed when the fleet file does not give one, ms (HAProxy's own default). */
export const DEFAULT_CHECK_INTERVAL_MS = 2_000;
/** Bounds of `balancer.checkIntervalMs`. */
export const CHECK_INTERVAL_BOUNDS_MS = { min: 10, max: 3_600_000 } as const;
/** The backend name when the fleet file gives none (the reference fleet's). */
export const DEFAULT_BACKEND = 'nodes';

/** HAProxy proxy and server names: they go into runtime API commands verbatim. */
export const HAPROXY_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

const ADDRESS_HELP =
  '"balancer.runtimeApi" must be HAProxy\'s runtime API: "tcp://host:port", "host:port" or a unix socket path such as "/run/haproxy/admin.sock"';

/** Parses a runtime API address; null when it is none of the accepted forms. */
export function parseRuntimeApiAddress(text: string): RuntimeApiAddress | null {
  const value = text.trim();
  // A unix socket: an absolute path, "unix:/path", "unix:///path" or HAProxy's own "unix@/path".
  const unix = /^(?:unix:(?:\/\/)?|unix@)?(\/[^\0\r\n]*)$/.exec(value);
  if (unix?.[1] !== undefined) return unix[1].length > 1 ? { kind: 'unix', path: unix[1] } : null;
  // TCP: "tcp://host:port", HAProxy's "ipv4@host:port" / "ipv6@[v6]:port", or plain "host:port".
  const rest = value.replace(/^(?:tcp:\/\/|ipv4@|ipv6@)/i, '');
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(rest);
  if (match === null) return null;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  const validHost = match[1] !== undefined ? IPV6.test(host) && host.includes(':') : HOST_NAME.test(host);
  if (!validHost || !Number.isInteger(port) || port < 1 || port > 65_535) return null;
  return { kind: 'tcp', host, port };
}

/** How an address reads in messages: "127.0.0.1:9999", "[::1]:9999" or the socket's path. */
export function describeRuntimeApi(address: RuntimeApiAddress): string {
  if (address.kind === 'unix') return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Validates a fleet file's `balancer` block; null when there is none, it is not HAProxy (the
 * launcher's development balancer) or it names no runtime API.
 */
export function parseBalancer(value: unknown, fail: (message: string) => never): BalancerConfig | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) fail('"balancer" must be an object');
  const { kind, runtimeApi, backend, checkIntervalMs } = value as Record<string, unknown>;
  if (kind !== 'haproxy' || runtimeApi === undefined) return null;
  if (typeof runtimeApi !== 'string') fail(ADDRESS_HELP);
  const address = parseRuntimeApiAddress(runtimeApi as string);
  if (address === null) fail(ADDRESS_HELP);
  if (backend !== undefined && (typeof backend !== 'string' || !HAPROXY_NAME.test(backend))) {
    fail('"balancer.backend" must be the name of an HAProxy backend (letters, digits, "_", ".", ":", "-")');
  }
  const { min, max } = CHECK_INTERVAL_BOUNDS_MS;
  if (
    checkIntervalMs !== undefined &&
    !(
      Number.isSafeInteger(checkIntervalMs) &&
      (checkIntervalMs as number) >= min &&
      (checkIntervalMs as number) <= max
    )
  ) {
    fail(
      `"balancer.checkIntervalMs" must be HAProxy's check interval in whole milliseconds, ${min} to ${max}`,
    );
  }
  return {
    kind: 'haproxy',
    runtimeApi: (runtimeApi as string).trim(),
    address: address as RuntimeApiAddress,
    backend: (backend as string | undefined) ?? DEFAULT_BACKEND,
    checkIntervalMs: (checkIntervalMs as number | undefined) ?? DEFAULT_CHECK_INTERVAL_MS,
  };
}
