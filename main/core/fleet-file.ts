/**
 * Fleet files: JSON that names a fleet's nodes and how to reach their agents, as a static
 * list, a DNS name that resolves to many addresses (a Kubernetes headless service), or both.
 * Written by the local launcher (`npm run fleet`) or by hand. Loading validates every field
 * and fails with a message that says which one is wrong.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { AlertThresholds, CapacityLimits } from '../common/models.js';
import { type BrokerConfig, parseBrokerConfig } from './channels/broker-config.js';
import { type BalancerConfig, parseBalancer } from './operations/balancer-config.js';
import { parseCapacity } from './operations/capacity.js';
import { type ProvisionerConfig, parseProvisioner } from './operations/provisioner-config.js';

/** A fleet file as it is on disk. */
export interface FleetFileJson {
  /** The fleet's display name. */
  name: string;
  /** Tokens for every node's admin endpoint; a node may override them. */
  tokens?: { operate?: string; read?: string };
  /**
   * The static node list. A file with `discovery` may leave it out; typed as present because
   * every file the launcher writes has it.
   */
  nodes: Array<{
    id: string;
    /** The agent's admin WebSocket URL, e.g. ws://10.0.0.5:9400. */
    admin: string;
    /** The public URL clients use. */
    url?: string;
    /** Overrides `tokens` for this node. */
    token?: string;
  }>;
  /** Overrides of the alert thresholds; see {@link AlertThresholds} for each one's meaning. */
  alerts?: Partial<Record<keyof AlertThresholds, number>>;
  /** The fleet's broker, read directly by the broker view (main/core/channels/broker-config.ts). */
  broker?: { kind: 'redis' | 'relay'; url: string; prefix?: string };
  /** Nodes found at run time, beside or instead of `nodes`. */
  discovery?: {
    dns?: {
      /** A name with one A/AAAA record per node, e.g. agents.ws.svc.cluster.local. */
      name: string;
      /** The agents' admin port. */
      port: number;
      /** Default "ws". */
      scheme?: 'ws' | 'wss';
      /** How often to resolve again, ms. Default 10000. */
      intervalMs?: number;
      /** A DNS server to ask instead of the system's, "address" or "address:port" ("[v6]:port"). */
      server?: string;
    };
  };
}

/** One node the console should link to. */
export interface FleetNodeConfig {
  readonly id: string;
  readonly adminUrl: string;
  readonly publicUrl: string | null;
  /** The most capable token known for this node (operate, else read). */
  readonly token: string;
}

/** Where to look up a fleet's nodes in DNS, validated. */
export interface DnsDiscoveryConfig {
  readonly name: string;
  readonly port: number;
  readonly scheme: 'ws' | 'wss';
  readonly intervalMs: number;
  /** The DNS server to ask, as `setServers` takes it ("127.0.0.1:5353", "[::1]:53"); null: the system's. */
  readonly server: string | null;
  /** The token for every discovered node (the file's `tokens`: operate, else read). */
  readonly token: string;
}

/** A loaded, validated fleet. */
export interface FleetConfig {
  readonly name: string;
  /** The static nodes; discovered nodes come and go at run time beside them. */
  readonly nodes: readonly FleetNodeConfig[];
  /** Alert thresholds the file overrides; the rest keep their defaults. */
  readonly alerts?: Partial<AlertThresholds>;
  /** Set when the file has a `discovery.dns` block. */
  readonly discovery?: { readonly dns: DnsDiscoveryConfig };
  /** The file it was loaded from; absent for a config built in code. */
  readonly path?: string;
  /** What the drain and shed previews check the remaining nodes against (defaults when absent). */
  readonly capacity?: CapacityLimits;
  /** What adds, removes and restarts nodes; null or absent: nothing (add and remove are refused). */
  readonly provisioner?: ProvisionerConfig | null;
  /** The balancer's runtime API; null or absent: none. */
  readonly balancer?: BalancerConfig | null;
  /** The tokens the file gives, for operations that must say which one is missing. */
  readonly tokens?: { readonly operate: string | null; readonly read: string | null };
  /** The broker the broker view reads; null or absent: none named. */
  readonly broker?: BrokerConfig | null;
}

/** Default DNS re-resolution interval, ms. */
export const DEFAULT_DNS_INTERVAL_MS = 10_000;
/** Bounds of `discovery.dns.intervalMs`. */
export const DNS_INTERVAL_BOUNDS = { min: 100, max: 3_600_000 } as const;

const isPositive = (value: number) => Number.isFinite(value) && value > 0;

/** How each threshold is checked; a record over every key, so a new threshold must say. */
const THRESHOLD_RULES: {
  readonly [K in keyof AlertThresholds]: {
    readonly valid: (value: number) => boolean;
    readonly expected: string;
  };
} = {
  loopDelayP99Ms: { valid: isPositive, expected: 'a number of milliseconds above 0, e.g. 200' },
  cpu: { valid: isPositive, expected: 'a share of one core above 0, e.g. 0.9 for 90 %' },
  rssBytes: {
    valid: (value) => Number.isSafeInteger(value) && value > 0,
    expected: 'a whole number of bytes above 0, e.g. 1610612736 for 1.5 GiB',
  },
  skewCv: { valid: isPositive, expected: 'a coefficient of variation above 0, e.g. 0.35' },
  skewMinMeanConnections: {
    valid: (value) => Number.isSafeInteger(value) && value >= 0,
    expected: 'a whole number of connections, 0 or more',
  },
};

function parseAlerts(value: unknown, fail: (message: string) => never): Partial<AlertThresholds> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('"alerts" must be an object of thresholds, e.g. { "cpu": 0.8 }');
  }
  const known = Object.keys(THRESHOLD_RULES);
  const alerts: Partial<Record<keyof AlertThresholds, number>> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (!Object.hasOwn(THRESHOLD_RULES, key)) {
      fail(`alerts.${key} is not a threshold; the thresholds are ${known.join(', ')}`);
    }
    const rule = THRESHOLD_RULES[key as keyof AlertThresholds];
    if (typeof item !== 'number' || !rule.valid(item)) fail(`alerts.${key} must be ${rule.expected}`);
    alerts[key as keyof AlertThresholds] = item as number;
  }
  return alerts;
}

function isWebSocketUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'ws:' || url.protocol === 'wss:';
  } catch {
    return false;
  }
}

const DNS_SETTINGS = ['name', 'port', 'scheme', 'intervalMs', 'server'] as const;

// RFC 1123 labels; a trailing dot (fully qualified) is allowed.
const HOSTNAME =
  /^(?=.{1,253}\.?$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** "address", "address:port" or "[v6]:port" with an IP address, as `Resolver.setServers` takes it; else null. */
export function parseDnsServer(value: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const [address, port] = bracketed
    ? [bracketed[1] ?? '', bracketed[2]]
    : isIP(value) === 6
      ? [value, undefined]
      : (value.split(/:(?=\d{1,5}$)/) as [string, string | undefined]);
  if (isIP(address) === 0 || (bracketed && isIP(address) !== 6)) return null;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  return value;
}

function parseDiscovery(
  value: unknown,
  token: string | undefined,
  fail: (message: string) => never,
): FleetConfig['discovery'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      '"discovery" must be an object, e.g. { "dns": { "name": "agents.example.internal", "port": 9400 } }',
    );
  }
  for (const key of Object.keys(value as object)) {
    if (key !== 'dns') fail(`discovery.${key} is not a kind of discovery; the kinds are dns`);
  }
  const dns = (value as { dns?: unknown }).dns;
  if (typeof dns !== 'object' || dns === null || Array.isArray(dns)) {
    fail('discovery.dns must be an object with "name" and "port"');
  }
  const block = dns as Record<string, unknown>;
  for (const key of Object.keys(block)) {
    if (!(DNS_SETTINGS as readonly string[]).includes(key)) {
      fail(`discovery.dns.${key} is not a setting; the settings are ${DNS_SETTINGS.join(', ')}`);
    }
  }
  const { name, port, scheme = 'ws', intervalMs = DEFAULT_DNS_INTERVAL_MS, server } = block;
  if (typeof name !== 'string' || !HOSTNAME.test(name)) {
    fail('discovery.dns.name must be a host name, e.g. "agents.ws.svc.cluster.local"');
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    fail("discovery.dns.port must be the agents' admin port, a whole number from 1 to 65535");
  }
  if (scheme !== 'ws' && scheme !== 'wss') fail('discovery.dns.scheme must be "ws" or "wss"');
  const { min, max } = DNS_INTERVAL_BOUNDS;
  if (
    typeof intervalMs !== 'number' ||
    !Number.isInteger(intervalMs) ||
    intervalMs < min ||
    intervalMs > max
  ) {
    fail(`discovery.dns.intervalMs must be a whole number of milliseconds from ${min} to ${max}`);
  }
  let parsedServer: string | null = null;
  if (server !== undefined) {
    parsedServer = typeof server === 'string' ? parseDnsServer(server) : null;
    if (parsedServer === null) {
      fail(
        'discovery.dns.server must be an IP address with an optional port, e.g. "10.0.0.2" or "127.0.0.1:5353"',
      );
    }
  }
  if (typeof token !== 'string' || token.length === 0) {
    fail('discovery.dns has no token for the nodes it finds: set "tokens.operate" (or "tokens.read")');
  }
  return {
    dns: {
      name: name as string,
      port: port as number,
      scheme: scheme as 'ws' | 'wss',
      intervalMs: intervalMs as number,
      server: parsedServer,
      token: token as string,
    },
  };
}

/** Validates parsed fleet-file JSON; `source` names the file in error messages. */
export function parseFleetFile(json: unknown, source: string): FleetConfig {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('a fleet file is a JSON object');
  const file = json as Partial<FleetFileJson>;
  if (typeof file.name !== 'string' || file.name.length === 0) fail('"name" must be a non-empty string');
  if (file.nodes === undefined && file.discovery === undefined) {
    fail('a fleet file needs a "nodes" list, a "discovery" block, or both');
  }
  if (file.nodes !== undefined && !Array.isArray(file.nodes)) fail('"nodes" must be a list');
  const shared = file.tokens?.operate ?? file.tokens?.read;
  const discovery = parseDiscovery(file.discovery, shared, fail);
  const seen = new Set<string>();
  const nodes = ((file.nodes ?? []) as unknown[]).map((entry, index): FleetNodeConfig => {
    const where = `nodes[${index}]`;
    if (typeof entry !== 'object' || entry === null) fail(`${where} must be an object`);
    const node = entry as Partial<FleetFileJson['nodes'][number]>;
    if (typeof node.id !== 'string' || node.id.length === 0) fail(`${where}.id must be a non-empty string`);
    const id = node.id as string;
    if (seen.has(id)) fail(`${where}.id "${id}" appears twice`);
    seen.add(id);
    if (!isWebSocketUrl(node.admin)) fail(`${where}.admin must be a ws:// or wss:// URL`);
    if (node.url !== undefined && typeof node.url !== 'string') fail(`${where}.url must be a string`);
    const token = node.token ?? shared;
    if (typeof token !== 'string' || token.length === 0) {
      fail(`${where} has no token: set "tokens.operate" (or "tokens.read") or the node's own "token"`);
    }
    return { id, adminUrl: node.admin as string, publicUrl: node.url ?? null, token: token as string };
  });
  const alerts = parseAlerts(file.alerts, fail);
  const extras = json as {
    capacity?: unknown;
    provisioner?: unknown;
    control?: unknown;
    balancer?: unknown;
    broker?: unknown;
  };
  return {
    name: file.name as string,
    nodes,
    alerts,
    ...(discovery ? { discovery } : {}),
    capacity: parseCapacity(extras.capacity, fail),
    provisioner: parseProvisioner(extras, fail),
    balancer: parseBalancer(extras.balancer, fail),
    tokens: { operate: file.tokens?.operate ?? null, read: file.tokens?.read ?? null },
    broker: parseBrokerConfig(extras.broker, fail),
  };
}

/**
 * False when the fleet file gives no operate token: only `tokens.read`, and no node with a token
 * of its own. Every agent would then refuse every command, so operations refuse up front.
 */
export function hasOperateToken(fleet: FleetConfig): boolean {
  if (fleet.tokens === undefined || fleet.tokens.operate !== null) return true;
  return fleet.nodes.some((node) => node.token !== fleet.tokens?.read);
}

/** Reads and validates a fleet file. Throws an Error with a readable message. */
export async function loadFleetFile(path: string): Promise<FleetConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT' ? `fleet file not found: ${path}` : `cannot read fleet file ${path} (${code})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return { ...parseFleetFile(json, path), path };
}
