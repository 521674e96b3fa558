import type { ReactNode } from 'react';
import type { Alert } from '../../main/common/models.js';
import { formatClock, formatCount, formatUptime } from '../format.js';
import { routeHref } from '../router.js';
import { ALERT_KIND_LABELS, formatAlertFigure, sortActiveAlerts } from './alerts-model.js';
import './alerts.css';

/** A time of day, with the full date and time on hover. */
export function AlertTime({ time, className }: { readonly time: number; readonly className?: string }) {
  const date = new Date(time);
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()} className={className}>
      {formatClock(time)}
    </time>
  );
}

/** The node an alert is about, linked to its detail view; "fleet" for fleet-wide alerts. */
export function AlertNode({ nodeId }: { readonly nodeId: string | null }) {
  if (nodeId === null) return <span className="alert-fleet">fleet</span>;
  return <a href={routeHref({ view: 'node', nodeId })}>{nodeId}</a>;
}

/** The figure that holds an alert up against its threshold, e.g. "97 % / 90 %"; '—' for yes/no rules. */
export function AlertFigure({ alert }: { readonly alert: Alert }) {
  if (alert.value === null || alert.threshold === null) {
    return <span className="alert-figure-none">—</span>;
  }
  return (
    <>
      <span className="alert-figure-value">{formatAlertFigure(alert.kind, alert.value)}</span>
      <span className="alert-figure-threshold"> / {formatAlertFigure(alert.kind, alert.threshold)}</span>
    </>
  );
}

/** The severity as a labelled badge (never colour alone). */
export function SeverityBadge({ severity }: { readonly severity: Alert['severity'] }) {
  return <span className="alert-severity">{severity}</span>;
}

/**
 * The active alerts, critical first, then the oldest, in the region "Alerts" ("No alerts" when
 * calm). The overview shows the short form (severity, raised, node, message); the Alerts view
 * passes `now` for the full one (how long, kind, figure against threshold) and may put a toolbar
 * in `children`, under the heading.
 */
export function AlertsList({
  alerts,
  now,
  empty,
  children,
  limit,
}: {
  readonly alerts: readonly Alert[];
  /** Rows shown at most (the most urgent), with a link to the Alerts view for the rest. */
  readonly limit?: number;
  /** The clock the Alerts view ticks; with it, the full form. */
  readonly now?: number;
  /** What to say instead of the list when `alerts` is empty; "No alerts" by default. */
  readonly empty?: ReactNode;
  readonly children?: ReactNode;
}) {
  const full = now !== undefined;
  const sorted = sortActiveAlerts(alerts);
  const shown = limit === undefined ? sorted : sorted.slice(0, limit);
  const hidden = sorted.length - shown.length;
  return (
    <section className="alerts panel" aria-labelledby="alerts-heading" data-form={full ? 'full' : 'short'}>
      <div className="alerts-header">
        <h2 id="alerts-heading">Alerts</h2>
        {children}
      </div>
      {alerts.length === 0 ? (
        <p className="empty-state">{empty ?? 'No alerts'}</p>
      ) : (
        <table className="alerts-table">
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Raised</th>
              {full && <th scope="col">For</th>}
              <th scope="col">Node</th>
              {full && <th scope="col">Kind</th>}
              <th scope="col">Message</th>
              {full && <th scope="col">Value / threshold</th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((alert) => (
              <tr
                key={alert.id}
                className="alert-item"
                data-alert-kind={alert.kind}
                data-alert-node={alert.nodeId ?? undefined}
                data-severity={alert.severity}
              >
                <td className="alert-severity-cell">
                  <SeverityBadge severity={alert.severity} />
                </td>
                <td className="alert-time">
                  <AlertTime time={alert.since} />
                </td>
                {full && <td className="alert-duration">{formatUptime(alert.since, now)}</td>}
                <td className="alert-node">
                  <AlertNode nodeId={alert.nodeId} />
                </td>
                {full && <td className="alert-kind">{ALERT_KIND_LABELS[alert.kind]}</td>}
                <td className="alert-message">{alert.message}</td>
                {full && (
                  <td className="alert-figure">
                    <AlertFigure alert={alert} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hidden > 0 && (
        <p className="alerts-more">
          <a href={routeHref({ view: 'alerts' })}>
            {formatCount(hidden)} more {hidden === 1 ? 'alert' : 'alerts'} in the Alerts view
          </a>
        </p>
      )}
    </section>
  );
}
