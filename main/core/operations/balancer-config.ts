/**
 * The balancer's runtime API, from the fleet file's `balancer` block (the launcher writes
 * `{ "kind": "haproxy", "runtimeApi": "127.0.0.1:PORT", … }`).
 *
 * STUB: the balancer helper completes validation (address forms, backend name).
 */

/** A validated balancer runtime API. */
export interface BalancerConfig {
  readonly kind: 'haproxy';
  /** host:port of HAProxy's runtime API (admin level). */
  readonly runtimeApi: string;
  /** The backend whose servers are the fleet's nodes. Default "nodes". */
  readonly backend: string;
}

/** Validates a fleet file's `balancer` block; null when there is none or it has no runtime API. */
export function parseBalancer(value: unknown, fail: (message: string) => never): BalancerConfig | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null) fail('"balancer" must be an object');
  const { kind, runtimeApi, backend } = value as Record<string, unknown>;
  if (kind !== 'haproxy' || runtimeApi === undefined) return null;
  if (typeof runtimeApi !== 'string' || runtimeApi.length === 0) {
    fail('"balancer.runtimeApi" must be "host:port" of HAProxy\'s runtime API');
  }
  return {
    kind: 'haproxy',
    runtimeApi: runtimeApi as string,
    backend: typeof backend === 'string' && backend.length > 0 ? backend : 'nodes',
  };
}
