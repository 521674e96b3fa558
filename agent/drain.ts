/**
 * Drain and shed: closing connections at a pace, not all at once, so the clients'
 * reconnects spread over the other nodes instead of arriving as one storm.
 *
 * The i-th of N closes is due at a random moment inside its own slot,
 * `start + (i + u) × spread / N` with u uniform in [0, 1) (stratified jitter): the rate is
 * even over the spread, yet no two nodes or runs close in lockstep. A drain spreads its
 * closes over 80 % of the deadline, closes whatever remains at the deadline, and becomes
 * `drained` once no connection is left. The agent owns it: it carries on whatever happens
 * to the console that asked for it.
 */
import type { Closable, ConnectionCollector } from './collectors/connections.js';
import type { DrainProgress, NodeState } from './protocol.js';

/** What a drain or shed was asked to do. */
export interface DrainRequest {
  readonly kind: 'drain' | 'shed';
  /** For a shed: how many connections to close. A drain closes them all. */
  readonly count: number;
  readonly deadlineMs: number;
  readonly closeCode: number;
  readonly reason: string;
}

/** Passed to the host's hook before each close. */
export interface CloseContext {
  readonly kind: 'drain' | 'shed';
  readonly code: number;
  readonly reason: string;
  /** True for the closes forced at a drain's deadline. */
  readonly forced: boolean;
}

/** What the controller needs from the agent. */
export interface DrainHost {
  readonly connections: ConnectionCollector;
  /** Calls the host's hook; must not throw. */
  beforeClose(connection: Closable, context: CloseContext): void;
  setState(state: NodeState): void;
  event(name: string, data: Record<string, unknown>): void;
  countError(error: unknown): void;
}

/** Share of the deadline over which a drain spreads its closes; the rest is for stragglers. */
const SPREAD_SHARE = 0.8;
/** After forcing the last closes, how long a socket may take to finish its close handshake. */
const FORCE_GRACE_MS = 2_000;
const PROGRESS_EVERY_MS = 1_000;

interface Run {
  readonly request: DrainRequest;
  readonly startedAt: number;
  readonly deadlineAt: number;
  /** Connections it set out to close. */
  readonly total: number;
  /** Closes it has made so far (a drain also counts connections that left by themselves). */
  closed: number;
  /** Start offsets (ms) of each close's slot plus its jitter, drawn when the run starts. */
  readonly dueAt: Float64Array;
  /** How many closes are due so far (the schedule is sorted, so this only moves forward). */
  due: number;
  timer: NodeJS.Timeout | undefined;
  lastProgressAt: number;
  forcedAt: number | null;
}

/** Runs at most one drain or shed at a time. */
export class DrainController {
  private run: Run | null = null;
  /** The last run's final figures, for a caller whose run finished at once. */
  private finished: DrainProgress | null = null;

  constructor(
    private readonly host: DrainHost,
    private readonly now: () => number = Date.now,
  ) {}

  /** The drain or shed in progress, or null. */
  progress(): DrainProgress | null {
    const run = this.run;
    if (!run) return null;
    const { kind, closeCode } = run.request;
    return {
      kind,
      startedAt: run.startedAt,
      deadlineAt: run.deadlineAt,
      total: run.total,
      closed: run.closed,
      closeCode,
    };
  }

  /** Starts a run. The caller checks idempotence and state rules. */
  start(request: DrainRequest): DrainProgress {
    // A drain replaces a shed in progress; say so rather than dropping it silently.
    this.cancel();
    const startedAt = this.now();
    const open = this.host.connections.closable;
    const total = request.kind === 'drain' ? open : Math.min(request.count, open);
    const spreadMs = request.deadlineMs * (request.kind === 'drain' ? SPREAD_SHARE : 1);
    const dueAt = new Float64Array(total);
    for (let index = 0; index < total; index++) dueAt[index] = ((index + Math.random()) * spreadMs) / total;
    this.run = {
      request,
      startedAt,
      deadlineAt: startedAt + request.deadlineMs,
      total,
      closed: 0,
      dueAt,
      due: 0,
      timer: undefined,
      lastProgressAt: startedAt,
      forcedAt: null,
    };
    if (request.kind === 'drain') this.host.setState('draining');
    this.host.event(`${request.kind}-started`, {
      total,
      deadlineMs: request.deadlineMs,
      closeCode: request.closeCode,
      reason: request.reason,
    });
    // Tick often enough to keep each close near its slot, rarely enough to cost nothing.
    const tickMs = Math.max(10, Math.min(100, total > 0 ? spreadMs / total : 100));
    const run = this.run;
    run.timer = setInterval(() => this.tick(run), tickMs);
    run.timer.unref();
    this.tick(run);
    // With nothing to close, the run ends inside this tick: report its final figures.
    return this.progress() ?? (this.finished as DrainProgress);
  }

  /** Cancels the run in progress (undrain). Connections already closed stay closed. */
  cancel(): DrainProgress | null {
    const progress = this.progress();
    if (progress)
      this.host.event(`${progress.kind}-cancelled`, { closed: progress.closed, total: progress.total });
    this.stop();
    return progress;
  }

  /** Stops timers without events. Safe to call twice. */
  dispose(): void {
    this.stop();
  }

  private stop(): void {
    if (this.run) clearInterval(this.run.timer);
    this.run = null;
  }

  private tick(run: Run): void {
    if (run !== this.run) return;
    try {
      const now = this.now();
      const elapsed = now - run.startedAt;
      while (run.due < run.total && (run.dueAt[run.due] as number) <= elapsed) run.due++;
      const due = run.due;
      if (run.request.kind === 'drain') this.tickDrain(run, now, due);
      else this.tickShed(run, due);
      if (this.run === run && now - run.lastProgressAt >= PROGRESS_EVERY_MS) {
        run.lastProgressAt = now;
        this.host.event(`${run.request.kind}-progress`, {
          closed: run.closed,
          total: run.total,
          open: this.host.connections.open,
        });
      }
    } catch (error) {
      this.host.countError(error);
    }
  }

  private tickDrain(run: Run, now: number, due: number): void {
    const connections = this.host.connections;
    const forced = now >= run.deadlineAt;
    // Connections that leave by themselves count toward the schedule: close only the excess.
    const target = forced ? 0 : Math.max(0, run.total - due);
    const excess = connections.closable - target;
    if (excess > 0) this.close(run, connections.take(excess), forced);
    run.closed = Math.max(run.closed, run.total - Math.min(run.total, connections.closable));
    if (connections.open === 0) return this.finish(run, 'drained');
    if (forced) {
      run.forcedAt ??= now;
      if (now - run.forcedAt >= FORCE_GRACE_MS) {
        // A peer that never finishes its close handshake, or a host that never reports the end
        // of a tracked connection, must not keep the node from draining.
        for (const connection of connections.stillClosing()) {
          const stuck = connection as Closable & { terminate?: () => void; abandon?: () => void };
          if (stuck.terminate) stuck.terminate();
          else stuck.abandon?.();
        }
      }
    }
  }

  private tickShed(run: Run, due: number): void {
    const wanted = due - run.closed;
    if (wanted > 0) {
      const taken = this.host.connections.take(wanted);
      this.close(run, taken, false);
      run.closed += taken.length;
    }
    if (run.closed >= run.total || this.host.connections.closable === 0) this.finish(run, null);
  }

  private close(run: Run, taken: Closable[], forced: boolean): void {
    const { kind, closeCode: code, reason } = run.request;
    const context: CloseContext = { kind, code, reason, forced };
    for (const connection of taken) {
      this.host.beforeClose(connection, context);
      try {
        connection.close(code, reason);
      } catch (error) {
        this.host.countError(error);
      }
    }
  }

  private finish(run: Run, state: NodeState | null): void {
    this.finished = this.progress();
    this.stop();
    this.host.event(`${run.request.kind}-done`, {
      closed: run.closed,
      total: run.total,
      durationMs: this.now() - run.startedAt,
      forced: run.forcedAt !== null,
    });
    if (state) this.host.setState(state);
  }
}
