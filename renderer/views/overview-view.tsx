import { BalanceLine } from '../components/balance-line.js';
import { FleetCharts } from '../components/fleet-charts.js';
import { NodeMap } from '../components/node-map.js';
import { TotalsTiles } from '../components/totals-tiles.js';
import { useFleetNodes } from '../stores/fleet-hooks.js';
import type { FleetStore } from '../stores/fleet-store.js';
import { useActiveAlerts, useFleetHistory, useFleetTotals } from '../stores/health-hooks.js';
import type { HealthStore } from '../stores/health-store.js';

/**
 * Fleet health at a glance: totals, the last 15 minutes, the node map and the balance. Each
 * part is memoized on its own slice: totals change with every delta (four a second), the
 * history once a second, so the charts, the costliest part, redraw once a second.
 */
export function OverviewView({
  store,
  health,
}: {
  readonly store: FleetStore;
  readonly health: HealthStore;
}) {
  const totals = useFleetTotals(health);
  const history = useFleetHistory(health);
  const nodes = useFleetNodes(store);
  const alerts = useActiveAlerts(health);
  return (
    <section className="overview" aria-labelledby="overview-heading">
      <h2 id="overview-heading">Overview</h2>
      <TotalsTiles totals={totals} />
      <BalanceLine balance={totals?.balance ?? null} skewed={alerts.some((alert) => alert.kind === 'skew')} />
      <NodeMap nodes={nodes} alerts={alerts} />
      <FleetCharts points={history} />
    </section>
  );
}
