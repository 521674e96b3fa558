/**
 * Fleet files: JSON that names a fleet's nodes and how to reach their agents. Written by
 * the local launcher (`npm run fleet`) or by hand. Loading validates every field and
 * fails with a message that says which one is wrong.
 */
import { readFile } from 'node:fs/promises';
import type { AlertThresholds } from '../common/models.js';

/** A fleet file as it is on disk. */
export interface FleetFileJson {
  /** The fleet's display name. */
  name: string;
  /** Tokens for every node's admin endpoint; a node may override them. */
  tokens?: { operate?: string; read?: string };
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
}

/** One node the console should link to. */
export interface FleetNodeConfig {
  readonly id: string;
  readonly adminUrl: string;
  readonly publicUrl: string | null;
  /** The most capable token known for this node (operate, else read). */
  readonly token: string;
}

/** A loaded, validated fleet. */
export interface FleetConfig {
  readonly name: string;
  readonly nodes: readonly FleetNodeConfig[];
  /** Alert thresholds the file overrides; the rest keep their defaults. */
  readonly alerts?: Partial<AlertThresholds>;
}

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

/** Validates parsed fleet-file JSON; `source` names the file in error messages. */
export function parseFleetFile(json: unknown, source: string): FleetConfig {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('a fleet file is a JSON object');
  const file = json as Partial<FleetFileJson>;
  if (typeof file.name !== 'string' || file.name.length === 0) fail('"name" must be a non-empty string');
  if (!Array.isArray(file.nodes)) fail('"nodes" must be a list');
  const shared = file.tokens?.operate ?? file.tokens?.read;
  const seen = new Set<string>();
  const nodes = (file.nodes as unknown[]).map((entry, index): FleetNodeConfig => {
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
  return { name: file.name as string, nodes, alerts: parseAlerts(file.alerts, fail) };
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
  return parseFleetFile(json, path);
}
