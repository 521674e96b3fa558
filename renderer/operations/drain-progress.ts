/**
 * A node's drain or shed as the UI shows it, from its live view: what is left, how fast it
 * goes, when it will end, and whether the node is safe to stop. Pure: the components pass the
 * clock in.
 */
import { type DrainProgress, isSafeToStop, type NodeView } from '../../main/common/models.js';

/** What the progress figures need of a node's view. */
export type ProgressSource = Pick<NodeView, 'status' | 'connections' | 'rates' | 'drain' | 'statusSince'>;

/** Figures of a running drain or shed. */
export interface ProgressFigures {
  readonly kind: DrainProgress['kind'];
  /** Connections it set out to close. */
  readonly total: number;
  /** Closed so far, at most `total`. */
  readonly closed: number;
  /** Still to go: a drain's open connections, a shed's closes not made yet. */
  readonly left: number;
  /** Share done, 0–1 (1 for a run with nothing to close). */
  readonly fraction: number;
  /** Closes per second: the node's measured close rate, else the average so far; null when unknown. */
  readonly closeRate: number | null;
  /** Estimated time to the end, ms; null when it cannot be told. */
  readonly etaMs: number | null;
  /** Time to the deadline, ms (0 once passed). */
  readonly deadlineInMs: number;
  readonly elapsedMs: number;
  readonly startedAt: number;
  readonly deadlineAt: number;
}

/**
 * Where a node stands with respect to draining. `safe-to-stop`: drained with no connection open
 * (the rule the console core uses too); `drained`: drained but a connection is still reported.
 */
export type DrainPhase = 'idle' | 'draining' | 'shedding' | 'safe-to-stop' | 'drained' | 'unknown';

/** The console's rule (main/common/models.ts): drained with 0 open connections. */
export { isSafeToStop };

/** The node's drain phase, from its status and its agent's drain progress. */
export function drainPhase(view: ProgressSource): DrainPhase {
  switch (view.status) {
    case 'connecting':
    case 'unreachable':
      return 'unknown';
    case 'drained':
      return isSafeToStop(view) ? 'safe-to-stop' : 'drained';
    case 'draining':
      return 'draining';
    case 'active':
      return view.drain?.kind === 'shed' ? 'shedding' : 'idle';
  }
}

/** The figures of the node's running drain or shed at `now`; null when none runs. */
export function progressFigures(view: ProgressSource, now: number): ProgressFigures | null {
  const drain = view.drain ?? null;
  if (drain === null) return null;
  const total = Math.max(0, drain.total);
  const closed = Math.min(total, Math.max(0, drain.closed));
  const open = view.connections?.open ?? null;
  // A drain is done when the node is empty (clients that left by themselves count); a shed when
  // it made its closes.
  const left = drain.kind === 'drain' && open !== null ? open : total - closed;
  const fraction = total === 0 ? 1 : closed / total;
  const elapsedMs = Math.max(0, now - drain.startedAt);
  const deadlineInMs = Math.max(0, drain.deadlineAt - now);
  const measured = view.rates?.closesPerSec ?? null;
  const average = elapsedMs >= 1_000 && closed > 0 ? closed / (elapsedMs / 1_000) : null;
  const closeRate = measured !== null && measured > 0 ? measured : (average ?? measured);
  let etaMs: number | null = null;
  if (left === 0) etaMs = 0;
  else if (closeRate !== null && closeRate > 0) etaMs = (left / closeRate) * 1_000;
  // The agent closes whatever a drain still holds at its deadline.
  if (drain.kind === 'drain' && left > 0)
    etaMs = etaMs === null ? deadlineInMs : Math.min(etaMs, deadlineInMs);
  return {
    kind: drain.kind,
    total,
    closed,
    left,
    fraction,
    closeRate,
    etaMs,
    deadlineInMs,
    elapsedMs,
    startedAt: drain.startedAt,
    deadlineAt: drain.deadlineAt,
  };
}

/** The progress bar's text for assistive technology: "10 of 24 closed, 14 left". */
export function progressValueText(figures: ProgressFigures): string {
  return `${figures.closed} of ${figures.total} closed, ${figures.left} left`;
}
