import type { ViewApi } from '../app.js';

/** Hot channels. Placeholder until the channels slice builds it. */
export function ChannelsView(_props: { readonly api: ViewApi }) {
  return (
    <section aria-labelledby="channels-heading">
      <h2 id="channels-heading">Channels</h2>
      <p className="placeholder">The fleet's hottest channels appear here.</p>
    </section>
  );
}
