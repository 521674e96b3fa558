/**
 * Adding, removing and restarting nodes through the fleet's provisioner (`local`: the reference
 * fleet's launcher; `command`: command templates from the fleet file). Remove always drains
 * first, then stops, then forgets the node.
 *
 * STUB: the provisioning helper implements this module.
 */
import type { AddNodeRequest, OperationRecord, ProvisionerInfo } from '../../common/models.js';
import type { OperationsContext } from './context.js';
import type { DrainOperations } from './drain-ops.js';

/** Provisioning of one fleet. */
export interface Provisioning {
  /** What the fleet's provisioner can do; null when the fleet file names none. */
  info(): ProvisionerInfo | null;
  add(request: AddNodeRequest): Promise<OperationRecord>;
  remove(nodeId: string, deadlineMs: number): Promise<OperationRecord>;
  /** Restarts a node (for a roll) and resolves when the provisioner says it is done. */
  restart(nodeId: string, parentId?: string | null): Promise<OperationRecord>;
  dispose(): void;
}

const notYet = (): Promise<never> => Promise.reject(new Error('provisioning is not implemented yet'));

export function createProvisioning(context: OperationsContext, _drain: DrainOperations): Provisioning {
  return {
    info: () => (context.fleet.provisioner ? null : null),
    add: notYet,
    remove: notYet,
    restart: notYet,
    dispose() {},
  };
}
