import { memo } from 'react';
import type { FleetBalance } from '../../main/common/models.js';
import { formatRatio } from '../format.js';

/** How evenly connections are spread over the active nodes, with the core's explanation. */
export const BalanceLine = memo(function BalanceLine({ balance }: { readonly balance: FleetBalance | null }) {
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
    </p>
  );
});
