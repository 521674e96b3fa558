import { memo } from 'react';
import type { NodeView } from '../../main/common/models.js';
import { formatBytesPerSecond, formatCount, formatRate } from '../format.js';
import { StatusBadge } from './status-badge.js';

// Memoized on the node object: the store keeps unchanged nodes' identity across deltas.
const NodeRow = memo(function NodeRow({ node }: { readonly node: NodeView }) {
  const { rates } = node;
  const messagesPerSecond = rates ? rates.messagesInPerSec + rates.messagesOutPerSec : null;
  return (
    <tr
      data-node-id={node.id}
      data-status={node.status}
      className={node.status === 'unreachable' ? 'node-row is-unreachable' : 'node-row'}
      title={node.problem ?? undefined}
    >
      <th scope="row" data-column="node">
        {node.id}
      </th>
      <td data-column="state">
        <StatusBadge status={node.status} />
        {node.problem !== null && <small className="node-problem">{node.problem}</small>}
      </td>
      <td data-column="connections" className="numeric">
        {formatCount(node.connections?.open)}
      </td>
      <td data-column="bandwidth-in" className="numeric">
        {formatBytesPerSecond(rates?.bytesInPerSec)}
      </td>
      <td data-column="bandwidth-out" className="numeric">
        {formatBytesPerSecond(rates?.bytesOutPerSec)}
      </td>
      <td data-column="messages" className="numeric">
        {formatRate(messagesPerSecond)}
      </td>
    </tr>
  );
});

/** The live nodes table: one row per node, in the order given. */
export function NodesTable({ nodes }: { readonly nodes: readonly NodeView[] }) {
  return (
    <table className="nodes-table">
      <caption>Nodes</caption>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">State</th>
          <th scope="col" className="numeric">
            Connections
          </th>
          <th scope="col" className="numeric">
            Bandwidth in
          </th>
          <th scope="col" className="numeric">
            Bandwidth out
          </th>
          <th scope="col" className="numeric">
            Messages/s
          </th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((node) => (
          <NodeRow key={node.id} node={node} />
        ))}
      </tbody>
    </table>
  );
}
