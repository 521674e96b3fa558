/**
 * The console's view of a fleet: what the core computes and the renderer draws.
 * Pure TypeScript: no Node, no DOM, no Electron.
 */
import type { HealthStats, NodeIdentity } from '../../agent/protocol.js';

export type { HealthStats, NodeIdentity } from '../../agent/protocol.js';

/**
 * A node's state as the console sees it: the agent's own state once a link is up,
 * `connecting` before the first sample, `unreachable` when the link is down.
 */
export const NODE_STATUSES = ['connecting', 'active', 'draining', 'drained', 'unreachable'] as const;
/** One of {@link NODE_STATUSES}. */
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** Per-second rates derived from two consecutive samples of the same agent run. */
export interface NodeRates {
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  readonly messagesInPerSec: number;
  readonly messagesOutPerSec: number;
  readonly opensPerSec: number;
  readonly closesPerSec: number;
}

/** Everything the UI shows about one node; immutable, replaced whole on change. */
export interface NodeView {
  readonly id: string;
  /** The admin endpoint the console connects to. */
  readonly adminUrl: string;
  /** The public URL clients use, when the fleet file names it. */
  readonly publicUrl: string | null;
  readonly status: NodeStatus;
  /** From the agent's hello; null until the first one arrives. */
  readonly identity: NodeIdentity | null;
  readonly connections: { readonly open: number; readonly opened: number; readonly closed: number } | null;
  /** Null until two samples of the same agent run have arrived. */
  readonly rates: NodeRates | null;
  readonly health: HealthStats | null;
  /** Epoch ms of the latest sample; null before the first. */
  readonly lastSampleAt: number | null;
  /** Epoch ms when `status` last changed. */
  readonly statusSince: number;
  /** A readable reason when the link is down or refused, else null. */
  readonly problem: string | null;
  /** Frames from this agent that failed validation and were dropped. */
  readonly droppedFrames: number;
  /** Why the latest frame was dropped, or null. */
  readonly lastDropReason: string | null;
}

/** The whole fleet at one moment. */
export interface FleetSnapshot {
  readonly fleetName: string;
  /** Increases with every delta; a delta applies to the snapshot with `version - 1`. */
  readonly version: number;
  readonly time: number;
  readonly nodes: readonly NodeView[];
}

/**
 * What changed since the previous delta. Batched in the main process a few times a second,
 * never sent per sample per node. `reset` replaces the receiver's whole state.
 */
export interface FleetDelta {
  readonly fleetName: string;
  readonly version: number;
  readonly time: number;
  readonly reset: boolean;
  readonly upserted: readonly NodeView[];
  readonly removed: readonly string[];
}
