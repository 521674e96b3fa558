/** Selector hooks over a {@link FleetStore}: each re-renders only when its slice changes. */
import { useMemo, useSyncExternalStore } from 'react';
import type { NodeView } from '../../main/common/models.js';
import type { FleetState, FleetStore } from './fleet-store.js';

/** Totals shown above the nodes table. */
export interface FleetSummary {
  readonly nodeCount: number;
  readonly activeCount: number;
  /** Open connections across nodes that have reported; nodes with no sample add nothing. */
  readonly connectionCount: number;
}

// Shared so that a loading store yields the same array every time, as useSyncExternalStore requires.
const NO_NODES: readonly NodeView[] = [];

/** Counts nodes, active nodes and open connections. */
export function summarizeFleet(nodes: readonly NodeView[]): FleetSummary {
  let activeCount = 0;
  let connectionCount = 0;
  for (const node of nodes) {
    if (node.status === 'active') activeCount += 1;
    connectionCount += node.connections?.open ?? 0;
  }
  return { nodeCount: nodes.length, activeCount, connectionCount };
}

/** The whole fleet state. */
export function useFleetState(store: FleetStore): FleetState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** The nodes, sorted by id; empty while loading. */
export function useFleetNodes(store: FleetStore): readonly NodeView[] {
  return useSyncExternalStore(store.subscribe, () => {
    const state = store.getSnapshot();
    return state.phase === 'ready' ? state.nodes : NO_NODES;
  });
}

/** The fleet's name, or null while loading. */
export function useFleetName(store: FleetStore): string | null {
  return useSyncExternalStore(store.subscribe, () => {
    const state = store.getSnapshot();
    return state.phase === 'ready' ? state.fleetName : null;
  });
}

/** Node, active-node and connection totals; recomputed only when the nodes change. */
export function useFleetSummary(store: FleetStore): FleetSummary {
  const nodes = useFleetNodes(store);
  return useMemo(() => summarizeFleet(nodes), [nodes]);
}
