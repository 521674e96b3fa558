import { memo } from 'react';
import type { NodeView } from '../../main/common/models.js';
import { NODE_STATUSES } from '../../main/common/models.js';
import { formatCount } from '../format.js';

/** Load buckets: a node's open connections as a share of the busiest node's, in quarters. */
function loadLevel(node: NodeView, busiest: number): number {
  const open = node.connections?.open ?? 0;
  if (busiest <= 0 || open <= 0) return 0;
  return Math.min(3, Math.floor((open / busiest) * 4));
}

const NodeCell = memo(function NodeCell({ node, load }: { readonly node: NodeView; readonly load: number }) {
  const open = node.connections?.open;
  const label = `${node.id}: ${node.status}${open === undefined ? '' : `, ${formatCount(open)} connections`}`;
  return (
    <li
      className="node-cell"
      title={label}
      aria-label={label}
      data-node-cell={node.id}
      data-status={node.status}
      data-load={load}
    />
  );
});

/**
 * One small square per node, coloured by status and, for active nodes, shaded by load. Wraps, so
 * a thousand nodes fit on a screen; the nodes table below has the exact figures.
 */
export function NodeMap({ nodes }: { readonly nodes: readonly NodeView[] }) {
  let busiest = 0;
  for (const node of nodes) busiest = Math.max(busiest, node.connections?.open ?? 0);
  return (
    <section className="node-map panel" aria-labelledby="node-map-heading">
      <h2 id="node-map-heading">Node map</h2>
      <ul className="node-map-legend" aria-label="Legend">
        {NODE_STATUSES.map((status) => (
          <li key={status}>
            <span className="node-cell" data-status={status} data-load={2} aria-hidden="true" />
            {status}
          </li>
        ))}
        <li>darker green: more connections</li>
      </ul>
      <ul className="node-map-grid" aria-label={`${nodes.length} nodes`}>
        {nodes.map((node) => (
          <NodeCell
            key={node.id}
            node={node}
            load={node.status === 'active' ? loadLevel(node, busiest) : 0}
          />
        ))}
      </ul>
    </section>
  );
}
