import type { BrokerView } from '../../../main/common/models.js';
import { brokerHeadline, brokerRows } from '../../channels/broker-model.js';
import { formatBytes, formatClock, formatCount, formatRate } from '../../format.js';
import { routeHref } from '../../router.js';
import './channel-panels.css';

const EXAMPLE_BLOCK = '"broker": { "kind": "redis", "url": "redis://127.0.0.1:6379" }';

function NotConfigured() {
  return (
    <div className="broker-empty">
      <p>No broker is configured for this fleet, so the console cannot ask it directly.</p>
      <p>
        Add a <code>broker</code> block to the fleet file and reopen the fleet:
      </p>
      <pre className="broker-example">
        <code>{EXAMPLE_BLOCK}</code>
      </pre>
      <p className="empty-state">
        The console then reads Redis’s <code>INFO</code> and <code>PUBSUB NUMSUB</code> for the hottest
        channels and checks them against the agents’ subscriber counts. The reference fleet (
        <code>npm run fleet</code>) writes this block for you.
      </p>
    </div>
  );
}

function InfoFigures({ info }: { readonly info: NonNullable<BrokerView['info']> }) {
  const figures: ReadonlyArray<{ key: string; label: string; value: string }> = [
    { key: 'version', label: 'Version', value: info.version ?? '—' },
    { key: 'connected-clients', label: 'Connected clients', value: formatCount(info.connectedClients) },
    { key: 'ops', label: 'Operations/s', value: formatRate(info.opsPerSec) },
    { key: 'memory', label: 'Memory used', value: formatBytes(info.usedMemoryBytes) },
    { key: 'pubsub-channels', label: 'Pub/sub channels', value: formatCount(info.pubsubChannels) },
    { key: 'pubsub-patterns', label: 'Pub/sub patterns', value: formatCount(info.pubsubPatterns) },
  ];
  return (
    <dl className="broker-figures">
      {figures.map((figure) => (
        <div key={figure.key} className="broker-figure" data-field={figure.key}>
          <dt>{figure.label}</dt>
          <dd>{figure.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function CrossCheck({ view }: { readonly view: BrokerView }) {
  const rows = brokerRows(view);
  if (rows.length === 0) {
    return (
      <p className="empty-state">No hot channel to check yet: the cross-check covers the hottest channels.</p>
    );
  }
  return (
    <table className="channel-table broker-table">
      <caption>
        <code>PUBSUB NUMSUB</code> against the agents, hottest channels, disagreements first
      </caption>
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th
            scope="col"
            className="numeric"
            title="Subscriptions Redis counts: one per subscribed node connection"
          >
            Redis subscribers
          </th>
          <th scope="col" className="numeric" title="Nodes whose agents report local subscribers">
            Nodes subscribed
          </th>
          <th scope="col" className="numeric" title="Clients subscribed, summed over the nodes">
            Client subscribers
          </th>
          <th scope="col">Check</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={row.channel}
            data-broker-channel={row.channel}
            className={row.mismatch === null ? undefined : 'is-mismatch'}
          >
            <th scope="row" title={row.channel}>
              <a href={routeHref({ view: 'channel', name: row.channel })}>{row.channel}</a>
            </th>
            <td className="numeric">{formatCount(row.redis)}</td>
            <td className="numeric">{formatCount(row.nodesSubscribed)}</td>
            <td className="numeric">{formatCount(row.agentSubscribers)}</td>
            <td>
              {row.mismatch === null ? (
                <span className="check-ok">
                  <span aria-hidden="true">✓ </span>agrees
                </span>
              ) : (
                <span className="check-mismatch">
                  <span aria-hidden="true">⚠ </span>
                  {row.mismatch}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The broker seen directly: whether the console reaches it, its INFO figures, and PUBSUB NUMSUB
 * for the hottest channels checked against what the agents report, disagreements first.
 */
export function BrokerPanel({
  view,
  error,
}: {
  readonly view: BrokerView | null;
  readonly error: string | null;
}) {
  if (view === null) {
    return (
      <section className="panel broker-panel" aria-labelledby="broker-heading">
        <h3 id="broker-heading">Broker</h3>
        <p className="empty-state">{error === null ? 'Asking the console about the broker…' : error}</p>
      </section>
    );
  }
  const headline = brokerHeadline(view);
  return (
    <section className="panel broker-panel" aria-labelledby="broker-heading">
      <div className="broker-header">
        <h3 id="broker-heading">Broker</h3>
        {view.configured && (
          <span className="broker-address">
            {view.kind ?? 'unknown kind'} at <code>{view.address ?? 'an unknown address'}</code>
          </span>
        )}
        <span className="broker-state" data-tone={headline.tone}>
          <span className="broker-state-dot" aria-hidden="true" />
          {headline.text}
        </span>
        <span className="broker-time">as of {formatClock(view.time)}</span>
      </div>
      {error !== null && (
        <p className="channels-error" role="status">
          Refresh failed: {error}. These figures may be stale.
        </p>
      )}
      {!view.configured ? (
        <NotConfigured />
      ) : (
        <>
          {view.problem !== null && (
            <p className="broker-problem" role="status">
              {view.problem}
            </p>
          )}
          {view.mapping !== null && <p className="broker-mapping">{view.mapping}</p>}
          {view.kind === 'relay' ? (
            <p className="empty-state">
              The development relay is checked for reachability only; with Redis (<code>npm run fleet</code>{' '}
              starts one when <code>redis-server</code> is installed) the console reads its <code>INFO</code>{' '}
              and <code>PUBSUB NUMSUB</code> too.
            </p>
          ) : (
            <>
              {view.info !== null ? (
                <InfoFigures info={view.info} />
              ) : (
                view.reachable && <p className="empty-state">The broker did not answer INFO.</p>
              )}
              <CrossCheck view={view} />
            </>
          )}
        </>
      )}
    </section>
  );
}
