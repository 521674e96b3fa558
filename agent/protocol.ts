/**
 * The agent ⇄ console wire protocol, version 1: one JSON object per WebSocket text frame.
 *
 * Both sides import this module, so a misspelt field is a compile error, and both validate
 * every frame they receive with the parsers below, so a bad frame is an error value, never
 * a throw. It has no imports: the console's core and the agent share it as plain TypeScript.
 * docs/protocol.md describes every frame and field.
 */

/** The protocol version both sides speak; a `hello` with another version is refused. */
export const PROTOCOL_VERSION = 1;

/** Largest frame an agent accepts from a console, in bytes; larger ones close the connection (1009). */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Largest frame a console accepts from an agent (samples carry top-channel lists), in bytes. */
export const MAX_AGENT_FRAME_BYTES = 1024 * 1024;

/** The states an agent reports for its node. The console adds its own link states. */
export const NODE_STATES = ['active', 'draining', 'drained'] as const;
/** A node's own state, as its agent reports it. */
export type NodeState = (typeof NODE_STATES)[number];

/** Admin roles: `read` receives samples; `operate` may also send commands. */
export const ROLES = ['read', 'operate'] as const;
/** An admin connection's role, decided by the token it presented. */
export type Role = (typeof ROLES)[number];

/** Commands the console may send. */
export const COMMAND_NAMES = ['ping', 'drain', 'undrain', 'shed'] as const;
/** The name of a console command. */
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Error codes carried by a failed `reply`. */
export const ERROR_CODES = [
  'bad-frame',
  'unknown-type',
  'forbidden',
  'unknown-command',
  'bad-args',
  'unsupported',
  'internal',
] as const;
/** Why a command or frame was refused. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Who a node is. A restarted agent has a new `startedAt`. */
export interface NodeIdentity {
  readonly nodeId: string;
  readonly name: string;
  readonly version: string;
  readonly host: string;
  readonly pid: number;
  /** Epoch milliseconds when this agent was created. */
  readonly startedAt: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** Transports the agent tells apart. */
export const TRANSPORTS = ['websocket', 'sse', 'long-polling'] as const;
/** How a client is connected. */
export type Transport = (typeof TRANSPORTS)[number];

/** Connection counters of one transport: `opened` and `closed` are cumulative. */
export interface TransportCounts {
  readonly open: number;
  readonly opened: number;
  readonly closed: number;
}

/** Connection counters: `opened`, `closed` and `closeCodes` are cumulative since `startedAt`. */
export interface ConnectionStats {
  readonly open: number;
  readonly opened: number;
  readonly closed: number;
  readonly byTransport: Readonly<Record<Transport, TransportCounts>>;
  /**
   * Closes seen, keyed by close code ("1000", "1006", "1012", "4000"…). A close with no
   * code (an SSE or polling client that went away) counts under "1006".
   */
  readonly closeCodes: Readonly<Record<string, number>>;
}

/**
 * Traffic counters, cumulative since `startedAt`. `bytes*` and `messages*` are counted in the
 * message path: WebSocket frame bytes (header + uncompressed payload) or, for other
 * transports, what the host reports. `socketBytes*` are the exact TCP byte counts of each
 * WebSocket, added once when it closes (handshake, headers, compression and TLS included).
 */
export interface TrafficStats {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly socketBytesRead: number;
  readonly socketBytesWritten: number;
}

/** One channel's activity during the last sample interval (counts, not cumulative). */
export interface ChannelFigures {
  readonly name: string;
  /** Messages published on the channel at this node. */
  readonly published: number;
  /** Messages delivered to local subscribers (one per recipient). */
  readonly delivered: number;
  /** Payload bytes published. */
  readonly bytesIn: number;
  /** Payload bytes delivered (summed over recipients). */
  readonly bytesOut: number;
  /** Local subscribers now (a gauge). */
  readonly subscribers: number;
  /**
   * The sketch's overestimate bound for `published + delivered` of this channel in this
   * interval (0 when it was tracked from its first message in the interval).
   */
  readonly error: number;
}

/** Channels: the busiest of the interval and cumulative totals over every channel. */
export interface ChannelStats {
  /** Length of the interval the `top` figures cover, ms. */
  readonly intervalMs: number;
  /** Busiest channels of the interval by `published + delivered`, at most K, busiest first. */
  readonly top: readonly ChannelFigures[];
  /** Cumulative over all channels since `startedAt`. */
  readonly totals: {
    readonly published: number;
    readonly delivered: number;
    readonly bytesIn: number;
    readonly bytesOut: number;
  };
  /** Channels with at least one local subscriber now, and their subscribers summed (gauges). */
  readonly subscribedChannels: number;
  readonly subscribers: number;
  /** Cumulative calls to the channel API with bad input (ignored, not thrown). */
  readonly rejected: number;
}

/** Progress of a drain or shed in progress. */
export interface DrainProgress {
  readonly kind: 'drain' | 'shed';
  readonly startedAt: number;
  readonly deadlineAt: number;
  /** Connections it set out to close. */
  readonly total: number;
  /** Connections it has closed so far. */
  readonly closed: number;
  readonly closeCode: number;
}

/** Process health over the last sample interval. */
export interface HealthStats {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Share of one core used by the process over the interval (1 = one full core). */
  readonly cpu: number;
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Cumulative count of errors caught inside the agent (hooks, collectors, sockets). */
  readonly errors: number;
}

/** agent → console, once per connection, before anything else. */
export interface HelloFrame {
  readonly type: 'hello';
  readonly protocol: number;
  readonly node: NodeIdentity;
  readonly role: Role;
  readonly intervalMs: number;
  readonly capabilities: readonly string[];
}

/** agent → console, every interval. */
export interface SampleFrame {
  readonly type: 'sample';
  /** Increases by one per sample computed, from 1, for the agent's lifetime. */
  readonly seq: number;
  /** Epoch milliseconds when the sample was taken. */
  readonly time: number;
  readonly state: NodeState;
  readonly connections: ConnectionStats;
  readonly traffic: TrafficStats;
  readonly health: HealthStats;
  readonly channels: ChannelStats;
  /** The drain or shed in progress, or null. */
  readonly drain: DrainProgress | null;
  /** What the host reported of the services it depends on (broker, database…), by name. */
  readonly dependencies: Readonly<Record<string, DependencyStatus>>;
}

/** A dependency's reachability as the host reports it; `since` is when it last changed (epoch ms). */
export interface DependencyStatus {
  readonly up: boolean;
  readonly since: number;
  /** A short description from the host, e.g. "redis://10.0.0.9:6379 connection refused". */
  readonly detail: string;
}

/** agent → console: something happened (state change, drain progress, an error). */
export interface EventFrame {
  readonly type: 'event';
  readonly time: number;
  readonly name: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** agent → console: the answer to a command, or to a frame that could not be accepted. */
export type ReplyFrame =
  | { readonly type: 'reply'; readonly id: string; readonly ok: true; readonly result: unknown }
  | {
      readonly type: 'reply';
      /** `null` when the frame was too broken to carry an id. */
      readonly id: string | null;
      readonly ok: false;
      readonly error: { readonly code: ErrorCode; readonly message: string };
    };

/** console → agent. */
export interface CommandFrame {
  readonly type: 'command';
  readonly id: string;
  readonly name: CommandName;
  readonly args: Readonly<Record<string, unknown>>;
}

/** Every frame an agent sends. */
export type AgentFrame = HelloFrame | SampleFrame | EventFrame | ReplyFrame;
/** Every frame a console sends. */
export type ConsoleFrame = CommandFrame;

/** The outcome of parsing a frame: the typed frame, or why it was refused. */
export type ParseResult<T> =
  | { readonly ok: true; readonly frame: T }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly id: string | null };

// A tiny schema language: enough to check every field of every frame without a dependency.
type Shape =
  | 'boolean'
  | 'string'
  | 'count'
  | 'number'
  | 'unknown'
  | 'record-of-strings'
  | 'string-list'
  | readonly ['enum', readonly string[]]
  | readonly ['record', Shape]
  | readonly ['list', Shape]
  | readonly ['nullable', Shape]
  | { readonly [field: string]: Shape };

/** Bound on list and record sizes inside a frame, so validation work stays bounded. */
const MAX_ITEMS = 10_000;

const identityShape = {
  nodeId: 'string',
  name: 'string',
  version: 'string',
  host: 'string',
  pid: 'count',
  startedAt: 'count',
  labels: 'record-of-strings',
} as const satisfies Record<keyof NodeIdentity, Shape>;

const transportCountsShape = { open: 'count', opened: 'count', closed: 'count' } as const satisfies Record<
  keyof TransportCounts,
  Shape
>;
const transportsShape = {
  websocket: transportCountsShape,
  sse: transportCountsShape,
  'long-polling': transportCountsShape,
} as const satisfies Record<Transport, Shape>;

const channelShape = {
  name: 'string',
  published: 'count',
  delivered: 'count',
  bytesIn: 'count',
  bytesOut: 'count',
  subscribers: 'count',
  error: 'count',
} as const satisfies Record<keyof ChannelFigures, Shape>;

const dependencyShape = { up: 'boolean', since: 'count', detail: 'string' } as const satisfies Record<
  keyof DependencyStatus,
  Shape
>;

const agentShapes = {
  hello: {
    protocol: 'count',
    node: identityShape,
    role: ['enum', ROLES],
    intervalMs: 'count',
    capabilities: 'string-list',
  } satisfies Record<Exclude<keyof HelloFrame, 'type'>, Shape>,
  sample: {
    seq: 'count',
    time: 'count',
    state: ['enum', NODE_STATES],
    connections: {
      open: 'count',
      opened: 'count',
      closed: 'count',
      byTransport: transportsShape,
      closeCodes: ['record', 'count'],
    } satisfies Record<keyof ConnectionStats, Shape>,

    traffic: {
      bytesIn: 'count',
      bytesOut: 'count',
      messagesIn: 'count',
      messagesOut: 'count',
      socketBytesRead: 'count',
      socketBytesWritten: 'count',
    } satisfies Record<keyof TrafficStats, Shape>,
    health: {
      rssBytes: 'count',
      heapUsedBytes: 'count',
      heapTotalBytes: 'count',
      cpu: 'number',
      loopDelayP50Ms: 'number',
      loopDelayP99Ms: 'number',
      loopDelayMaxMs: 'number',
      errors: 'count',
    } satisfies Record<keyof HealthStats, Shape>,
    channels: {
      intervalMs: 'count',
      top: ['list', channelShape],
      totals: { published: 'count', delivered: 'count', bytesIn: 'count', bytesOut: 'count' },
      subscribedChannels: 'count',
      subscribers: 'count',
      rejected: 'count',
    } satisfies Record<keyof ChannelStats, Shape>,
    drain: [
      'nullable',
      {
        kind: ['enum', ['drain', 'shed']],
        startedAt: 'count',
        deadlineAt: 'count',
        total: 'count',
        closed: 'count',
        closeCode: 'count',
      } satisfies Record<keyof DrainProgress, Shape>,
    ],
    dependencies: ['record', dependencyShape],
  } satisfies Record<Exclude<keyof SampleFrame, 'type'>, Shape>,
  event: { time: 'count', name: 'string', data: 'unknown' },
} as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each object shape's fields, listed once rather than on every frame. */
const fieldsOf = new WeakMap<object, ReadonlyArray<readonly [string, Shape]>>();
function fields(shape: { readonly [field: string]: Shape }): ReadonlyArray<readonly [string, Shape]> {
  let list = fieldsOf.get(shape);
  if (!list) {
    list = Object.entries(shape);
    fieldsOf.set(shape, list);
  }
  return list;
}

/**
 * The fast check: true when `value` matches. It builds no path strings, so a valid frame
 * (nearly all of them) costs a walk and nothing else; {@link mismatch} explains a failure.
 */
function matches(value: unknown, shape: Shape): boolean {
  if (typeof shape === 'string') {
    switch (shape) {
      case 'string':
        return typeof value === 'string';
      case 'boolean':
        return typeof value === 'boolean';
      case 'count':
        return Number.isSafeInteger(value) && (value as number) >= 0;
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) && value >= 0;
      case 'unknown':
        return isPlainObject(value);
      case 'record-of-strings':
        return isPlainObject(value) && Object.values(value).every((item) => typeof item === 'string');
      case 'string-list':
        return Array.isArray(value) && value.every((item) => typeof item === 'string');
    }
  }
  if (Array.isArray(shape)) {
    const [kind, inner] = shape as readonly [string, unknown];
    switch (kind) {
      case 'enum':
        return typeof value === 'string' && (inner as readonly string[]).includes(value);
      case 'nullable':
        return value === null || matches(value, inner as Shape);
      case 'list': {
        if (!Array.isArray(value) || value.length > MAX_ITEMS) return false;
        for (let index = 0; index < value.length; index++)
          if (!matches(value[index], inner as Shape)) return false;
        return true;
      }
      default: {
        if (!isPlainObject(value)) return false;
        let count = 0;
        for (const key in value) {
          if (++count > MAX_ITEMS || !matches(value[key], inner as Shape)) return false;
        }
        return true;
      }
    }
  }
  if (!isPlainObject(value)) return false;
  for (const [field, fieldShape] of fields(shape as { readonly [field: string]: Shape })) {
    if (!matches(value[field], fieldShape)) return false;
  }
  return true;
}

/** Describes the first field that does not match (the slow path, for failures only). */
function mismatch(value: unknown, shape: Shape, path: string): string | null {
  if (typeof shape === 'string') {
    switch (shape) {
      case 'string':
        return typeof value === 'string' ? null : `${path} must be a string`;
      case 'boolean':
        return typeof value === 'boolean' ? null : `${path} must be true or false`;
      case 'count':
        return Number.isSafeInteger(value) && (value as number) >= 0
          ? null
          : `${path} must be a non-negative integer`;
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) && value >= 0
          ? null
          : `${path} must be a non-negative number`;
      case 'unknown':
        return isPlainObject(value) ? null : `${path} must be an object`;
      case 'record-of-strings':
        return isPlainObject(value) && Object.values(value).every((item) => typeof item === 'string')
          ? null
          : `${path} must be an object of strings`;
      case 'string-list':
        return Array.isArray(value) && value.every((item) => typeof item === 'string')
          ? null
          : `${path} must be a list of strings`;
    }
  }
  if (Array.isArray(shape)) {
    const [kind, inner] = shape as readonly [string, unknown];
    switch (kind) {
      case 'enum': {
        const allowed = inner as readonly string[];
        return typeof value === 'string' && allowed.includes(value)
          ? null
          : `${path} must be one of ${allowed.join(', ')}`;
      }
      case 'nullable':
        return value === null ? null : mismatch(value, inner as Shape, path);
      case 'list': {
        if (!Array.isArray(value) || value.length > MAX_ITEMS)
          return `${path} must be a list of at most ${MAX_ITEMS}`;
        for (let index = 0; index < value.length; index++) {
          const problem = mismatch(value[index], inner as Shape, `${path}[${index}]`);
          if (problem) return problem;
        }
        return null;
      }
      default: {
        if (!isPlainObject(value)) return `${path} must be an object`;
        const entries = Object.entries(value);
        if (entries.length > MAX_ITEMS) return `${path} must have at most ${MAX_ITEMS} entries`;
        for (const [key, item] of entries) {
          const problem = mismatch(item, inner as Shape, `${path}.${key}`);
          if (problem) return problem;
        }
        return null;
      }
    }
  }

  if (!isPlainObject(value)) return `${path} must be an object`;
  for (const [field, fieldShape] of Object.entries(shape as Record<string, Shape>)) {
    const problem = mismatch(value[field], fieldShape, path ? `${path}.${field}` : field);
    if (problem) return problem;
  }
  return null;
}

function decode(data: string, limit: number): { value: Record<string, unknown> } | { error: string } {
  // Length in UTF-16 units: at most the byte length, so this never refuses a frame within the limit.
  if (data.length > limit) return { error: `frame is larger than ${limit} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { error: 'frame is not valid JSON' };
  }
  if (!isPlainObject(value)) return { error: 'frame must be a JSON object' };
  return { value };
}

/**
 * Names a received value in an error message without recursing into it: a frame may nest
 * thousands of levels deep, and JSON.stringify of that overflows the stack.
 */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
}

function idOf(value: Record<string, unknown>): string | null {
  return typeof value.id === 'string' && value.id.length > 0 && value.id.length <= 128 ? value.id : null;
}

function refuse<T>(code: ErrorCode, message: string, id: string | null = null): ParseResult<T> {
  return { ok: false, code, message, id };
}

/** Parses and validates a frame received from an agent. Never throws. */
export function parseAgentFrame(data: string): ParseResult<AgentFrame> {
  const decoded = decode(data, MAX_AGENT_FRAME_BYTES);
  if ('error' in decoded) return refuse('bad-frame', decoded.error);
  const frame = decoded.value;
  // The version decides the shape, so check it before the shape.
  if (frame.type === 'hello' && frame.protocol !== PROTOCOL_VERSION) {
    return refuse(
      'unsupported',
      `agent speaks protocol ${describeValue(frame.protocol)}, this console speaks ${PROTOCOL_VERSION}`,
    );
  }
  if (frame.type === 'reply') {
    const id = idOf(frame);
    if (frame.ok === true && id !== null) return { ok: true, frame: frame as unknown as ReplyFrame };
    if (
      frame.ok === false &&
      (id !== null || frame.id === null) &&
      isPlainObject(frame.error) &&
      typeof frame.error.message === 'string' &&
      ERROR_CODES.includes(frame.error.code as ErrorCode)
    ) {
      return { ok: true, frame: frame as unknown as ReplyFrame };
    }
    return refuse('bad-frame', 'reply must carry an id and either ok: true or a known error');
  }
  if (frame.type !== 'hello' && frame.type !== 'sample' && frame.type !== 'event') {
    return refuse('unknown-type', `unknown frame type ${describeValue(frame.type)}`);
  }
  const shape = agentShapes[frame.type];
  const problem = matches(frame, shape) ? null : mismatch(frame, shape, '');
  if (problem) return refuse('bad-frame', `${frame.type}: ${problem}`);
  return { ok: true, frame: frame as unknown as AgentFrame };
}

/** Parses and validates a frame received from a console. Never throws. */
export function parseConsoleFrame(data: string): ParseResult<ConsoleFrame> {
  const decoded = decode(data, MAX_FRAME_BYTES);
  if ('error' in decoded) return refuse('bad-frame', decoded.error);
  const frame = decoded.value;
  const id = idOf(frame);
  if (frame.type !== 'command')
    return refuse('unknown-type', `unknown frame type ${describeValue(frame.type)}`, id);
  if (id === null) return refuse('bad-frame', 'command needs an id: a string of 1 to 128 characters');
  if (!COMMAND_NAMES.includes(frame.name as CommandName)) {
    return refuse('unknown-command', `unknown command ${describeValue(frame.name)}`, id);
  }
  const args = frame.args ?? {};
  if (!isPlainObject(args)) return refuse('bad-args', 'args must be an object', id);
  return { ok: true, frame: { type: 'command', id, name: frame.name as CommandName, args } };
}

/** Serializes a frame; the single place where frames become text. */
export function encodeFrame(frame: AgentFrame | ConsoleFrame): string {
  return JSON.stringify(frame);
}
