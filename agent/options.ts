/**
 * The agent's options: one object, documented defaults, validated once at construction.
 * A bad option is a TypeError that names the option and says what it must be.
 */
import { hostname } from 'node:os';
import { DEFAULT_LOOP_RESOLUTION_MS } from './collectors/health.js';
import {
  type AgentCheckWeightOptions,
  agentCheckWeight,
  DEFAULT_AGENT_CHECK_WEIGHT,
} from './integrations/haproxy-agent-check.js';

/** Options accepted by `createAgent`. Only `nodeId` and `token` are required. */
export interface AgentOptions {
  /** Stable id of this node in the fleet, e.g. `node-1`. 1–128 characters. */
  nodeId: string;
  /**
   * Bearer token that grants the `operate` role on the admin endpoint (samples and commands).
   * At least 16 characters.
   */
  token: string;
  /** Optional bearer token that grants only the `read` role (samples, no commands). */
  readToken?: string;
  /** Human-readable name. Default: `nodeId`. */
  name?: string;
  /** Free-form labels shown by the console (region, zone, build…). Default: `{}`. */
  labels?: Record<string, string>;
  /** The host application's version. Default: `'0.0.0'`. */
  version?: string;
  /** How often a sample is sent, in milliseconds (100–60000). Default: 1000. */
  intervalMs?: number;
  /**
   * The admin endpoint: a WebSocket on its own port, never the public one.
   * Default: `{ host: '127.0.0.1', port: 9400 }`; `port: 0` picks a free port;
   * `false` serves no endpoint (samples are still available through `agent.sample()`).
   */
  admin?: { host?: string; port?: number } | false;
  /**
   * Event-loop delay histogram resolution, ms (1–1000): the monitor's timer fires this often.
   * Finer costs more CPU (1 ms ≈ 4 % of an idle core, 10 ms ≈ 0.6 %, 100 ms ≈ 0.05 %) and sees
   * shorter stalls. Default: 100.
   */
  loopDelayResolutionMs?: number;
  /** Channels reported per sample, busiest first (1–100: the largest list still fits one frame). Default: 50. */
  topChannels?: number;
  /**
   * Counters in the channel sketch (at least `topChannels`). More counters, smaller error:
   * a channel's estimate is off by at most (interval activity) / channelCapacity. Default: 1000.
   */
  channelCapacity?: number;
  /** Defaults for drain and shed. */
  drain?: {
    /** Time a drain spreads its closes over, ms (0–86400000). Default: 30000. */
    deadlineMs?: number;
    /** Close code sent to drained clients (1000 or 3000–4999, or 1001, 1012, 1013). Default: 1012 (service restart). */
    closeCode?: number;
    /** Retry-After, in seconds, on upgrades refused while draining. Default: 5. */
    retryAfterSeconds?: number;
  };
  /**
   * HAProxy's agent-check on its own TCP port: answers `ready up N%` with a weight from the
   * node's load, and `drain` while draining or drained. Default: off.
   */
  agentCheck?: { host?: string; port: number; weight?: Partial<AgentCheckWeightOptions> } | false;
  /**
   * Called before the agent closes a connection for a drain or shed, so the host can tell
   * the client where to resume. Exceptions are caught and counted, never propagated.
   */
  beforeClose?: (
    connection: unknown,
    context: { kind: 'drain' | 'shed'; code: number; reason: string; forced: boolean },
  ) => void;
}

/** Options after defaults are applied. */
export interface ResolvedAgentOptions {
  readonly nodeId: string;
  readonly token: string;
  readonly readToken: string | null;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly version: string;
  readonly intervalMs: number;
  readonly admin: { readonly host: string; readonly port: number } | null;
  readonly host: string;
  readonly loopDelayResolutionMs: number;
  readonly topChannels: number;
  readonly channelCapacity: number;
  readonly drain: {
    readonly deadlineMs: number;
    readonly closeCode: number;
    readonly retryAfterSeconds: number;
  };
  readonly beforeClose: AgentOptions['beforeClose'] | null;
  readonly agentCheck: {
    readonly host: string;
    readonly port: number;
    readonly weight: AgentCheckWeightOptions;
  } | null;
}

/** True for close codes an application may send (RFC 6455 §7.4): 1000, 1001, 1012, 1013 and 3000–4999. */
export function isSendableCloseCode(code: unknown): code is number {
  return (
    Number.isInteger(code) &&
    (code === 1000 ||
      code === 1001 ||
      code === 1012 ||
      code === 1013 ||
      ((code as number) >= 3000 && (code as number) <= 4999))
  );
}

/** The admin endpoint's default port. */
export const DEFAULT_ADMIN_PORT = 9400;
/** The default sample interval in milliseconds. */
export const DEFAULT_INTERVAL_MS = 1000;
const MIN_TOKEN_LENGTH = 16;

function fail(option: string, requirement: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new TypeError(`fleetdeck agent: option "${option}" ${requirement} (got ${shown})`);
}

function optionalString(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    fail(option, 'must be a non-empty string of at most 256 characters', value);
  }
  return value;
}

function integerIn(value: unknown, option: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    fail(option, `must be an integer from ${min} to ${max}`, value);
  }
  return value as number;
}

/** Applies defaults and validates; throws a TypeError naming the first bad option. */
export function resolveOptions(options: unknown): ResolvedAgentOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object', options);
  const input = options as Partial<Record<keyof AgentOptions, unknown>>;

  if (typeof input.nodeId !== 'string' || !/^[\w.:-]{1,128}$/.test(input.nodeId)) {
    fail('nodeId', 'must be 1–128 characters of letters, digits, "_", "-", "." or ":"', input.nodeId);
  }
  const token = input.token;
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
    fail(
      'token',
      `must be a string of at least ${MIN_TOKEN_LENGTH} characters`,
      token === undefined ? token : '…',
    );
  }
  let readToken: string | null = null;
  if (input.readToken !== undefined) {
    if (typeof input.readToken !== 'string' || input.readToken.length < MIN_TOKEN_LENGTH) {
      fail('readToken', `must be a string of at least ${MIN_TOKEN_LENGTH} characters`, '…');
    }
    if (input.readToken === token) fail('readToken', 'must differ from "token"', '…');
    readToken = input.readToken;
  }

  const labels = input.labels ?? {};
  if (
    typeof labels !== 'object' ||
    labels === null ||
    Array.isArray(labels) ||
    !Object.values(labels).every((value) => typeof value === 'string')
  ) {
    fail('labels', 'must be an object whose values are strings', labels);
  }

  let admin: ResolvedAgentOptions['admin'] = null;
  if (input.admin !== false) {
    const given = input.admin ?? {};
    if (typeof given !== 'object' || given === null) fail('admin', 'must be an object or false', given);
    const adminInput = given as { host?: unknown; port?: unknown };
    admin = {
      host: optionalString(adminInput.host, 'admin.host', '127.0.0.1'),
      port: integerIn(adminInput.port, 'admin.port', 0, 65535, DEFAULT_ADMIN_PORT),
    };
  }

  const topChannels = integerIn(input.topChannels, 'topChannels', 1, 100, 50);
  const channelCapacity = integerIn(
    input.channelCapacity,
    'channelCapacity',
    topChannels,
    100_000,
    Math.max(1000, topChannels),
  );
  const drainInput = input.drain ?? {};
  if (typeof drainInput !== 'object' || drainInput === null) fail('drain', 'must be an object', drainInput);
  const drain = drainInput as { deadlineMs?: unknown; closeCode?: unknown; retryAfterSeconds?: unknown };
  const closeCode = drain.closeCode ?? 1012;
  if (!isSendableCloseCode(closeCode))
    fail('drain.closeCode', 'must be 1000, 1001, 1012, 1013 or 3000–4999', closeCode);
  if (input.beforeClose !== undefined && typeof input.beforeClose !== 'function') {
    fail('beforeClose', 'must be a function', input.beforeClose);
  }

  let agentCheck: ResolvedAgentOptions['agentCheck'] = null;
  if (input.agentCheck !== undefined && input.agentCheck !== false) {
    if (typeof input.agentCheck !== 'object' || input.agentCheck === null) {
      fail('agentCheck', 'must be an object with a port, or false', input.agentCheck);
    }
    const check = input.agentCheck as { host?: unknown; port?: unknown; weight?: unknown };
    if (check.weight !== undefined && (typeof check.weight !== 'object' || check.weight === null)) {
      fail('agentCheck.weight', 'must be an object', check.weight);
    }
    agentCheck = {
      host: optionalString(check.host, 'agentCheck.host', '127.0.0.1'),
      port: integerIn(check.port, 'agentCheck.port', 0, 65535, Number.NaN),
      weight: { ...DEFAULT_AGENT_CHECK_WEIGHT, ...(check.weight as Partial<AgentCheckWeightOptions>) },
    };
    if (Number.isNaN(agentCheck.port)) fail('agentCheck.port', 'is required', check.port);
    try {
      agentCheckWeight({ openConnections: 0, loopDelayP99Ms: 0 }, agentCheck.weight);
    } catch (error) {
      // Checked now, not at the first check: a bad weight would otherwise silence every reply.
      fail('agentCheck.weight', (error as Error).message, JSON.stringify(check.weight));
    }
  }

  return {
    loopDelayResolutionMs: integerIn(
      input.loopDelayResolutionMs,
      'loopDelayResolutionMs',
      1,
      1000,
      DEFAULT_LOOP_RESOLUTION_MS,
    ),
    agentCheck,
    topChannels,
    channelCapacity,
    drain: {
      deadlineMs: integerIn(drain.deadlineMs, 'drain.deadlineMs', 0, 86_400_000, 30_000),
      closeCode,
      retryAfterSeconds: integerIn(drain.retryAfterSeconds, 'drain.retryAfterSeconds', 0, 3600, 5),
    },
    beforeClose: (input.beforeClose as AgentOptions['beforeClose']) ?? null,
    nodeId: input.nodeId,
    token,
    readToken,
    name: optionalString(input.name, 'name', input.nodeId),
    labels: { ...(labels as Record<string, string>) },
    version: optionalString(input.version, 'version', '0.0.0'),
    intervalMs: integerIn(input.intervalMs, 'intervalMs', 100, 60_000, DEFAULT_INTERVAL_MS),
    admin,
    host: hostname(),
  };
}
