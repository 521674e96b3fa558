/**
 * The load balancer's view of the fleet: HAProxy's runtime API (`show stat`) read every few
 * seconds, matched to the fleet's nodes, with mismatch warnings and optional state changes.
 *
 * STUB: the balancer helper implements this module.
 */
import type { BalancerStateName, BalancerView, OperationRecord } from '../../common/models.js';
import type { OperationsContext } from './context.js';

/** The balancer view of one fleet. */
export interface BalancerOperations {
  view(): Promise<BalancerView>;
  setState(nodeId: string, state: BalancerStateName): Promise<OperationRecord>;
  dispose(): void;
}

export function createBalancerOperations(_context: OperationsContext): BalancerOperations {
  return {
    view: async () => ({
      time: Date.now(),
      configured: false,
      kind: null,
      address: null,
      reachable: false,
      problem: null,
      servers: [],
      mismatches: [],
    }),
    setState: () => Promise.reject(new Error('balancer actions are not implemented yet')),
    dispose() {},
  };
}
