import { memo } from 'react';
import type { FleetBalance } from '../../main/common/models.js';
import { formatRatio } from '../format.js';
import { routeHref } from '../router.js';

/**
 * How evenly connections are spread over the active nodes, with the core's explanation. While the
 * skew alert is raised it suggests shedding from the most loaded node (its detail has Shed…).
 */
export const BalanceLine = memo(function BalanceLine({
  balance,
  skewed = false,
}: {
  readonly balance: FleetBalance | null;
  readonly skewed?: boolean;
}) {
  const busiest = balance?.mostLoadedNodeId ?? null;
  return (
    <p className="balance-line" data-balance>
      <strong>Balance</strong>
      <span>
        max/mean <span data-balance-figure="max-over-mean">{formatRatio(balance?.maxOverMean)}</span>
      </span>
      <span>
        CV <span data-balance-figure="cv">{formatRatio(balance?.cv)}</span>
      </span>
      <span className="balance-explanation">{balance?.explanation ?? 'Waiting for the first figures…'}</span>
      {skewed && busiest !== null && (
        <a
          className="balance-suggestion"
          href={routeHref({ view: 'node', nodeId: busiest })}
          data-shed-suggestion
        >
          Shed connections from {busiest}…
        </a>
      )}
    </p>
  );
});
