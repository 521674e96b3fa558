/**
 * The load balancer's view: HAProxy's servers (state, sessions, weight, checks) beside the
 * agents' own states, mismatch warnings on top, and per-server state changes (ready, drain,
 * maint) behind a confirm dialog. Read every 2 s while shown.
 */
import { type ReactNode, useState } from 'react';
import type {
  BalancerStateName,
  BalancerView as BalancerViewModel,
  OperationRecord,
} from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { BalancerActionDialog, type PendingAction } from '../components/balancer/balancer-action-dialog.js';
import {
  type BalancerRow,
  balancerRows,
  balancerTone,
  isCurrentState,
} from '../components/balancer/balancer-model.js';
import { BALANCER_POLL_MS, useBalancer } from '../components/balancer/use-balancer.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatClock, formatCount } from '../format.js';
import { routeHref } from '../router.js';
import { useFleetNodes } from '../stores/fleet-hooks.js';
import type { FleetStore } from '../stores/fleet-store.js';
import '../components/balancer/balancer.css';

const ACTIONS: ReadonlyArray<{ readonly state: BalancerStateName; readonly label: string }> = [
  { state: 'ready', label: 'Set ready' },
  { state: 'drain', label: 'Drain' },
  { state: 'maint', label: 'Maint' },
];

const EXAMPLE_BLOCK = `"balancer": {
  "kind": "haproxy",
  "runtimeApi": "tcp://127.0.0.1:9999",
  "backend": "nodes",
  "checkIntervalMs": 2000
}`;

/** No runtime API in the fleet file: how to name one. */
function NotConfigured() {
  return (
    <div className="panel balancer-empty">
      <p>
        This fleet file names no HAProxy runtime API, so the console cannot show the balancer’s side. To see
        HAProxy’s servers here, add a <code>balancer</code> block to the fleet file and open it again:
      </p>
      <pre>{EXAMPLE_BLOCK}</pre>
      <p>
        and give HAProxy an admin-level runtime API in the <code>global</code> section of its configuration (
        <code>runtimeApi</code> may also be a unix socket path such as <code>/run/haproxy/admin.sock</code>):
      </p>
      <pre>stats socket ipv4@127.0.0.1:9999 level admin</pre>
      <p>
        <code>npm run fleet</code> writes this block itself when HAProxy is installed. See{' '}
        <code>docs/fleet.md</code>, “The balancer view”.
      </p>
    </div>
  );
}

function Mismatches({ view }: { readonly view: BalancerViewModel }) {
  if (view.mismatches.length === 0) {
    return <p className="balancer-agree">HAProxy agrees with every agent.</p>;
  }
  return (
    <div className="balancer-mismatches" role="alert">
      <h3>
        {view.mismatches.length === 1 ? '1 mismatch' : `${view.mismatches.length} mismatches`} between HAProxy
        and the agents
      </h3>
      <ul>
        {view.mismatches.map((mismatch) => (
          <li key={`${mismatch.server ?? ''}|${mismatch.nodeId ?? ''}|${mismatch.message}`}>
            {mismatch.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function StateCell({ state }: { readonly state: string }) {
  return (
    <span className="balancer-state" data-tone={balancerTone(state)}>
      <span className="status-dot" aria-hidden="true" />
      {state}
    </span>
  );
}

function Row({
  row,
  onAction,
}: {
  readonly row: BalancerRow;
  readonly onAction: (action: PendingAction) => void;
}) {
  const { server } = row;
  return (
    <tr
      data-server={server?.name ?? undefined}
      data-node={row.nodeId ?? undefined}
      className={row.warnings.length > 0 ? 'has-warning' : undefined}
    >
      <th scope="row">{server === null ? <span className="muted">no server</span> : server.name}</th>
      <td>
        {row.nodeId === null ? (
          <span className="muted">not in the fleet</span>
        ) : (
          <a href={routeHref({ view: 'node', nodeId: row.nodeId })}>{row.nodeId}</a>
        )}
      </td>
      <td data-column="balancer-state">
        {server === null ? (
          <span className="muted">not behind HAProxy</span>
        ) : (
          <StateCell state={server.state} />
        )}
      </td>
      <td data-column="agent-state">
        {row.agentStatus === null ? (
          <span className="muted">—</span>
        ) : (
          <StatusBadge status={row.agentStatus} />
        )}
      </td>
      <td className="numeric" data-column="sessions">
        {server === null ? '—' : formatCount(server.sessions)}
      </td>
      <td className="numeric" data-column="agent-connections">
        {row.agentConnections === null ? '—' : formatCount(row.agentConnections)}
      </td>
      <td className="numeric" data-column="weight">
        {server === null ? '—' : server.weight}
      </td>
      <td data-column="checks">
        {server === null ? '—' : (server.checkStatus ?? <span className="muted">paused</span>)}
      </td>
      <td className="balancer-actions">
        {server !== null && (
          <div className="balancer-action-buttons">
            {ACTIONS.map((action) => {
              // aria-disabled, not disabled: the button that was just used keeps the focus when it
              // becomes the current state, and stays reachable by keyboard, saying it is in force.
              const current = isCurrentState(server.state, action.state);
              return (
                <button
                  key={action.state}
                  type="button"
                  aria-disabled={current || undefined}
                  aria-label={`${action.label} ${server.nodeId ?? server.name} at HAProxy`}
                  title={current ? `Already ${server.state}` : undefined}
                  onClick={(event) => {
                    if (current) return;
                    onAction({
                      server,
                      state: action.state,
                      agentStatus: row.agentStatus,
                      opener: event.currentTarget,
                    });
                  }}
                >
                  {action.label}
                </button>
              );
            })}
          </div>
        )}
      </td>
    </tr>
  );
}

function ServersTable({
  view,
  rows,
  onAction,
}: {
  readonly view: BalancerViewModel;
  readonly rows: readonly BalancerRow[];
  readonly onAction: (action: PendingAction) => void;
}) {
  const backend = view.servers[0]?.backend;
  return (
    <div className="balancer-table-wrap">
      <table className="nodes-table balancer-table">
        <caption>Servers{backend === undefined ? '' : ` of backend ${backend}`} beside their agents</caption>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Node</th>
            <th scope="col">HAProxy state</th>
            <th scope="col">Agent state</th>
            <th scope="col" className="numeric">
              Sessions
            </th>
            <th scope="col" className="numeric">
              Agent conns
            </th>
            <th scope="col" className="numeric">
              Weight
            </th>
            <th scope="col">Checks</th>
            <th scope="col">Set at HAProxy</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <Row key={row.key} row={row} onAction={onAction} />
          ))}
        </tbody>
      </table>
      {rows.length === 0 && (
        <p className="empty-state">HAProxy’s backend has no servers and the fleet has no nodes.</p>
      )}
    </div>
  );
}

/** The balancer's view. */
export function BalancerView({ store, api }: { readonly store: FleetStore; readonly api: ViewApi }) {
  const { view, error, refresh } = useBalancer(api);
  const nodes = useFleetNodes(store);
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [done, setDone] = useState<OperationRecord | null>(null);

  const perform = (action: PendingAction) =>
    api.setBalancerState(action.server.nodeId ?? action.server.name, action.state);

  let body: ReactNode;
  if (view === null) {
    body =
      error === null ? (
        <p className="empty-state">Reading the balancer…</p>
      ) : (
        <p className="balancer-problem" role="alert">
          Could not read the balancer view: {error}. Retrying every {BALANCER_POLL_MS / 1000} s.
        </p>
      );
  } else if (!view.configured) {
    body = <NotConfigured />;
  } else {
    const serverCount = view.servers.length;
    const sessions = view.servers.reduce((sum, server) => sum + server.sessions, 0);
    body = (
      <>
        <p className="balancer-summary">
          HAProxy runtime API at <code>{view.address}</code>
          {view.reachable &&
            ` · ${serverCount} ${serverCount === 1 ? 'server' : 'servers'} · ${formatCount(sessions)} sessions`}{' '}
          · read {formatClock(view.time)}, every {BALANCER_POLL_MS / 1000} s
        </p>
        {error !== null && (
          <p className="balancer-problem" role="status">
            The latest refresh failed: {error}. Showing the figures from {formatClock(view.time)}.
          </p>
        )}
        {view.reachable ? (
          <>
            <Mismatches view={view} />
            <ServersTable view={view} rows={balancerRows(view, nodes)} onAction={setPending} />
          </>
        ) : (
          <p className="balancer-problem" role="alert">
            Cannot read HAProxy: {view.problem ?? 'no answer'}. Retrying every {BALANCER_POLL_MS / 1000} s.
          </p>
        )}
      </>
    );
  }

  return (
    <section className="balancer-view" aria-labelledby="balancer-heading">
      <h2 id="balancer-heading">Balancer</h2>
      <p className="balancer-done" role="status">
        {done === null ? '' : `${done.message ?? 'Done'} (${formatClock(done.endedAt ?? done.startedAt)}).`}
      </p>
      {body}
      {pending !== null && (
        <BalancerActionDialog
          action={pending}
          perform={() => perform(pending)}
          onDone={(record) => {
            setPending(null);
            setDone(record);
            refresh();
          }}
          onClose={() => setPending(null)}
        />
      )}
    </section>
  );
}
