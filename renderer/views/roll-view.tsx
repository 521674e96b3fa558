import type { ViewApi } from '../app.js';
import type { FleetStore } from '../stores/fleet-store.js';

/** Rolling drain. Placeholder until the rolling slice builds it. */
export function RollView(_props: { readonly store: FleetStore; readonly api: ViewApi }) {
  return (
    <section aria-labelledby="roll-heading">
      <h2 id="roll-heading">Rolling drain</h2>
      <p className="placeholder">Plan and run a rolling drain here.</p>
    </section>
  );
}
