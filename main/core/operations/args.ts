/**
 * Checks the untrusted arguments of the operation requests (from the renderer over IPC or the
 * web socket). Each returns the typed arguments or throws a TypeError that says what is wrong.
 */
import type { ConsoleRequests } from '../../common/console-api.js';
import {
  type AddNodeRequest,
  BALANCER_STATES,
  type BalancerStateName,
  type RollRequest,
  type ShedAmount,
} from '../../common/models.js';

/** Bounds of a drain, shed or remove deadline, ms. */
export const DEADLINE_BOUNDS_MS = { min: 1_000, max: 3_600_000 } as const;

function nodeIdArg(value: unknown, method: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new TypeError(`${method} needs a node id`);
  }
  return value;
}

function deadlineArg(value: unknown, method: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < DEADLINE_BOUNDS_MS.min ||
    value > DEADLINE_BOUNDS_MS.max
  ) {
    throw new TypeError(
      `${method} needs a deadline in whole milliseconds from ${DEADLINE_BOUNDS_MS.min} to ${DEADLINE_BOUNDS_MS.max}`,
    );
  }
  return value;
}

function count(args: readonly unknown[], expected: number, method: string): void {
  if (args.length !== expected) {
    throw new TypeError(
      `${method} takes ${expected} argument${expected === 1 ? '' : 's'}, got ${args.length}`,
    );
  }
}

/** [nodeId, deadlineMs] of previewDrain, drainNode and removeNode. */
export function parseNodeDeadlineArgs(args: readonly unknown[], method: string): [string, number] {
  count(args, 2, method);
  return [nodeIdArg(args[0], method), deadlineArg(args[1], method)];
}

/** [nodeId] of undrainNode. */
export function parseNodeArgs(args: readonly unknown[], method: string): [string] {
  count(args, 1, method);
  return [nodeIdArg(args[0], method)];
}

/** A shed amount: `{ count }` (a whole number ≥ 1) or `{ percent }` (above 0, at most 100). */
export function parseShedAmount(value: unknown, method: string): ShedAmount {
  if (typeof value === 'object' && value !== null) {
    const { count: howMany, percent } = value as { count?: unknown; percent?: unknown };
    if (
      howMany !== undefined &&
      percent === undefined &&
      Number.isSafeInteger(howMany) &&
      (howMany as number) >= 1
    ) {
      return { count: howMany as number };
    }
    if (
      percent !== undefined &&
      howMany === undefined &&
      typeof percent === 'number' &&
      percent > 0 &&
      percent <= 100
    ) {
      return { percent };
    }
  }
  throw new TypeError(`${method} needs { count: N } (N ≥ 1) or { percent: P } (0 < P ≤ 100)`);
}

/** [nodeId, amount, deadlineMs] of previewShed and shedNode. */
export function parseShedArgs(args: readonly unknown[], method: string): [string, ShedAmount, number] {
  count(args, 3, method);
  return [nodeIdArg(args[0], method), parseShedAmount(args[1], method), deadlineArg(args[2], method)];
}

/** [request] of addNode. */
export function parseAddNodeArgs(args: readonly unknown[]): [AddNodeRequest] {
  count(args, 1, 'addNode');
  const value = args[0];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('addNode takes { id?, host?, port? }');
  }
  const { id, host, port } = value as Record<string, unknown>;
  const request: { id?: string; host?: string; port?: number } = {};
  if (id !== undefined) {
    if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id)) {
      throw new TypeError('addNode id must be 1–128 letters, digits, ".", "_", ":" or "-"');
    }
    request.id = id;
  }
  if (host !== undefined) {
    if (typeof host !== 'string' || !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(host)) {
      throw new TypeError('addNode host must be a host name or an IP address');
    }
    request.host = host;
  }
  if (port !== undefined) {
    if (!Number.isSafeInteger(port) || (port as number) < 1 || (port as number) > 65_535) {
      throw new TypeError('addNode port must be 1–65535');
    }
    request.port = port as number;
  }
  return [request];
}

/** [request] of startRoll. */
export function parseRollArgs(args: readonly unknown[]): [RollRequest] {
  count(args, 1, 'startRoll');
  const value = args[0];
  if (typeof value !== 'object' || value === null) throw new TypeError('startRoll takes a roll request');
  const { nodeIds, concurrency, deadlineMs, minActive } = value as Record<string, unknown>;
  if (!Array.isArray(nodeIds) || nodeIds.length === 0 || nodeIds.length > 1000) {
    throw new TypeError('startRoll needs 1–1000 node ids');
  }
  const ids = nodeIds.map((id) => nodeIdArg(id, 'startRoll'));
  if (new Set(ids).size !== ids.length) throw new TypeError('startRoll names a node twice');
  if (
    !Number.isSafeInteger(concurrency) ||
    (concurrency as number) < 1 ||
    (concurrency as number) > ids.length
  ) {
    throw new TypeError(`startRoll concurrency must be 1–${ids.length}`);
  }
  const request: RollRequest = {
    nodeIds: ids,
    concurrency: concurrency as number,
    deadlineMs: deadlineArg(deadlineMs, 'startRoll'),
    ...(minActive === undefined ? {} : { minActive: minActiveArg(minActive) }),
  };
  return [request];
}

function minActiveArg(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new TypeError('startRoll minActive must be a whole number, 0 or more');
  }
  return value as number;
}

/** [rollId, action] of controlRoll. */
export function parseControlRollArgs(args: readonly unknown[]): [string, 'pause' | 'resume' | 'abort'] {
  count(args, 2, 'controlRoll');
  const [id, action] = args;
  if (typeof id !== 'string' || id.length === 0 || id.length > 64)
    throw new TypeError('controlRoll needs a roll id');
  if (action !== 'pause' && action !== 'resume' && action !== 'abort') {
    throw new TypeError('controlRoll action must be pause, resume or abort');
  }
  return [id, action];
}

/** [limit] of getActivity. */
export function parseActivityArgs(args: readonly unknown[]): [number] {
  count(args, 1, 'getActivity');
  const [limit] = args;
  if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > 1000) {
    throw new TypeError('getActivity takes a limit of 1–1000 entries');
  }
  return [limit as number];
}

/** [nodeId, state] of setBalancerState. */
export function parseBalancerStateArgs(args: readonly unknown[]): [string, BalancerStateName] {
  count(args, 2, 'setBalancerState');
  const state = args[1];
  if (typeof state !== 'string' || !(BALANCER_STATES as readonly string[]).includes(state)) {
    throw new TypeError(`setBalancerState state must be ${BALANCER_STATES.join(', ')}`);
  }
  return [nodeIdArg(args[0], 'setBalancerState'), state as BalancerStateName];
}

/** No arguments. */
export function parseNoArgs(args: readonly unknown[], method: string): [] {
  count(args, 0, method);
  return [];
}

/** The operation requests' names. */
export type OperationRequestName =
  | 'previewDrain'
  | 'drainNode'
  | 'undrainNode'
  | 'previewShed'
  | 'shedNode'
  | 'addNode'
  | 'removeNode'
  | 'startRoll'
  | 'controlRoll'
  | 'getOperations'
  | 'getActivity'
  | 'getBalancer'
  | 'setBalancerState';

/** One parser per operation request, shared by the IPC transport and the service's handlers. */
export const OPERATION_ARG_PARSERS: {
  readonly [M in OperationRequestName]: (args: readonly unknown[]) => ConsoleRequests[M]['args'];
} = {
  previewDrain: (args) => parseNodeDeadlineArgs(args, 'previewDrain'),
  drainNode: (args) => parseNodeDeadlineArgs(args, 'drainNode'),
  undrainNode: (args) => parseNodeArgs(args, 'undrainNode'),
  previewShed: (args) => parseShedArgs(args, 'previewShed'),
  shedNode: (args) => parseShedArgs(args, 'shedNode'),
  addNode: (args) => parseAddNodeArgs(args),
  removeNode: (args) => parseNodeDeadlineArgs(args, 'removeNode'),
  startRoll: (args) => parseRollArgs(args),
  controlRoll: (args) => parseControlRollArgs(args),
  getOperations: (args) => parseNoArgs(args, 'getOperations'),
  getActivity: (args) => parseActivityArgs(args),
  getBalancer: (args) => parseNoArgs(args, 'getBalancer'),
  setBalancerState: (args) => parseBalancerStateArgs(args),
};
