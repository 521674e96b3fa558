/**
 * The operator workflows of one fleet, wired by hand: drain (drain-ops.ts), provisioning,
 * rolling drains and the balancer view, all auditing through one AuditLog. The console
 * service creates this once per open fleet and exposes {@link Operations.handlers}.
 */
import type { ConsoleHandlers } from '../../common/console-api.js';
import { adoptOrphanedRecords } from './adopt.js';
import { OPERATION_ARG_PARSERS, type OperationRequestName } from './args.js';
import { type BalancerOperations, createBalancerOperations } from './balancer.js';
import { DEFAULT_CAPACITY } from './capacity.js';
import type { OperationsContext } from './context.js';
import { createDrainOperations, type DrainControl } from './drain-ops.js';
import { createProvisioning, type Provisioning } from './provisioning.js';
import { createRolling, type Rolling } from './rolling.js';

/** The operations of one fleet. */
export interface Operations {
  readonly handlers: Pick<ConsoleHandlers, OperationRequestName>;
  readonly drain: DrainControl;
  readonly provisioning: Provisioning;
  readonly rolling: Rolling;
  readonly balancer: BalancerOperations;
  dispose(): void;
}

export function createOperations(context: OperationsContext): Operations {
  const drain = createDrainOperations(context);
  const provisioning = createProvisioning(context, drain);
  const balancer = createBalancerOperations(context);
  // A restarted node must be UP at the balancer before a roll moves on.
  const rolling = createRolling(context, drain, provisioning, balancer);
  // Drains a dead console left running in the audit log get their final line from this one.
  const stopAdopting = adoptOrphanedRecords(context);
  const parse = OPERATION_ARG_PARSERS;
  // The web transport hands arguments over unchecked, so every handler checks them here.
  const handlers: Pick<ConsoleHandlers, OperationRequestName> = {
    previewDrain: async (...args) => drain.previewDrain(...parse.previewDrain(args)),
    drainNode: async (...args) => drain.drain(...parse.drainNode(args)),
    undrainNode: async (...args) => drain.undrain(...parse.undrainNode(args)),
    previewShed: async (...args) => drain.previewShed(...parse.previewShed(args)),
    shedNode: async (...args) => drain.shed(...parse.shedNode(args)),
    addNode: async (...args) => provisioning.add(...parse.addNode(args)),
    removeNode: async (...args) => provisioning.remove(...parse.removeNode(args)),
    startRoll: async (...args) => rolling.start(...parse.startRoll(args)),
    controlRoll: async (...args) => rolling.control(...parse.controlRoll(args)),
    getOperations: async (...args) => {
      parse.getOperations(args);
      return {
        time: Date.now(),
        running: context.audit.running().filter((record) => record.fleet === context.fleet.name),
        roll: rolling.current(),
        provisioner: provisioning.info(),
        balancer: context.fleet.balancer != null,
        limits: context.fleet.capacity ?? DEFAULT_CAPACITY,
      };
    },
    getActivity: async (...args) => context.audit.read(...parse.getActivity(args)),
    getBalancer: async (...args) => {
      parse.getBalancer(args);
      return balancer.view();
    },
    setBalancerState: async (...args) => balancer.setState(...parse.setBalancerState(args)),
  };
  return {
    handlers,
    drain,
    provisioning,
    rolling,
    balancer,
    dispose() {
      stopAdopting();
      rolling.dispose();
      provisioning.dispose();
      drain.dispose();
      balancer.dispose();
    },
  };
}
