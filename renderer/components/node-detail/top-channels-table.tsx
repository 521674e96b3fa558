import type { NodeDetail, NodeStatus } from '../../../main/common/models.js';
import { channelRows } from '../../detail/node-detail-model.js';
import { formatBytesPerSecond, formatCount, formatMs, formatRate } from '../../format.js';

const plural = (count: number, noun: string) => `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;

/** The node's busiest channels over its latest sample interval, as per-second rates. */
export function TopChannelsTable({
  detail,
  status,
}: {
  readonly detail: NodeDetail | null;
  /** The live status, fresher than the detail's. */
  readonly status: NodeStatus;
}) {
  const rows = detail === null ? [] : channelRows(detail.topChannels, detail.channelsIntervalMs);
  let empty: string | null = null;
  if (status === 'unreachable') empty = 'No channel figures while the node is unreachable.';
  else if (detail === null) empty = 'Loading channels…';
  else if (detail.channelsIntervalMs === null) empty = 'Waiting for the node’s first sample.';
  else if (rows.length === 0) {
    empty =
      'No channel activity reported: the host calls agent.channels.published/delivered when it publishes and delivers messages.';
  }
  const summary =
    detail?.subscribedChannels != null && detail.subscribers != null
      ? `${plural(detail.subscribedChannels, 'channel')} with local subscribers, ${plural(detail.subscribers, 'subscriber')}`
      : null;
  return (
    <section className="panel top-channels" aria-labelledby="top-channels-heading">
      <h3 id="top-channels-heading">
        Top channels{' '}
        {detail?.channelsIntervalMs != null && (
          <span className="heading-note">
            per second over the latest {formatMs(detail.channelsIntervalMs)}
          </span>
        )}
      </h3>
      {summary !== null && <p className="channels-summary">{summary}</p>}
      {empty !== null ? (
        <p className="empty-state">{empty}</p>
      ) : (
        <table className="detail-table">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col" className="numeric">
                Published/s
              </th>
              <th scope="col" className="numeric">
                Delivered/s
              </th>
              <th scope="col" className="numeric">
                Bytes in/s
              </th>
              <th scope="col" className="numeric">
                Bytes out/s
              </th>
              <th scope="col" className="numeric">
                Subscribers
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.name} data-channel={row.name}>
                <th scope="row" className="channel-name" title={row.name}>
                  {row.name}
                </th>
                <td className="numeric">{formatRate(row.publishedPerSec)}</td>
                <td className="numeric">{formatRate(row.deliveredPerSec)}</td>
                <td className="numeric">{formatBytesPerSecond(row.bytesInPerSec)}</td>
                <td className="numeric">{formatBytesPerSecond(row.bytesOutPerSec)}</td>
                <td className="numeric">{formatCount(row.subscribers)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
