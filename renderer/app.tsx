import type { ConsoleConnection } from './api/console-connection.js';
import { useConnectionStatus } from './api/use-connection-status.js';
import { AlertsList } from './components/alerts-list.js';
import { ConnectionBanner } from './components/connection-banner.js';
import { FleetSwitcher, type FleetSwitcherApi, NoFleetOpen } from './components/fleet-switcher.js';
import { HealthSummary } from './components/health-summary.js';
import { type Route, routeHref, useRoute } from './router.js';
import { useFleetState } from './stores/fleet-hooks.js';
import type { FleetStore } from './stores/fleet-store.js';
import { useActiveAlerts, useFleetTotals } from './stores/health-hooks.js';
import type { HealthStore } from './stores/health-store.js';
import { ActivityView } from './views/activity-view.js';
import { AlertsView } from './views/alerts-view.js';
import { BalancerView } from './views/balancer-view.js';
import { ChannelDetailView } from './views/channel-detail-view.js';
import { ChannelsView } from './views/channels-view.js';
import { NodeDetailView } from './views/node-detail-view.js';
import { NodesView } from './views/nodes-view.js';
import { OverviewView } from './views/overview-view.js';
import { RollView } from './views/roll-view.js';

/** What the app needs, wired by hand in main.tsx. */
export interface AppProps {
  readonly store: FleetStore;
  readonly health: HealthStore;
  readonly connection: ConsoleConnection;
}

/** The API calls views make on demand (detail, history, operations…), beside the pushed stores. */
export type ViewApi = Omit<ConsoleConnection, 'getStatus' | 'onStatus' | 'dispose' | 'onFleetDelta'>;

const TABS: ReadonlyArray<{ readonly route: Route; readonly label: string }> = [
  { route: { view: 'overview' }, label: 'Overview' },
  { route: { view: 'nodes' }, label: 'Nodes' },
  { route: { view: 'alerts' }, label: 'Alerts' },
  { route: { view: 'channels' }, label: 'Channels' },
  { route: { view: 'balancer' }, label: 'Balancer' },
  { route: { view: 'roll' }, label: 'Rolling drain' },
  { route: { view: 'activity' }, label: 'Activity' },
];

function Nav({ route, alertCount }: { readonly route: Route; readonly alertCount: number }) {
  // The node detail belongs to the Nodes tab.
  const current = route.view === 'node' ? 'nodes' : route.view === 'channel' ? 'channels' : route.view;
  return (
    <nav className="app-nav" aria-label="Views">
      {TABS.map((tab) => (
        <a
          key={tab.route.view}
          href={routeHref(tab.route)}
          className="app-nav-link"
          aria-current={tab.route.view === current ? 'page' : undefined}
        >
          {tab.label}
          {tab.route.view === 'alerts' && alertCount > 0 && (
            <span className="nav-count">
              {alertCount}
              <span className="visually-hidden"> active</span>
            </span>
          )}
        </a>
      ))}
    </nav>
  );
}

function Body({
  store,
  health,
  api,
  fleets,
  connected,
  route,
}: {
  readonly store: FleetStore;
  readonly health: HealthStore;
  readonly api: ViewApi;
  readonly fleets: FleetSwitcherApi;
  readonly connected: boolean;
  readonly route: Route;
}) {
  const alerts = useActiveAlerts(health);
  const state = useFleetState(store);
  // Until the first fleet state arrives: "connecting", or how to open a fleet when none is open.
  if (state.phase === 'loading') return <NoFleetOpen api={fleets} connected={connected} />;
  if (state.nodes.length === 0) {
    return (
      <p className="placeholder">
        No nodes in this fleet yet. Add nodes to its fleet file's <code>nodes</code> list (for a DNS fleet,
        check that its name resolves), or start a local fleet with <code>npm run fleet</code>.
      </p>
    );
  }
  switch (route.view) {
    case 'overview':
      // Active alerts lead the overview: the first thing an on-call engineer needs.
      return (
        <>
          <AlertsList alerts={alerts} limit={5} />
          <OverviewView store={store} health={health} />
        </>
      );
    case 'nodes':
      return <NodesView store={store} api={api} />;
    case 'node':
      return <NodeDetailView key={route.nodeId} nodeId={route.nodeId} store={store} api={api} />;
    case 'alerts':
      return <AlertsView health={health} api={api} />;
    case 'balancer':
      return <BalancerView store={store} api={api} />;
    case 'roll':
      return <RollView store={store} api={api} />;
    case 'activity':
      return <ActivityView api={api} />;
    case 'channels':
      return <ChannelsView api={api} />;
    case 'channel':
      return <ChannelDetailView key={route.name} name={route.name} api={api} />;
  }
}

/** The console window: header with the fleet's name, health, views and link status, then the chosen view. */
export function App({ store, health, connection }: AppProps) {
  const state = useFleetState(store);
  const totals = useFleetTotals(health);
  const alerts = useActiveAlerts(health);
  const status = useConnectionStatus(connection);
  const route = useRoute();
  return (
    <>
      <header className="app-header">
        {/* The fleet's name is the page's heading once known; until then the app's own name stands in. */}
        <h1 className="fleet-name">{state.phase === 'ready' ? state.fleetName : 'Fleetdeck'}</h1>
        <FleetSwitcher api={connection} fleetName={state.phase === 'ready' ? state.fleetName : null} />
        {state.phase === 'ready' && <span className="app-name">Fleetdeck</span>}
        {state.phase === 'ready' && <HealthSummary totals={totals} alerts={alerts} />}
        <ConnectionBanner status={status} />
        <Nav route={route} alertCount={alerts.length} />
      </header>
      <main className="app-main" data-view={route.view}>
        <Body
          store={store}
          health={health}
          api={connection}
          fleets={connection}
          connected={status.state === 'open'}
          route={route}
        />
      </main>
    </>
  );
}
