/**
 * Drain, undrain and shed from the console: previews with a capacity check, the agent commands,
 * progress watched from samples, and the audit log.
 *
 * The agent owns a drain (agent/drain.ts): it carries on whatever happens to the console. This
 * module only asks for it and watches it. Each drain or shed it starts is a running audit
 * record until the node's samples show the end:
 *
 * - drain: `succeeded` when the node reports `drained` with 0 open connections (safe to stop);
 *   `aborted` when it turns `active` first (undrained, from here or elsewhere); `failed` when it
 *   stays unreachable for longer than the deadline + {@link UNREACHABLE_GRACE_MS}, restarts, or
 *   leaves the fleet.
 * - shed: `succeeded` when the agent's progress of that shed reaches its total or is gone (the
 *   run is over); `aborted` when a drain or another shed replaces it.
 * - the console closing: every running record ends `aborted` ("the agent carries on").
 *
 * Samples are compared on the agent's clock only (the command's reply carries the run's
 * `startedAt`), so a sample taken before the command is never read as its outcome.
 */
import type { DrainProgress } from '../../../agent/protocol.js';
import {
  isSafeToStop,
  type MovePreview,
  type NodeView,
  type OperationOutcome,
  type OperationRecord,
  type ShedAmount,
} from '../../common/models.js';
import type { OperationHandle } from './audit-log.js';
import { DEFAULT_CAPACITY } from './capacity.js';
import type { OperationsContext } from './context.js';
import { previewMove, shedCount } from './move-preview.js';

/** Drain operations of one fleet. */
export interface DrainOperations {
  previewDrain(nodeId: string, deadlineMs: number): Promise<MovePreview>;
  /**
   * Starts a drain and resolves with its running audit record; the record finishes when the node
   * is empty. Idempotent: while a drain this console started on the node runs, returns its record.
   */
  drain(nodeId: string, deadlineMs: number, parentId?: string | null): Promise<OperationRecord>;
  /** Resolves once the node reports `drained` (or rejects when it goes away or `timeoutMs` passes). */
  waitDrained(nodeId: string, timeoutMs: number): Promise<void>;
  /** Returns the node to `active` and ends the running drain record of the node as `aborted`. */
  undrain(nodeId: string, parentId?: string | null): Promise<OperationRecord>;
  previewShed(nodeId: string, amount: ShedAmount, deadlineMs: number): Promise<MovePreview>;
  shed(nodeId: string, amount: ShedAmount, deadlineMs: number): Promise<OperationRecord>;
  dispose(): void;
}

/**
 * What the module's owner (the console service, the CLI) gets beyond {@link DrainOperations}:
 * following a record to its end. Kept apart so fakes of DrainOperations stay small.
 */
export interface DrainControl extends DrainOperations {
  /**
   * Resolves with the final record of a drain or shed this console started, once it ends (at once
   * when it has ended). Rejects for an id it does not know.
   */
  settled(recordId: string): Promise<OperationRecord>;
  /**
   * Stops watching a running drain or shed and finishes its record with `outcome` and `message`
   * (the CLI without `--wait` hands the drain over to the agent; `--wait` gives up). Resolves
   * with the final record, or null when it was not running.
   */
  detach(
    recordId: string,
    outcome: Exclude<OperationOutcome, 'running'>,
    message: string,
  ): Promise<OperationRecord | null>;
  /** Resolves once every audit line this module has started writing is on disk. */
  flushed(): Promise<void>;
}

/** A drain or shed gives up this long after its deadline while its node stays unreachable, ms. */
export const UNREACHABLE_GRACE_MS = 10_000;
/** How often running drains are checked besides every delta (for the unreachable timeout), ms. */
const CHECK_EVERY_MS = 500;
/** Final records kept for {@link DrainOperations.settled} after they end. */
const KEPT_FINAL_RECORDS = 200;
/** What dispose() tells the audit log about the drains still running. */
export const CONSOLE_CLOSED_MESSAGE = 'the console closed while it ran; the agent carries on';

interface Watch {
  readonly kind: 'drain' | 'shed';
  readonly nodeId: string;
  readonly handle: OperationHandle;
  readonly deadlineMs: number;
  /** The run as the agent replied to the command; its `startedAt` is on the agent's clock. */
  readonly run: DrainProgress;
  /** The agent process (identity.startedAt) that runs it, to tell a restart. */
  readonly agentStartedAt: number | null;
  /** The node was drained already when asked. */
  readonly alreadyDrained: boolean;
  /** The latest progress of this run seen in a sample. */
  latest: DrainProgress;
  unreachableSince: number | null;
  readonly settle: Array<(record: OperationRecord) => void>;
}

interface Waiter {
  readonly nodeId: string;
  readonly deadline: number;
  readonly timeoutMs: number;
  resolve(): void;
  reject(error: Error): void;
}

/** The reply of `drain` or `shed`: the run's progress. Falls back to "now" for an odd reply. */
function replyProgress(value: unknown, kind: 'drain' | 'shed', view: NodeView): DrainProgress {
  const reply = value as Partial<DrainProgress> | null;
  if (
    typeof reply === 'object' &&
    reply !== null &&
    (reply.kind === 'drain' || reply.kind === 'shed') &&
    typeof reply.startedAt === 'number' &&
    typeof reply.deadlineAt === 'number' &&
    typeof reply.total === 'number' &&
    typeof reply.closed === 'number'
  ) {
    return reply as DrainProgress;
  }
  const at = view.lastSampleAt ?? Date.now();
  return { kind, startedAt: at, deadlineAt: at, total: 0, closed: 0, closeCode: 1012 };
}

/** A readable error for a failed command; `verb` is "draining", "undraining" or "shedding". */
function commandError(error: unknown, nodeId: string, verb: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/\(forbidden\)$/.test(message)) {
    return new Error(
      `This fleet file gives only the read token; ${verb} needs the operate token (tokens.operate)`,
    );
  }
  if (/is not connected$/.test(message))
    return new Error(`${nodeId} is unreachable: ${verb} needs its agent`);
  // The link went down before the reply ("node-2: connection refused").
  if (message.startsWith(`${nodeId}: `)) {
    return new Error(`${nodeId} is unreachable (${message.slice(nodeId.length + 2)})`);
  }
  return new Error(message.startsWith(nodeId) ? message : `${nodeId}: ${message}`);
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function amountText(amount: ShedAmount): string {
  return 'count' in amount ? `${amount.count}` : `${amount.percent} %`;
}

export function createDrainOperations(context: OperationsContext): DrainControl {
  /** Running drains and sheds by node: the agent runs one at a time per node. */
  const watches = new Map<string, Watch>();
  const byRecord = new Map<string, Watch>();
  const finals = new Map<string, OperationRecord>();
  const startingDrains = new Map<string, Promise<OperationRecord>>();
  const waiters = new Set<Waiter>();
  const writes = new Set<Promise<unknown>>();
  let unsubscribe: (() => void) | null = null;
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;

  const limits = () => context.fleet.capacity ?? DEFAULT_CAPACITY;

  const assertOpen = () => {
    if (disposed) throw new Error('the console is closed');
  };

  const requireView = (nodeId: string): NodeView => {
    const view = context.view(nodeId);
    if (view === null) throw new Error(`no node "${nodeId}" in this fleet`);
    return view;
  };

  const requireReachable = (view: NodeView, what: string): void => {
    if (view.status === 'unreachable' || view.status === 'connecting') {
      const why = view.status === 'connecting' ? 'not linked yet' : (view.problem ?? 'no link');
      throw new Error(`${view.id} is unreachable (${why}): it cannot be ${what} now`);
    }
  };

  const track = <T>(write: Promise<T>): Promise<T> => {
    writes.add(write);
    const forget = () => writes.delete(write);
    write.then(forget, forget);
    return write;
  };

  /** Finishes a record; a failed disk write is reported, never thrown into a watcher. */
  const finishRecord = (
    handle: OperationHandle,
    outcome: Exclude<OperationOutcome, 'running'>,
    message: string,
  ): Promise<OperationRecord> =>
    track(
      handle.finish(outcome, message).catch((error: unknown) => {
        console.error('fleetdeck: could not write the audit log', error);
        return { ...handle.record, endedAt: Date.now(), outcome, message };
      }),
    );

  const keepFinal = (record: OperationRecord) => {
    finals.set(record.id, record);
    if (finals.size > KEPT_FINAL_RECORDS) finals.delete(finals.keys().next().value as string);
  };

  /** Ends a watch: stops watching, finishes the record, settles whoever waits on it. */
  const end = (
    watch: Watch,
    outcome: Exclude<OperationOutcome, 'running'>,
    message: string,
  ): Promise<OperationRecord> => {
    if (watches.get(watch.nodeId) === watch) watches.delete(watch.nodeId);
    byRecord.delete(watch.handle.record.id);
    if (watch.kind === 'drain' && outcome !== 'succeeded') {
      for (const waiter of waiters) {
        if (waiter.nodeId !== watch.nodeId) continue;
        waiters.delete(waiter);
        waiter.reject(new Error(`${watch.nodeId} did not drain: ${message}`));
      }
    }
    const finished = finishRecord(watch.handle, outcome, message).then((record) => {
      keepFinal(record);
      for (const settle of watch.settle.splice(0)) settle(record);
      return record;
    });
    stopIfIdle();
    return finished;
  };

  const closedSoFar = (watch: Watch) => `${watch.latest.closed} of ${watch.latest.total}`;

  const checkWatch = (watch: Watch, now: number): void => {
    const { nodeId, kind } = watch;
    const view = context.view(nodeId);
    if (view === null) {
      end(watch, 'failed', `${nodeId} left the fleet before its ${kind} finished`);
      return;
    }
    if (view.status === 'unreachable' || view.status === 'connecting') {
      watch.unreachableSince ??= now;
      const downFor = now - watch.unreachableSince;
      if (downFor > watch.deadlineMs + UNREACHABLE_GRACE_MS) {
        end(
          watch,
          'failed',
          `${nodeId} has been unreachable for ${seconds(downFor)}, longer than the deadline + ${seconds(UNREACHABLE_GRACE_MS)}: whether its ${kind} finished is unknown`,
        );
      }
      return;
    }
    watch.unreachableSince = null;
    const agentRun = view.identity?.startedAt ?? null;
    if (watch.agentStartedAt !== null && agentRun !== null && agentRun !== watch.agentStartedAt) {
      end(watch, 'failed', `${nodeId} restarted before its ${kind} finished (${closedSoFar(watch)} closed)`);
      return;
    }
    // A sample from before the command (or of the same millisecond) says nothing about it.
    if (view.lastSampleAt === null || view.lastSampleAt <= watch.run.startedAt) return;
    const progress = view.drain ?? null;
    const sameRun = progress?.kind === kind && progress.startedAt === watch.run.startedAt;
    if (sameRun) watch.latest = progress;
    const tookMs = view.lastSampleAt - watch.run.startedAt;

    if (kind === 'drain') {
      switch (view.status) {
        case 'drained':
          if (!isSafeToStop(view)) return;
          end(
            watch,
            'succeeded',
            watch.alreadyDrained
              ? `${nodeId} was already drained: empty and safe to stop`
              : `drained ${watch.latest.total} connections in ${seconds(tookMs)}; ${nodeId} is empty and safe to stop`,
          );
          return;
        case 'active':
          end(watch, 'aborted', `undrained after closing ${closedSoFar(watch)} connections`);
          return;
        case 'draining':
          return;
      }
    }
    if (sameRun) {
      if (progress.closed >= progress.total) {
        end(watch, 'succeeded', `shed ${progress.closed} connections in ${seconds(tookMs)}`);
      }
      return;
    }
    if (progress?.kind === 'drain' || view.status !== 'active') {
      end(watch, 'aborted', `a drain replaced the shed after ${closedSoFar(watch)} connections`);
    } else if (progress?.kind === 'shed') {
      end(watch, 'aborted', `another shed replaced this one after ${closedSoFar(watch)} connections`);
    } else {
      // The run is over: the agent drops its progress when the last close is made.
      end(watch, 'succeeded', `shed ${watch.latest.total} connections in ${seconds(tookMs)}`);
    }
  };

  const checkWaiter = (waiter: Waiter, now: number): void => {
    const view = context.view(waiter.nodeId);
    let error: Error | null = null;
    if (view === null) error = new Error(`${waiter.nodeId} left the fleet before it drained`);
    else if (isSafeToStop(view)) {
      waiters.delete(waiter);
      waiter.resolve();
      return;
    } else if (now >= waiter.deadline) {
      const open = view.connections?.open;
      error = new Error(
        `${waiter.nodeId} was not drained within ${seconds(waiter.timeoutMs)} (${view.status}${open === undefined ? '' : `, ${open} connections open`})`,
      );
    }
    if (error !== null) {
      waiters.delete(waiter);
      waiter.reject(error);
    }
  };

  const check = (): void => {
    const now = Date.now();
    for (const watch of [...watches.values()]) {
      try {
        checkWatch(watch, now);
      } catch (error) {
        console.error('fleetdeck: checking a drain failed', error);
      }
    }
    for (const waiter of [...waiters]) checkWaiter(waiter, now);
    stopIfIdle();
  };

  function startWatching(): void {
    if (unsubscribe !== null || disposed) return;
    // subscribe() calls back at once with a reset delta: check after setting up instead.
    let ready = false;
    unsubscribe = context.subscribe(() => {
      if (ready) check();
    });
    ready = true;
    timer = setInterval(check, CHECK_EVERY_MS);
    check();
  }

  function stopIfIdle(): void {
    if (watches.size > 0 || waiters.size > 0 || unsubscribe === null) return;
    unsubscribe();
    unsubscribe = null;
    clearInterval(timer);
    timer = undefined;
  }

  const register = (watch: Watch): void => {
    watches.set(watch.nodeId, watch);
    byRecord.set(watch.handle.record.id, watch);
    startWatching();
  };

  /** Runs a command on behalf of an audit record: a failure finishes it `failed` and throws readably. */
  const commandFor = async (
    handle: OperationHandle,
    nodeId: string,
    verb: string,
    name: 'drain' | 'undrain' | 'shed',
    args: Record<string, unknown>,
  ): Promise<unknown> => {
    try {
      return await context.command(nodeId, name, args);
    } catch (error) {
      const readable = commandError(error, nodeId, verb);
      await finishRecord(handle, 'failed', readable.message);
      throw readable;
    }
  };

  const startDrain = async (
    nodeId: string,
    deadlineMs: number,
    parentId: string | null,
  ): Promise<OperationRecord> => {
    const view = requireView(nodeId);
    requireReachable(view, 'drained');
    const handle = await track(
      context.audit.start({
        action: 'drain',
        nodeId,
        args: { deadlineMs, connections: view.connections?.open ?? null },
        source: context.source,
        fleet: context.fleet.name,
        parentId,
      }),
    );
    const reply = await commandFor(handle, nodeId, 'draining', 'drain', { deadlineMs });
    const run = replyProgress(reply, 'drain', view);
    // The agent's drain replaces a shed in progress.
    const shedding = watches.get(nodeId);
    if (shedding !== undefined) {
      end(shedding, 'aborted', `a drain replaced the shed after ${closedSoFar(shedding)} connections`);
    }
    register({
      kind: 'drain',
      nodeId,
      handle,
      deadlineMs,
      run,
      agentStartedAt: context.view(nodeId)?.identity?.startedAt ?? null,
      alreadyDrained: view.status === 'drained',
      latest: run,
      unreachableSince: null,
      settle: [],
    });
    return handle.record;
  };

  return {
    async previewDrain(nodeId, deadlineMs) {
      return previewMove({ kind: 'drain', nodeId, deadlineMs, views: context.views(), limits: limits() });
    },

    async drain(nodeId, deadlineMs, parentId = null) {
      assertOpen();
      const running = watches.get(nodeId);
      if (running?.kind === 'drain') return running.handle.record;
      const starting = startingDrains.get(nodeId);
      if (starting !== undefined) return starting;
      const started = startDrain(nodeId, deadlineMs, parentId ?? null);
      startingDrains.set(nodeId, started);
      try {
        return await started;
      } finally {
        startingDrains.delete(nodeId);
      }
    },

    waitDrained(nodeId, timeoutMs) {
      if (disposed) return Promise.reject(new Error('the console is closed'));
      return new Promise<void>((resolve, reject) => {
        waiters.add({ nodeId, deadline: Date.now() + timeoutMs, timeoutMs, resolve, reject });
        if (unsubscribe === null) startWatching();
        else check();
      });
    },

    async undrain(nodeId, parentId = null) {
      assertOpen();
      const view = requireView(nodeId);
      requireReachable(view, 'undrained');
      const handle = await track(
        context.audit.start({
          action: 'undrain',
          nodeId,
          args: {},
          source: context.source,
          fleet: context.fleet.name,
          parentId: parentId ?? null,
        }),
      );
      await commandFor(handle, nodeId, 'undraining', 'undrain', {});
      const draining = watches.get(nodeId);
      let message = view.status === 'active' ? `${nodeId} was already active` : `${nodeId} is active again`;
      if (draining?.kind === 'drain') {
        const closed = closedSoFar(draining);
        end(draining, 'aborted', `undrained after closing ${closed} connections`);
        message = `${nodeId} is active again; its drain stopped after ${closed} connections`;
      } else if (draining?.kind === 'shed') {
        // The agent's undrain stops a shed too. The view read before the command is fresher than the watch.
        const latest = view.drain?.kind === 'shed' ? view.drain : draining.latest;
        const closed = Math.max(latest.closed, draining.latest.closed);
        end(draining, 'aborted', `stopped by undrain after closing ${closed} of ${latest.total} connections`);
        message = `${nodeId}'s shed stopped after ${closed} of ${latest.total} connections`;
      }
      return finishRecord(handle, 'succeeded', message);
    },

    async previewShed(nodeId, amount, deadlineMs) {
      return previewMove({
        kind: 'shed',
        nodeId,
        amount,
        deadlineMs,
        views: context.views(),
        limits: limits(),
      });
    },

    async shed(nodeId, amount, deadlineMs) {
      assertOpen();
      const view = requireView(nodeId);
      requireReachable(view, 'shed');
      if (view.status !== 'active') {
        throw new Error(`${nodeId} is ${view.status}: only an active node can shed connections`);
      }
      const open = view.connections?.open ?? 0;
      const count = shedCount(amount, open);
      if (count < 1) {
        throw new Error(
          `Nothing to shed: ${amountText(amount)} of the ${open} open connections of ${nodeId} is none`,
        );
      }
      const handle = await track(
        context.audit.start({
          action: 'shed',
          nodeId,
          args: { ...amount, count, deadlineMs, connections: open },
          source: context.source,
          fleet: context.fleet.name,
        }),
      );
      const reply = await commandFor(handle, nodeId, 'shedding', 'shed', { count, deadlineMs });
      const run = replyProgress(reply, 'shed', view);
      const previous = watches.get(nodeId);
      if (previous !== undefined) {
        end(previous, 'aborted', `a new shed replaced this one after ${closedSoFar(previous)} connections`);
      }
      register({
        kind: 'shed',
        nodeId,
        handle,
        deadlineMs,
        run,
        agentStartedAt: view.identity?.startedAt ?? null,
        alreadyDrained: false,
        latest: run,
        unreachableSince: null,
        settle: [],
      });
      return handle.record;
    },

    settled(recordId) {
      const final = finals.get(recordId);
      if (final !== undefined) return Promise.resolve(final);
      const watch = byRecord.get(recordId);
      if (watch === undefined) return Promise.reject(new Error(`no drain or shed ${recordId} runs here`));
      return new Promise((resolve) => watch.settle.push(resolve));
    },

    async detach(recordId, outcome, message) {
      const watch = byRecord.get(recordId);
      return watch === undefined ? null : end(watch, outcome, message);
    },

    async flushed() {
      while (writes.size > 0) await Promise.allSettled([...writes]);
    },

    dispose() {
      if (disposed) return;
      for (const watch of [...watches.values()]) end(watch, 'aborted', CONSOLE_CLOSED_MESSAGE);
      for (const waiter of [...waiters]) waiter.reject(new Error('the console closed'));
      waiters.clear();
      disposed = true;
      stopIfIdle();
      unsubscribe?.();
      unsubscribe = null;
      clearInterval(timer);
    },
  };
}
