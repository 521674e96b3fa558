import type { NodeDetail, NodeStatus } from '../../../main/common/models.js';
import { closeCodeRows } from '../../detail/node-detail-model.js';
import { formatCount, formatPercent } from '../../format.js';

/** Closes since the agent started, per close code, with what each code means and its share. */
export function CloseCodesTable({
  detail,
  status,
}: {
  readonly detail: NodeDetail | null;
  /** The live status, fresher than the detail's. */
  readonly status: NodeStatus;
}) {
  const rows = detail === null ? [] : closeCodeRows(detail.closeCodes);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  let empty: string | null = null;
  if (status === 'unreachable') empty = 'No close codes while the node is unreachable.';
  else if (detail === null) empty = 'Loading close codes…';
  else if (rows.length === 0) empty = 'No connection has closed since this node started.';
  return (
    <section className="panel close-codes" aria-labelledby="close-codes-heading">
      <h3 id="close-codes-heading">
        Close codes{' '}
        <span className="heading-note">
          since the node started{total > 0 ? `, ${formatCount(total)} closes` : ''}
        </span>
      </h3>
      {empty !== null ? (
        <p className="empty-state">{empty}</p>
      ) : (
        <table className="detail-table">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Meaning</th>
              <th scope="col" className="numeric">
                Count
              </th>
              <th scope="col" className="numeric">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.code} data-close-code={row.code} data-orderly={row.orderly}>
                <th scope="row">{row.code}</th>
                <td>
                  {row.meaning}
                  {!row.orderly && <span className="abnormal-tag">abnormal</span>}
                </td>
                <td className="numeric">{formatCount(row.count)}</td>
                <td className="numeric share-cell">
                  <span className="share-bar" aria-hidden="true">
                    <span style={{ width: `${(row.share ?? 0) * 100}%` }} />
                  </span>
                  {formatPercent(row.share)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
