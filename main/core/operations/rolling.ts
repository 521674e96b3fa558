/**
 * Rolling drain for an upgrade: nodes one (or N) at a time, drain → wait until empty → restart →
 * wait until back and healthy → next, with pause, resume, abort and a hard stop when an alert
 * fires mid-roll.
 *
 * STUB: the rolling helper implements this module.
 */
import type { RollPlan, RollRequest } from '../../common/models.js';
import type { OperationsContext } from './context.js';
import type { DrainOperations } from './drain-ops.js';
import type { Provisioning } from './provisioning.js';

/** Rolling drains of one fleet; one at a time. */
export interface Rolling {
  start(request: RollRequest): Promise<RollPlan>;
  control(rollId: string, action: 'pause' | 'resume' | 'abort'): Promise<RollPlan>;
  /** The current or latest roll, or null. */
  current(): RollPlan | null;
  dispose(): void;
}

const notYet = (): Promise<never> => Promise.reject(new Error('rolling drains are not implemented yet'));

export function createRolling(
  _context: OperationsContext,
  _drain: DrainOperations,
  _provisioning: Provisioning,
): Rolling {
  return { start: notYet, control: notYet, current: () => null, dispose() {} };
}
