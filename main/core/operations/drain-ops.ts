/**
 * Drain, undrain and shed from the console: previews with a capacity check, the agent commands,
 * progress watched from samples, and the audit log.
 *
 * STUB: the drain helper implements this module.
 */
import type { MovePreview, OperationRecord, ShedAmount } from '../../common/models.js';
import type { OperationsContext } from './context.js';

/** Drain operations of one fleet. */
export interface DrainOperations {
  previewDrain(nodeId: string, deadlineMs: number): Promise<MovePreview>;
  /** Starts a drain and resolves with its running audit record; the record finishes when the node is empty. */
  drain(nodeId: string, deadlineMs: number, parentId?: string | null): Promise<OperationRecord>;
  /** Resolves once the node reports `drained` (or rejects when it goes away or `timeoutMs` passes). */
  waitDrained(nodeId: string, timeoutMs: number): Promise<void>;
  undrain(nodeId: string, parentId?: string | null): Promise<OperationRecord>;
  previewShed(nodeId: string, amount: ShedAmount, deadlineMs: number): Promise<MovePreview>;
  shed(nodeId: string, amount: ShedAmount, deadlineMs: number): Promise<OperationRecord>;
  dispose(): void;
}

const notYet = (): Promise<never> => Promise.reject(new Error('drain operations are not implemented yet'));

export function createDrainOperations(_context: OperationsContext): DrainOperations {
  return {
    previewDrain: notYet,
    drain: notYet,
    waitDrained: notYet,
    undrain: notYet,
    previewShed: notYet,
    shed: notYet,
    dispose() {},
  };
}
