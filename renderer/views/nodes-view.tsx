import type { ViewApi } from '../app.js';
import { FleetSummary } from '../components/fleet-summary.js';
import { NodesTable } from '../components/nodes-table.js';
import { useFleetNodes, useFleetSummary } from '../stores/fleet-hooks.js';
import type { FleetStore } from '../stores/fleet-store.js';

/** The fleet's totals and the live nodes table. */
export function NodesView({ store }: { readonly store: FleetStore; readonly api: ViewApi }) {
  const nodes = useFleetNodes(store);
  const summary = useFleetSummary(store);
  return (
    <section className="nodes-view" aria-label="Nodes">
      <FleetSummary summary={summary} />
      <NodesTable nodes={nodes} />
    </section>
  );
}
