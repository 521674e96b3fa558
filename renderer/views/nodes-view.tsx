import type { ViewApi } from '../app.js';
import { FleetSummary } from '../components/fleet-summary.js';
import { NodesTable } from '../components/nodes-table.js';
import { AddNode } from '../components/operations/add-node-dialog.js';
import { useFleetState, useFleetSummary } from '../stores/fleet-hooks.js';
import type { FleetStore } from '../stores/fleet-store.js';

/** The fleet's totals and the live nodes table. */
export function NodesView({ store, api }: { readonly store: FleetStore; readonly api: ViewApi }) {
  const state = useFleetState(store);
  const summary = useFleetSummary(store);
  // The app shows this view only once the fleet is loaded; the guard keeps the types honest.
  if (state.phase !== 'ready') return null;
  return (
    <section className="nodes-view" aria-label="Nodes">
      <div className="nodes-view-bar">
        <FleetSummary summary={summary} />
        <AddNode api={api} nodes={state.nodes} fleetName={state.fleetName} />
      </div>
      <NodesTable nodes={state.nodes} time={state.time} api={api} />
    </section>
  );
}
