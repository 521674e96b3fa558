import type { ViewApi } from '../app.js';

/** The audit log. Placeholder until the drain slice builds it. */
export function ActivityView(_props: { readonly api: ViewApi }) {
  return (
    <section aria-labelledby="activity-heading">
      <h2 id="activity-heading">Activity</h2>
      <p className="placeholder">The audit log of operator actions appears here.</p>
    </section>
  );
}
