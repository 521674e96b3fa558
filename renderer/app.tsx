import type { ConsoleConnection } from './api/console-connection.js';
import { useConnectionStatus } from './api/use-connection-status.js';
import { ConnectionBanner } from './components/connection-banner.js';
import { useFleetState } from './stores/fleet-hooks.js';
import type { FleetStore } from './stores/fleet-store.js';
import { NodesView } from './views/nodes-view.js';

/** What the app needs, wired by hand in main.tsx. */
export interface AppProps {
  readonly store: FleetStore;
  readonly connection: Pick<ConsoleConnection, 'getStatus' | 'onStatus'>;
}

function Body({ store }: { readonly store: FleetStore }) {
  const state = useFleetState(store);
  if (state.phase === 'loading') {
    return (
      <p className="placeholder" aria-busy="true">
        Connecting to the console…
      </p>
    );
  }
  if (state.nodes.length === 0) return <p className="placeholder">No nodes in this fleet file</p>;
  return <NodesView store={store} />;
}

/** The console window: header with the fleet's name and link status, then the nodes. */
export function App({ store, connection }: AppProps) {
  const state = useFleetState(store);
  const status = useConnectionStatus(connection);
  return (
    <>
      <header className="app-header">
        {/* The fleet's name is the page's heading once known; until then the app's own name stands in. */}
        <h1 className="fleet-name">{state.phase === 'ready' ? state.fleetName : 'Fleetdeck'}</h1>
        {state.phase === 'ready' && <span className="app-name">Fleetdeck</span>}
        <ConnectionBanner status={status} />
      </header>
      <main className="app-main">
        <Body store={store} />
      </main>
    </>
  );
}
