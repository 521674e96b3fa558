import type { Alert } from '../../main/common/models.js';
import { formatClock } from '../format.js';

/** The active alerts, oldest first: time, node, message and severity; "No alerts" when calm. */
export function AlertsList({ alerts }: { readonly alerts: readonly Alert[] }) {
  return (
    <section className="alerts panel" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      {alerts.length === 0 ? (
        <p className="empty-state">No alerts</p>
      ) : (
        <ul className="alerts-list">
          {alerts.map((alert) => (
            <li
              key={alert.id}
              className="alert-item"
              data-alert-kind={alert.kind}
              data-alert-node={alert.nodeId ?? undefined}
              data-severity={alert.severity}
            >
              <time dateTime={new Date(alert.since).toISOString()} className="alert-time">
                {formatClock(alert.since)}
              </time>
              <span className="alert-node">{alert.nodeId ?? 'fleet'}</span>
              <span className="alert-message">{alert.message}</span>
              <span className="alert-severity">{alert.severity}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
