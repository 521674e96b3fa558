/**
 * One line in the node detail: what HAProxy says about this node ("Balancer: DRAIN (agent) ·
 * 12 sessions · weight 100"), with any mismatch beside it. Nothing when the fleet names no
 * balancer runtime API.
 */
import type { ViewApi } from '../../app.js';
import { routeHref } from '../../router.js';
import { balancerTone, nodeBalancerState, serverFigures } from '../balancer/balancer-model.js';
import { useBalancer } from '../balancer/use-balancer.js';
import '../balancer/balancer.css';

export function BalancerState({
  api,
  nodeId,
}: {
  readonly api: Pick<ViewApi, 'getBalancer'>;
  readonly nodeId: string;
}) {
  const { view } = useBalancer(api);
  const state = nodeBalancerState(view, nodeId);
  if (state.kind === 'none') return null;
  const link = (
    <a className="balancer-line-link" href={routeHref({ view: 'balancer' })}>
      Balancer view
    </a>
  );
  if (state.kind === 'unreachable') {
    return (
      <p className="balancer-line" data-balancer="unreachable">
        Balancer: <strong>cannot read HAProxy</strong> ({state.problem}) {link}
      </p>
    );
  }
  const warnings = state.warnings.length > 0 && (
    <span className="balancer-line-warning">{state.warnings.join('; ')}</span>
  );
  if (state.kind === 'absent') {
    return (
      <p className="balancer-line" data-balancer="absent">
        Balancer: <strong>not behind HAProxy</strong> {link}
        {warnings}
      </p>
    );
  }
  return (
    <p className="balancer-line" data-balancer={balancerTone(state.server.state)}>
      Balancer:{' '}
      <span className="balancer-state" data-tone={balancerTone(state.server.state)}>
        <span className="status-dot" aria-hidden="true" />
        <strong>{state.server.state}</strong>
      </span>{' '}
      · {serverFigures(state.server)} {link}
      {warnings}
    </p>
  );
}
