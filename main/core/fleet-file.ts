/**
 * Fleet files: JSON that names a fleet's nodes and how to reach their agents. Written by
 * the local launcher (`npm run fleet`) or by hand. Loading validates every field and
 * fails with a message that says which one is wrong.
 */
import { readFile } from 'node:fs/promises';

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
  return { name: file.name as string, nodes };
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
