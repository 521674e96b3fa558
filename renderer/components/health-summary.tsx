import type { Alert, FleetTotals } from '../../main/common/models.js';
import { formatBytesPerSecond, formatCount } from '../format.js';
import { routeHref } from '../router.js';

/** The header's one-line health: connections, bandwidth and how many alerts are open. */
export function HealthSummary({
  totals,
  alerts,
}: {
  readonly totals: FleetTotals | null;
  readonly alerts: readonly Alert[];
}) {
  const critical = alerts.filter((alert) => alert.severity === 'critical').length;
  const tone = critical > 0 ? 'critical' : alerts.length > 0 ? 'warning' : 'calm';
  return (
    <p className="health-summary">
      <span>{formatCount(totals?.connectionsOpen)} connections</span>
      <span aria-hidden="true"> · </span>
      <span>
        {formatBytesPerSecond(totals?.bytesInPerSec)} in / {formatBytesPerSecond(totals?.bytesOutPerSec)} out
      </span>
      <span aria-hidden="true"> · </span>
      <a href={routeHref({ view: 'alerts' })} className="health-alerts" data-tone={tone}>
        {alerts.length === 0
          ? 'No alerts'
          : `${formatCount(alerts.length)} ${alerts.length === 1 ? 'alert' : 'alerts'}`}
      </a>
    </p>
  );
}
