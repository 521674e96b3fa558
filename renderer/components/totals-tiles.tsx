import { memo } from 'react';
import type { FleetTotals } from '../../main/common/models.js';
import { NODE_STATUSES } from '../../main/common/models.js';
import { formatBytesPerSecond, formatCount, formatRate } from '../format.js';

function Tile({
  name,
  label,
  value,
}: {
  readonly name: string;
  readonly label: string;
  readonly value: string;
}) {
  return (
    <div className="tile" data-total={name}>
      <dt>{label}</dt>
      <dd className="tile-value">{value}</dd>
    </div>
  );
}

/** The fleet's headline figures from the latest totals; dashes before the first tick. */
export const TotalsTiles = memo(function TotalsTiles({ totals }: { readonly totals: FleetTotals | null }) {
  return (
    <dl className="tiles">
      <Tile name="connections" label="Connections" value={formatCount(totals?.connectionsOpen)} />
      <Tile name="bandwidth-in" label="Bandwidth in" value={formatBytesPerSecond(totals?.bytesInPerSec)} />
      <Tile name="bandwidth-out" label="Bandwidth out" value={formatBytesPerSecond(totals?.bytesOutPerSec)} />
      <Tile name="messages" label="Messages/s" value={formatRate(totals?.messagesPerSec)} />
      <div className="tile tile-wide" data-total="nodes">
        <dt>Nodes by state</dt>
        <dd className="tile-states">
          {NODE_STATUSES.map((status) => (
            <span key={status} className="tile-state" data-status={status}>
              <span className="status-dot" aria-hidden="true" />
              {formatCount(totals?.nodesByStatus[status])} {status}
            </span>
          ))}
        </dd>
      </div>
    </dl>
  );
});
