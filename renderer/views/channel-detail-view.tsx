import type { ViewApi } from '../app.js';
import { routeHref } from '../router.js';

/** One channel. Placeholder until the channels slice builds it. */
export function ChannelDetailView({ name }: { readonly name: string; readonly api: ViewApi }) {
  return (
    <section aria-labelledby="channel-heading">
      <p>
        <a href={routeHref({ view: 'channels' })}>← Channels</a>
      </p>
      <h2 id="channel-heading">{name}</h2>
    </section>
  );
}
