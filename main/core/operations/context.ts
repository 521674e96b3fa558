/**
 * What the operation modules (drain, provisioning, rolling, balancer) get from the console
 * service they belong to. One context per open fleet.
 */
import type { CommandName } from '../../../agent/protocol.js';
import type { Unsubscribe } from '../../common/console-api.js';
import type { FleetDelta, NodeView } from '../../common/models.js';
import type { FleetConfig, FleetNodeConfig } from '../fleet-file.js';
import type { FleetStore } from '../fleet-store.js';
import type { AuditLog } from './audit-log.js';

export interface OperationsContext {
  readonly fleet: FleetConfig;
  readonly store: FleetStore;
  readonly audit: AuditLog;
  /** Who starts the actions this context runs: the console's windows or the CLI. */
  readonly source: 'console' | 'cli';
  /** The node's latest view, or null when the fleet has no such node. */
  view(nodeId: string): NodeView | null;
  /** Every node's latest view. */
  views(): readonly NodeView[];
  /**
   * Sends a command to a node's agent and resolves with its result; rejects with a readable
   * message (node unknown or unreachable, no answer, refused: a `forbidden` error means the
   * fleet file gives only the read token).
   */
  command(nodeId: string, name: CommandName, args?: Record<string, unknown>): Promise<unknown>;
  /** Links to a new node (shown `connecting`). Throws when the id is taken. */
  addNode(node: FleetNodeConfig): void;
  /** Closes a node's link and forgets it; false when there was no such node. */
  removeNode(nodeId: string): boolean;
  /** Every batched delta, to watch progress; the first call is a reset delta. */
  subscribe(listener: (delta: FleetDelta) => void): Unsubscribe;
}
