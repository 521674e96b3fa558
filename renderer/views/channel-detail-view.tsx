import { useMemo } from 'react';
import type { ChannelDetail, ChannelRow } from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { channelPoints } from '../channels/channel-detail-model.js';
import { risingDescription, risingLabel } from '../channels/channel-format.js';
import { ChannelCharts } from '../components/channels/channel-charts.js';
import { ChannelNodesTable } from '../components/channels/channel-nodes-table.js';
import { usePoll } from '../components/channels/use-poll.js';
import { formatBytesPerSecond, formatClock, formatCount, formatPercent, formatRate } from '../format.js';
import { routeHref } from '../router.js';
import '../components/channels/channels.css';
import '../components/channels/channel-panels.css';

/** The drill-down is asked for this often, ms. */
const DETAIL_POLL_MS = 1_000;
const DETAIL_RETRY_MS = 2_000;
const BACK = routeHref({ view: 'channels' });

function Figures({ now }: { readonly now: ChannelRow }) {
  const figures: ReadonlyArray<{ key: string; label: string; value: string }> = [
    { key: 'publish', label: 'Publish/s', value: formatRate(now.publishPerSec) },
    { key: 'deliveries', label: 'Deliveries/s', value: formatRate(now.deliveriesPerSec) },
    { key: 'bytes-in', label: 'Bytes in/s', value: formatBytesPerSecond(now.bytesInPerSec) },
    { key: 'bytes-out', label: 'Bytes out/s', value: formatBytesPerSecond(now.bytesOutPerSec) },
    { key: 'share', label: 'Share of outbound', value: formatPercent(now.shareOfBytesOut) },
    { key: 'subscribers', label: 'Subscribers', value: formatCount(now.subscribers) },
    { key: 'fan-out', label: 'Fan-out', value: formatRate(now.fanOut) },
    { key: 'nodes', label: 'Nodes', value: formatCount(now.nodes) },
  ];
  return (
    <dl className="channel-figures">
      {figures.map((figure) => (
        <div key={figure.key} className="channel-figure" data-field={figure.key}>
          <dt>{figure.label}</dt>
          <dd>{figure.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function NotHot({ name }: { readonly name: string }) {
  return (
    <div className="channel-not-hot" role="status">
      <p>
        <strong>“{name}” is not among the hottest channels now.</strong> The console keeps figures and history
        for the hottest channels only (the nodes report their top channels each interval); this one is quiet,
        gone, or its name is not quite right.
      </p>
      <p>
        <a href={BACK}>Search the channels</a> by part of a name or a glob like <code>chat:*</code>.
      </p>
    </div>
  );
}

function Body({ detail }: { readonly detail: ChannelDetail }) {
  const points = useMemo(() => channelPoints(detail.history), [detail.history]);
  return (
    <>
      {detail.now === null ? <NotHot name={detail.name} /> : <Figures now={detail.now} />}
      <ChannelCharts points={points} now={detail.now} />
      <ChannelNodesTable rows={detail.perNode} />
    </>
  );
}

/**
 * One channel: its figures now, its charts over the history the console keeps, and the nodes
 * that publish and deliver it (links to their detail); polled every second while shown.
 */
export function ChannelDetailView({ name, api }: { readonly name: string; readonly api: ViewApi }) {
  const detail = usePoll(`channel\n${name}`, () => api.getChannel(name), DETAIL_POLL_MS, {
    retryMs: DETAIL_RETRY_MS,
  });
  const now = detail.value?.now ?? null;
  const rising = now === null ? null : risingLabel(now);
  return (
    <section className="channel-detail" aria-labelledby="channel-heading">
      <div className="channel-detail-header">
        <a href={BACK} className="back-link">
          ← Channels
        </a>
        <h2 id="channel-heading" title={name}>
          {name}
        </h2>
        {now !== null && rising !== null && now.risingFactor !== null && (
          <span className="rising-marker" title={risingDescription(now.risingFactor, null)}>
            <span aria-hidden="true">▲ </span>
            {rising}
          </span>
        )}
        {detail.value !== null && (
          <span className="channel-detail-time">as of {formatClock(detail.value.time)}</span>
        )}
      </div>
      {detail.error !== null && (
        <p className="channels-error" role="status">
          {detail.value === null
            ? `Cannot load the channel: ${detail.error}`
            : `Refresh failed: ${detail.error}. The figures may be stale.`}
        </p>
      )}
      {detail.value === null ? (
        detail.error === null && <p className="placeholder">Loading the channel…</p>
      ) : (
        <Body detail={detail.value} />
      )}
    </section>
  );
}
