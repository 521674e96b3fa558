import type { ViewApi } from '../app.js';
import { routeHref } from '../router.js';
import { useFleetNodes } from '../stores/fleet-hooks.js';
import type { FleetStore } from '../stores/fleet-store.js';

/** One node: placeholder until the node detail slice lands. */
export function NodeDetailView({
  nodeId,
  store,
}: {
  readonly nodeId: string;
  readonly store: FleetStore;
  readonly api: ViewApi;
}) {
  const nodes = useFleetNodes(store);
  const node = nodes.find((candidate) => candidate.id === nodeId);
  return (
    <section className="node-detail" aria-labelledby="node-detail-heading">
      <p>
        <a href={routeHref({ view: 'nodes' })}>← Nodes</a>
      </p>
      <h2 id="node-detail-heading">{nodeId}</h2>
      {node === undefined ? (
        <p className="placeholder">No node “{nodeId}” in this fleet.</p>
      ) : (
        <p>{node.status}</p>
      )}
    </section>
  );
}
