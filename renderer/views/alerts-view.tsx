import { type ReactNode, useEffect, useMemo, useState } from 'react';
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  type Alert,
  type AlertsSnapshot,
  type AlertThresholds,
} from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { AlertFigure, AlertNode, AlertsList, AlertTime, SeverityBadge } from '../components/alerts-list.js';
import {
  ALERT_KIND_LABELS,
  type AlertFilter,
  activeAlertsKey,
  filterAlerts,
  isFiltering,
  NO_ALERT_FILTER,
  parseKindFilter,
  parseSeverityFilter,
  thresholdRows,
} from '../components/alerts-model.js';
import { formatCount, formatUptime } from '../format.js';
import { useActiveAlerts } from '../stores/health-hooks.js';
import type { HealthStore } from '../stores/health-store.js';

/** How often the resolved list and the thresholds are read again, besides when the active set changes. */
const RECENT_REFRESH_MS = 5_000;
/** Resolved alerts shown before "Show all". */
const RECENT_SHOWN = 20;

const CALM =
  'No alerts. Fleetdeck raises one when a node is unreachable, its loop delay p99, CPU or memory passes ' +
  'a threshold, connections are skewed, or a node reports its broker down.';

/** A clock that ticks once a second while the view is open, for the "For" column. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

type RecentState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'ready'; readonly snapshot: AlertsSnapshot }
  | { readonly phase: 'failed'; readonly message: string; readonly snapshot: AlertsSnapshot | null };

/**
 * `getAlerts` now, every few seconds, and whenever an alert is raised or resolved (the active
 * ids change), so a resolved alert shows up in the list as it leaves the active one.
 */
function useAlertsSnapshot(api: ViewApi, activeKey: string): RecentState {
  const [state, setState] = useState<RecentState>({ phase: 'loading' });
  useEffect(() => {
    let live = true;
    let newest = 0;
    let asked = 0;
    const load = () => {
      const ticket = ++asked;
      api.getAlerts().then(
        (snapshot) => {
          // Answers can cross: an older one must not overwrite a newer one.
          if (!live || ticket < newest) return;
          newest = ticket;
          setState({ phase: 'ready', snapshot });
        },
        (error: unknown) => {
          if (!live || ticket < newest) return;
          newest = ticket;
          const message = error instanceof Error ? error.message : String(error);
          setState((previous) => ({
            phase: 'failed',
            message,
            snapshot: previous.phase === 'loading' ? null : previous.snapshot,
          }));
        },
      );
    };
    // The key is the trigger: a new active set means something was raised or resolved.
    void activeKey;
    load();
    const timer = setInterval(load, RECENT_REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, activeKey]);
  return state;
}

function FilterBar({
  filter,
  onChange,
}: {
  readonly filter: AlertFilter;
  readonly onChange: (filter: AlertFilter) => void;
}) {
  return (
    <fieldset className="alerts-filter">
      <legend className="visually-hidden">Filter alerts</legend>
      <label>
        Severity{' '}
        <select
          value={filter.severity}
          onChange={(event) => onChange({ ...filter, severity: parseSeverityFilter(event.target.value) })}
        >
          <option value="all">All severities</option>
          {ALERT_SEVERITIES.map((severity) => (
            <option key={severity} value={severity}>
              {severity}
            </option>
          ))}
        </select>
      </label>
      <label>
        Kind{' '}
        <select
          value={filter.kind}
          onChange={(event) => onChange({ ...filter, kind: parseKindFilter(event.target.value) })}
        >
          <option value="all">All kinds</option>
          {ALERT_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {ALERT_KIND_LABELS[kind]}
            </option>
          ))}
        </select>
      </label>
      {isFiltering(filter) && (
        <button type="button" className="alerts-filter-clear" onClick={() => onChange(NO_ALERT_FILTER)}>
          Clear filter
        </button>
      )}
    </fieldset>
  );
}

function ResolvedAlerts({ recent, filter }: { readonly recent: RecentState; readonly filter: AlertFilter }) {
  const [showAll, setShowAll] = useState(false);
  const snapshot = recent.phase === 'loading' ? null : recent.snapshot;
  const all = snapshot?.recent ?? [];
  const matching = filterAlerts(all, filter);
  const shown = showAll ? matching : matching.slice(0, RECENT_SHOWN);
  let body: ReactNode;
  if (snapshot === null) {
    body = (
      <p className="empty-state" aria-busy={recent.phase === 'loading'}>
        {recent.phase === 'failed' ? `Could not read the resolved alerts: ${recent.message}` : 'Loading…'}
      </p>
    );
  } else if (matching.length === 0) {
    body = (
      <p className="empty-state">
        {all.length === 0
          ? 'Nothing resolved since the console started.'
          : `None of the ${formatCount(all.length)} resolved alerts match the filter.`}
      </p>
    );
  } else {
    body = (
      <table className="alerts-table">
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Raised</th>
            <th scope="col">Resolved</th>
            <th scope="col">Lasted</th>
            <th scope="col">Node</th>
            <th scope="col">Kind</th>
            <th scope="col">Message</th>
            <th scope="col">Last value / threshold</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((alert: Alert) => (
            <tr
              key={`${alert.id}@${alert.resolvedAt}`}
              className="resolved-alert-item"
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
              <td className="alert-resolved-time">
                {alert.resolvedAt === null ? '—' : <AlertTime time={alert.resolvedAt} />}
              </td>
              <td className="alert-duration">{formatUptime(alert.since, alert.resolvedAt ?? alert.since)}</td>
              <td className="alert-node">
                <AlertNode nodeId={alert.nodeId} />
              </td>
              <td className="alert-kind">{ALERT_KIND_LABELS[alert.kind]}</td>
              <td className="alert-message">{alert.message}</td>
              <td className="alert-figure">
                <AlertFigure alert={alert} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <section className="panel resolved-alerts" aria-labelledby="resolved-alerts-heading">
      <h2 id="resolved-alerts-heading">Recently resolved</h2>
      {recent.phase === 'failed' && snapshot !== null && (
        <p className="alerts-stale" role="status">
          Not refreshed: {recent.message}
        </p>
      )}
      {body}
      {matching.length > shown.length && (
        <button type="button" className="alerts-show-all" onClick={() => setShowAll(true)}>
          Show all {formatCount(matching.length)}
        </button>
      )}
    </section>
  );
}

function ThresholdsTable({ thresholds }: { readonly thresholds: AlertThresholds | null }) {
  return (
    <section className="panel alert-thresholds" aria-labelledby="alert-thresholds-heading">
      <h2 id="alert-thresholds-heading">Thresholds</h2>
      {thresholds === null ? (
        <p className="empty-state">Loading…</p>
      ) : (
        <table className="thresholds-table">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">In force · fleet-file setting</th>
            </tr>
          </thead>
          <tbody>
            {thresholdRows(thresholds).map((row) => (
              <tr key={row.key} data-threshold={row.key}>
                <th scope="row">
                  {row.rule}
                  <span className="threshold-unit">{row.unit}</span>
                </th>
                <td>
                  <span className="threshold-value">{row.value}</span>
                  <code className="threshold-setting">{row.setting}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="thresholds-note">
        Change them in the fleet file's <code>alerts</code> block, e.g.{' '}
        <code>{'"alerts": { "cpu": 0.8 }'}</code>; a threshold left out keeps its default (docs/fleet.md). A
        figure must stay over its threshold for two ticks to raise an alert, and clears once it falls below{' '}
        <span className="nowrap">90 %</span> of it.
      </p>
    </section>
  );
}

/** Active alerts with a filter, the recently resolved ones, and the thresholds in force. */
export function AlertsView({ health, api }: { readonly health: HealthStore; readonly api: ViewApi }) {
  const active = useActiveAlerts(health);
  const now = useNow();
  const [filter, setFilter] = useState<AlertFilter>(NO_ALERT_FILTER);
  const activeKey = useMemo(() => activeAlertsKey(active), [active]);
  const recent = useAlertsSnapshot(api, activeKey);
  const shownActive = filterAlerts(active, filter);
  const snapshot = recent.phase === 'loading' ? null : recent.snapshot;
  return (
    <div className="alerts-view">
      <div className="alerts-lists">
        <AlertsList
          alerts={shownActive}
          now={now}
          empty={
            active.length === 0
              ? CALM
              : `None of the ${formatCount(active.length)} active alerts match the filter.`
          }
        >
          <FilterBar filter={filter} onChange={setFilter} />
        </AlertsList>
        <ResolvedAlerts recent={recent} filter={filter} />
      </div>
      <ThresholdsTable thresholds={snapshot?.thresholds ?? null} />
    </div>
  );
}
