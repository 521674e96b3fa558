/**
 * Drains and sheds left `running` in the audit log by a console that is gone (killed, crashed,
 * or a CLI run without --wait that stopped watching). The agent owns a drain and carries on
 * without a console, so the next console to open the fleet watches those nodes and writes the
 * final line the first one could not: `succeeded` once the node is empty, `aborted` when it is
 * back to active with nothing running (undrained or restarted meanwhile).
 */
import { isSafeToStop, type NodeView, type OperationRecord } from '../../common/models.js';
import type { AuditLog } from './audit-log.js';
import type { OperationsContext } from './context.js';

/** How far back the log is searched for such records. */
const ADOPT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whether the node's view settles the record, and how. */
export function settle(
  record: Pick<OperationRecord, 'action'>,
  view: Pick<NodeView, 'status' | 'connections' | 'drain'>,
): { outcome: 'succeeded' | 'aborted'; message: string } | null {
  const reporting = view.status === 'active' || view.status === 'draining' || view.status === 'drained';
  if (!reporting) return null;
  if (record.action === 'drain') {
    if (isSafeToStop(view)) {
      return { outcome: 'succeeded', message: 'drained; the end was seen by a later console' };
    }
    if (view.status === 'active' && (view.drain ?? null) === null) {
      return { outcome: 'aborted', message: 'the node was active again when a later console looked' };
    }
    return null;
  }
  // A shed: done once the agent reports no shed in progress.
  if (view.drain?.kind === 'shed') return null;
  return { outcome: 'succeeded', message: 'the shed ended; the end was seen by a later console' };
}

/**
 * Finds this fleet's drain and shed records still `running` that this process did not start,
 * and finishes each when its node's views settle it. Returns the stop function.
 */
export function adoptOrphanedRecords(context: OperationsContext, now: () => number = Date.now): () => void {
  let stopped = false;
  let unsubscribe: (() => void) | null = null;
  const audit: AuditLog = context.audit;
  void audit
    .read()
    .then((page) => {
      if (stopped) return;
      const mine = new Set(audit.running().map((record) => record.id));
      const orphans = new Map<string, OperationRecord>();
      for (const record of page.entries) {
        if (
          record.outcome === 'running' &&
          record.fleet === context.fleet.name &&
          (record.action === 'drain' || record.action === 'shed') &&
          record.nodeId !== null &&
          !mine.has(record.id) &&
          now() - record.startedAt < ADOPT_WINDOW_MS
        ) {
          orphans.set(record.id, record);
        }
      }
      if (orphans.size === 0) return;
      const check = () => {
        for (const [id, record] of orphans) {
          const view = context.view(record.nodeId as string);
          if (view === null) continue;
          const verdict = settle(record, view);
          if (verdict === null) continue;
          orphans.delete(id);
          void audit.finishRecord(record, verdict.outcome, verdict.message).catch((error: unknown) => {
            console.error('fleetdeck: could not finish an adopted audit record', error);
          });
        }
        if (orphans.size === 0) unsubscribe?.();
      };
      unsubscribe = context.subscribe(check);
    })
    .catch((error: unknown) => console.error('fleetdeck: could not read the audit log', error));
  return () => {
    stopped = true;
    unsubscribe?.();
  };
}
