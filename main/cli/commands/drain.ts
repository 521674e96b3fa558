/**
 * `fleetdeck drain --fleet FILE --node ID [--deadline-ms 30000] [--wait] [--json]`
 *
 * Asks the node's agent to drain. Without `--wait` it returns once the agent has accepted (the
 * agent carries the drain on by itself); with `--wait` it shows a progress line and exits 0
 * only when the node is empty (drained, 0 connections): 5 when it is not empty by the deadline
 * + {@link WAIT_GRACE_MS}, 3 when the node is unreachable, 4 for a read-only token.
 */
import { integerArg, type ParsedArgs } from '../../../fleet/args.js';
import { isSafeToStop, type NodeView, type OperationRecord } from '../../common/models.js';
import type { ConsoleService } from '../../core/console-service.js';
import { DEADLINE_BOUNDS_MS } from '../../core/operations/args.js';
import { CommandError, EXIT, progressLine, requireFleet, withFleet } from '../operate.js';

/** The deadline a drain or shed gets when none is given, ms. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** `--wait` gives up this long after the deadline, ms: forced closes, the last sample, slack. */
export const WAIT_GRACE_MS = 10_000;

/** Flags of `drain`. */
export const DRAIN_FLAGS = { valued: ['fleet', 'node', 'deadline-ms'], switches: ['wait', 'json'] } as const;

/** `--node`, required. */
export function requireNode(args: ParsedArgs, usage: (message: string) => Error): string {
  const node = args.values.get('node');
  if (!node) throw usage('--node ID is required');
  return node;
}

/** `--deadline-ms`, within the bounds the console accepts. */
export function deadlineOf(args: ParsedArgs): number {
  return integerArg(args, 'deadline-ms', DEFAULT_DEADLINE_MS, DEADLINE_BOUNDS_MS.min, DEADLINE_BOUNDS_MS.max);
}

/** One progress line: connections left, closed/total, the measured close rate, an ETA. */
export function progressText(view: NodeView | null, closesPerSec: number | null, now: number): string {
  if (view === null) return 'the node left the fleet';
  if (view.status === 'unreachable' || view.status === 'connecting') {
    return `${view.id}: ${view.status}${view.problem ? ` (${view.problem})` : ''}`;
  }
  const left = view.connections?.open ?? 0;
  const drain = view.drain ?? null;
  const parts = [`${view.id}: ${view.status}`, `${left} connections left`];
  if (drain !== null) parts.push(`${drain.closed}/${drain.total} closed`);
  if (closesPerSec !== null) parts.push(`${closesPerSec.toFixed(1)} closes/s`);
  if (drain !== null && left > 0) {
    // The agent closes whatever remains at its deadline: the ETA is never later than that.
    const untilDeadline = Math.max(0, (drain.deadlineAt - (view.lastSampleAt ?? now)) / 1000);
    const eta =
      closesPerSec !== null && closesPerSec > 0
        ? Math.min(left / closesPerSec, untilDeadline)
        : untilDeadline;
    parts.push(`ETA ${eta.toFixed(0)} s`);
  }
  return parts.join(' · ');
}

/**
 * Follows a running drain or shed until its record ends, with a progress line, or until
 * `timeoutMs`. Returns the final record, or null on time out.
 */
export async function follow(
  service: ConsoleService,
  record: OperationRecord,
  timeoutMs: number,
): Promise<OperationRecord | null> {
  const nodeId = record.nodeId as string;
  const line = progressLine();
  // The close rate over the last few samples, from the drain's own count of closes.
  const points: Array<{ time: number; closed: number }> = [];
  let timer: NodeJS.Timeout | undefined;
  const show = () => {
    const view = service.store.view(nodeId);
    const drain = view?.drain ?? null;
    if (view?.lastSampleAt != null && drain !== null && points.at(-1)?.time !== view.lastSampleAt) {
      points.push({ time: view.lastSampleAt, closed: drain.closed });
      if (points.length > 5) points.shift();
    }
    const first = points[0];
    const last = points.at(-1);
    const rate =
      first !== undefined && last !== undefined && last.time > first.time
        ? ((last.closed - first.closed) * 1000) / (last.time - first.time)
        : null;
    line.update(progressText(view, rate, Date.now()));
  };
  const ticker = setInterval(show, 250);
  show();
  try {
    return await Promise.race([
      service.operations.drain.settled(record.id),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
    show();
    line.done();
  }
}

/**
 * The end of `--wait`: exit 0 when the record succeeded and the node is empty (for a drain),
 * else a CommandError with the code scripts can trust. `timeoutMs` null: it did not time out.
 */
export async function waitOutcome(
  service: ConsoleService,
  record: OperationRecord,
  final: OperationRecord | null,
  timeoutMs: number,
): Promise<OperationRecord> {
  const nodeId = record.nodeId as string;
  const view = service.store.view(nodeId);
  const unreachable = view === null || view.status === 'unreachable' || view.status === 'connecting';
  if (final === null) {
    const open = view?.connections?.open;
    const message = unreachable
      ? `${nodeId} is unreachable${view?.problem ? ` (${view.problem})` : ''}; its ${record.action} did not finish within ${timeoutMs / 1000} s`
      : `${nodeId} is not empty ${timeoutMs / 1000} s after the ${record.action} started (${view?.status}, ${open ?? '?'} connections open)`;
    await service.operations.drain.detach(record.id, 'failed', message);
    throw new CommandError(message, unreachable ? EXIT.unreachable : EXIT.timeout);
  }
  if (final.outcome !== 'succeeded') {
    const message = `${nodeId}: ${record.action} ${final.outcome}: ${final.message ?? ''}`.trim();
    throw new CommandError(message, unreachable ? EXIT.unreachable : EXIT.failed);
  }
  if (record.action === 'drain' && (view === null || !isSafeToStop(view))) {
    throw new CommandError(`${nodeId} reported drained but is not empty`, EXIT.failed);
  }
  return final;
}

/** Prints the record: a sentence, or the record as JSON. */
export function report(record: OperationRecord, json: boolean, sentence: string): void {
  console.log(json ? JSON.stringify(record, null, 2) : sentence);
}

/** `fleetdeck drain`. */
export async function drainCommand(args: ParsedArgs, usage: (message: string) => Error): Promise<number> {
  const fleetFile = requireFleet(args, usage);
  const nodeId = requireNode(args, usage);
  const deadlineMs = deadlineOf(args);
  const wait = args.switches.has('wait');
  const json = args.switches.has('json');
  return withFleet(fleetFile, [nodeId], async (service) => {
    const drain = service.operations.drain;
    try {
      const preview = await drain.previewDrain(nodeId, deadlineMs);
      if (!json) {
        console.error(
          `draining ${nodeId}: ${preview.connections} connections over ${deadlineMs / 1000} s, about ${preview.closesPerSec.toFixed(1)} closes/s`,
        );
        for (const warning of preview.warnings) console.error(`warning: ${warning}`);
      }
      const record = await drain.drain(nodeId, deadlineMs);
      if (!wait) {
        const handedOver = await drain.detach(
          record.id,
          'succeeded',
          `the agent drains ${nodeId} (${preview.connections} connections over ${deadlineMs / 1000} s) and carries on by itself`,
        );
        report(handedOver ?? record, json, `${nodeId} is draining; the agent carries on by itself`);
        return EXIT.ok;
      }
      const timeoutMs = deadlineMs + WAIT_GRACE_MS;
      const final = await waitOutcome(service, record, await follow(service, record, timeoutMs), timeoutMs);
      report(final, json, `${nodeId} is drained: ${final.message ?? 'empty'}`);
      return EXIT.ok;
    } finally {
      await drain.flushed();
    }
  });
}
