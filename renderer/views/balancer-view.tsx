import type { ViewApi } from '../app.js';
import type { FleetStore } from '../stores/fleet-store.js';

/** The balancer's view. Placeholder until the balancer slice builds it. */
export function BalancerView(_props: { readonly store: FleetStore; readonly api: ViewApi }) {
  return (
    <section aria-labelledby="balancer-heading">
      <h2 id="balancer-heading">Balancer</h2>
      <p className="placeholder">The load balancer's servers appear here.</p>
    </section>
  );
}
