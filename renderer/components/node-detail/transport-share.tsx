import type { NodeView } from '../../../main/common/models.js';
import { transportShares } from '../../detail/node-detail-model.js';
import { formatCount, formatPercent } from '../../format.js';

/** Open connections per transport (WebSocket, SSE, long polling), with each one's share. */
export function TransportShare({ view }: { readonly view: NodeView }) {
  const shares = transportShares(view.openByTransport);
  const total = shares?.reduce((sum, share) => sum + share.open, 0) ?? 0;
  return (
    <section className="panel transport-share" aria-labelledby="transport-heading">
      <h3 id="transport-heading">Transport share</h3>
      {shares === null ? (
        <p className="empty-state">
          {view.status === 'unreachable'
            ? 'No figures while the node is unreachable.'
            : 'Waiting for the node’s first sample.'}
        </p>
      ) : (
        <>
          <table className="detail-table">
            <thead>
              <tr>
                <th scope="col">Transport</th>
                <th scope="col" className="numeric">
                  Open
                </th>
                <th scope="col" className="numeric">
                  Share
                </th>
              </tr>
            </thead>
            <tbody>
              {shares.map((share) => (
                <tr key={share.transport} data-transport={share.transport}>
                  <th scope="row">{share.label}</th>
                  <td className="numeric">{formatCount(share.open)}</td>
                  <td className="numeric share-cell">
                    <span className="share-bar" aria-hidden="true">
                      <span style={{ width: `${(share.share ?? 0) * 100}%` }} />
                    </span>
                    {formatPercent(share.share)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {total === 0 && (
            <p className="empty-state">No open connections: clients connect at the public URL.</p>
          )}
        </>
      )}
    </section>
  );
}
