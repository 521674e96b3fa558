import type { ChannelNodeRow } from '../../../main/common/models.js';
import { nodeRole, sortNodeRows, sumNodeRows } from '../../channels/channel-detail-model.js';
import { plural } from '../../channels/channel-format.js';
import { formatBytesPerSecond, formatCount, formatRate } from '../../format.js';
import { routeHref } from '../../router.js';

/** Where the channel is published and delivered: one row per node, busiest first, with links. */
export function ChannelNodesTable({ rows }: { readonly rows: readonly ChannelNodeRow[] }) {
  const sorted = sortNodeRows(rows);
  const total = sumNodeRows(rows);
  return (
    <section className="panel channel-nodes" aria-labelledby="channel-nodes-heading">
      <h3 id="channel-nodes-heading">
        By node{' '}
        <span className="heading-note">
          {rows.length === 0
            ? 'no node reports this channel now'
            : `${plural(rows.length, 'node')}, busiest first`}
        </span>
      </h3>
      {rows.length > 0 && (
        <table className="channel-table channel-nodes-table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Role</th>
              <th scope="col" className="numeric">
                Publish/s
              </th>
              <th scope="col" className="numeric">
                Deliveries/s
              </th>
              <th scope="col" className="numeric">
                Bytes out/s
              </th>
              <th scope="col" className="numeric">
                Subscribers
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => (
              <tr key={row.nodeId} data-node-id={row.nodeId}>
                <th scope="row">
                  <a href={routeHref({ view: 'node', nodeId: row.nodeId })}>{row.nodeId}</a>
                </th>
                <td className="node-role">{nodeRole(row)}</td>
                <td className="numeric" data-column="publish">
                  {formatRate(row.publishPerSec)}
                </td>
                <td className="numeric" data-column="deliveries">
                  {formatRate(row.deliveriesPerSec)}
                </td>
                <td className="numeric" data-column="bytes-out">
                  {formatBytesPerSecond(row.bytesOutPerSec)}
                </td>
                <td className="numeric" data-column="subscribers">
                  {formatCount(row.subscribers)}
                </td>
              </tr>
            ))}
          </tbody>
          {rows.length > 1 && (
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  All nodes
                </th>
                <td className="numeric">{formatRate(total.publishPerSec)}</td>
                <td className="numeric">{formatRate(total.deliveriesPerSec)}</td>
                <td className="numeric">{formatBytesPerSecond(total.bytesOutPerSec)}</td>
                <td className="numeric">{formatCount(total.subscribers)}</td>
              </tr>
            </tfoot>
          )}
        </table>
      )}
    </section>
  );
}
