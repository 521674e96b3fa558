/**
 * The renderer's copy of the fleet. Framework-free: it applies snapshots and deltas and hands
 * out immutable states; React reads it through the hooks in fleet-hooks.ts.
 */
import type { Unsubscribe } from '../../main/common/console-api.js';
import type { FleetDelta, FleetSnapshot, NodeView } from '../../main/common/models.js';

/** Nothing received yet, or the whole fleet. Replaced whole on every change. */
export type FleetState =
  | { readonly phase: 'loading' }
  | {
      readonly phase: 'ready';
      readonly fleetName: string;
      readonly version: number;
      readonly time: number;
      /** Sorted by id, naturally: node-2 before node-10. */
      readonly nodes: readonly NodeView[];
    };

/** What {@link FleetStore.apply} made of a delta; `resync` means the caller should fetch a snapshot. */
export type DeltaOutcome = 'applied' | 'ignored' | 'resync';

/** Holds the fleet and tells subscribers when it changes. */
export interface FleetStore {
  /** Calls `listener` after every change; the useSyncExternalStore contract. */
  subscribe(listener: () => void): Unsubscribe;
  /** The current state; the same object until something changes. */
  getSnapshot(): FleetState;
  /** Takes a whole snapshot unless the store already holds a newer version. */
  replace(snapshot: FleetSnapshot): void;
  /** Applies a delta: `reset` replaces everything, `upserted` replaces by id, `removed` deletes. */
  apply(delta: FleetDelta): DeltaOutcome;
}

// A fixed locale keeps the order the same on every machine; `numeric` puts node-2 before node-10.
const idCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order of node ids, with a plain comparison to break ties so the order is total. */
export function compareNodeIds(left: string, right: string): number {
  return idCollator.compare(left, right) || (left < right ? -1 : left > right ? 1 : 0);
}

function sortedNodes(nodes: Iterable<NodeView>): readonly NodeView[] {
  return [...nodes].sort((left, right) => compareNodeIds(left.id, right.id));
}

/** Creates an empty store, in the loading phase. */
export function createFleetStore(): FleetStore {
  let state: FleetState = { phase: 'loading' };
  const listeners = new Set<() => void>();

  function commit(next: FleetState): void {
    state = next;
    for (const listener of listeners) listener();
  }

  function replace(snapshot: FleetSnapshot): void {
    if (state.phase === 'ready' && state.version > snapshot.version) return;
    commit({
      phase: 'ready',
      fleetName: snapshot.fleetName,
      version: snapshot.version,
      time: snapshot.time,
      nodes: sortedNodes(snapshot.nodes),
    });
  }

  function apply(delta: FleetDelta): DeltaOutcome {
    if (delta.reset) {
      // A reset always wins: after a server restart versions start again from the beginning.
      commit({
        phase: 'ready',
        fleetName: delta.fleetName,
        version: delta.version,
        time: delta.time,
        nodes: sortedNodes(delta.upserted),
      });
      return 'applied';
    }
    // Nothing to apply a partial change to: wait for a reset or a snapshot.
    if (state.phase === 'loading') return 'resync';
    const previousVersion = state.version;
    if (delta.version <= previousVersion) return 'ignored';
    const byId = new Map(state.nodes.map((node) => [node.id, node]));
    for (const node of delta.upserted) byId.set(node.id, node);
    for (const id of delta.removed) byId.delete(id);
    commit({
      phase: 'ready',
      fleetName: delta.fleetName,
      version: delta.version,
      time: delta.time,
      // Unchanged nodes keep their object identity, so memoized rows skip re-rendering.
      nodes: sortedNodes(byId.values()),
    });
    // Upserts carry whole nodes, so applying across a gap is nearly right; a snapshot makes it exact.
    return delta.version === previousVersion + 1 ? 'applied' : 'resync';
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => state,
    replace,
    apply,
  };
}
