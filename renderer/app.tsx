import type { ConsoleConnection } from './api/console-connection.js';
import { useConnectionStatus } from './api/use-connection-status.js';
import { AlertsList } from './components/alerts-list.js';
import { ConnectionBanner } from './components/connection-banner.js';
import { HealthSummary } from './components/health-summary.js';
import { useFleetState } from './stores/fleet-hooks.js';
import type { FleetStore } from './stores/fleet-store.js';
import { useActiveAlerts, useFleetTotals } from './stores/health-hooks.js';
import type { HealthStore } from './stores/health-store.js';
import { NodesView } from './views/nodes-view.js';
import { OverviewView } from './views/overview-view.js';

/** What the app needs, wired by hand in main.tsx. */
export interface AppProps {
  readonly store: FleetStore;
  readonly health: HealthStore;
  readonly connection: Pick<ConsoleConnection, 'getStatus' | 'onStatus'>;
}

function Body({ store, health }: { readonly store: FleetStore; readonly health: HealthStore }) {
  const alerts = useActiveAlerts(health);
  const state = useFleetState(store);
  if (state.phase === 'loading') {
    return (
      <p className="placeholder" aria-busy="true">
        Connecting to the console…
      </p>
    );
  }
  if (state.nodes.length === 0) return <p className="placeholder">No nodes in this fleet file</p>;
  // One scrolling page: overview first, then drill down in the table.
  return (
    <>
      <AlertsList alerts={alerts} />
      <OverviewView store={store} health={health} />
      <NodesView store={store} />
    </>
  );
}

/** The console window: header with the fleet's name, health and link status, then alerts, overview and nodes. */
export function App({ store, health, connection }: AppProps) {
  const state = useFleetState(store);
  const totals = useFleetTotals(health);
  const alerts = useActiveAlerts(health);
  const status = useConnectionStatus(connection);
  return (
    <>
      <header className="app-header">
        {/* The fleet's name is the page's heading once known; until then the app's own name stands in. */}
        <h1 className="fleet-name">{state.phase === 'ready' ? state.fleetName : 'Fleetdeck'}</h1>
        {state.phase === 'ready' && <span className="app-name">Fleetdeck</span>}
        {state.phase === 'ready' && <HealthSummary totals={totals} alerts={alerts} />}
        <ConnectionBanner status={status} />
      </header>
      <main className="app-main">
        <Body store={store} health={health} />
      </main>
    </>
  );
}
