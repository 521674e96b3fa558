import { type ReactNode, useMemo } from 'react';
import type { NodeView } from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { BalancerState } from '../components/node-detail/balancer-state.js';
import { CloseCodesTable } from '../components/node-detail/close-codes-table.js';
import { DrainPanel } from '../components/node-detail/drain-panel.js';
import { IdentityPanel } from '../components/node-detail/identity-panel.js';
import { NodeCharts } from '../components/node-detail/node-charts.js';
import { RemoveNode } from '../components/node-detail/remove-node.js';
import { TopChannelsTable } from '../components/node-detail/top-channels-table.js';
import { TransportShare } from '../components/node-detail/transport-share.js';
import { useNodeDetail, useNodeHistory } from '../components/node-detail/use-node-data.js';
import { StatusBadge } from '../components/status-badge.js';
import { liveFigures } from '../detail/node-history.js';
import { formatClock } from '../format.js';
import { routeHref } from '../router.js';
import { useFleetNodes } from '../stores/fleet-hooks.js';
import type { FleetStore } from '../stores/fleet-store.js';
import '../components/node-detail/node-detail.css';

const BACK = routeHref({ view: 'nodes' });

function Header({
  nodeId,
  view,
  actions,
}: {
  readonly nodeId: string;
  readonly view: NodeView | null;
  /** Controls at the header's end (Remove node…). */
  readonly actions?: ReactNode;
}) {
  return (
    <div className="node-detail-header">
      <a href={BACK} className="back-link">
        ← Nodes
      </a>
      <h2 id="node-detail-heading">{nodeId}</h2>
      {view !== null && (
        <>
          <StatusBadge status={view.status} />
          <span className="node-detail-since">since {formatClock(view.statusSince)}</span>
          {view.status === 'unreachable' && view.problem !== null && (
            <span className="node-detail-problem">{view.problem}</span>
          )}
        </>
      )}
      {actions}
    </div>
  );
}

/** Why a refresh failed; the figures on screen stay, marked as possibly stale. */
function RefreshProblems({ problems }: { readonly problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="node-detail-error" role="status">
      {problems.map((problem) => (
        <p key={problem}>{problem}</p>
      ))}
    </div>
  );
}

/** A node that is in the fleet: polls its detail and history while shown. */
function KnownNode({ view, api }: { readonly view: NodeView; readonly api: ViewApi }) {
  const detail = useNodeDetail(api, view.id);
  const history = useNodeHistory(api, view.id);
  const live = useMemo(() => liveFigures(view), [view]);
  const problems: string[] = [];
  if (detail.error !== null) {
    problems.push(
      `Could not read this node’s close codes and channels: ${detail.error}. Retrying every 2 s.`,
    );
  }
  if (history.error !== null) {
    problems.push(`Could not read this node’s history: ${history.error}. Retrying every 2 s.`);
  }
  return (
    <>
      <RefreshProblems problems={problems} />
      <BalancerState api={api} nodeId={view.id} />
      <div className="node-detail-top">
        <IdentityPanel view={view} />
        <DrainPanel view={view} api={api} />
      </div>
      <NodeCharts points={history.value} live={live} extra={<TransportShare view={view} />} />
      <div className="node-detail-tables">
        <CloseCodesTable detail={detail.value} status={view.status} />
        <TopChannelsTable detail={detail.value} status={view.status} />
      </div>
    </>
  );
}

/**
 * One node: identity and uptime, the drain controls' place, its charts over the last 15 minutes,
 * transport share, close codes and busiest channels. The live view comes from the fleet store;
 * close codes, channels and history are polled while the view is open.
 */
export function NodeDetailView({
  nodeId,
  store,
  api,
}: {
  readonly nodeId: string;
  readonly store: FleetStore;
  readonly api: ViewApi;
}) {
  const nodes = useFleetNodes(store);
  const view = nodes.find((candidate) => candidate.id === nodeId) ?? null;
  return (
    <section className="node-detail" aria-labelledby="node-detail-heading">
      <Header nodeId={nodeId} view={view} actions={<RemoveNode nodeId={nodeId} view={view} api={api} />} />
      {view === null ? (
        <p className="placeholder">
          No node “{nodeId}” in this fleet. It may have been removed, or the link has a typo.{' '}
          <a href={BACK}>Back to the nodes</a>
        </p>
      ) : (
        <KnownNode view={view} api={api} />
      )}
    </section>
  );
}
