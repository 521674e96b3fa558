/**
 * The Prometheus text exposition (format 0.0.4) of an agent sample.
 *
 * A formatter, not prom-client: the agent runs inside the host's process, so it adds no
 * dependency there and registers nothing in a global registry the host may already use
 * for its own metrics (prom-client stays fully usable by the host, and the `fleetdeck_`
 * prefix keeps our names clear of its `process_` and `nodejs_` defaults). The agent already
 * holds every figure in its sample, so there is nothing to collect, only text to write, and
 * that takes one short file (most of it HELP text).
 *
 * Series carry no node label: Prometheus adds `instance` and `job` itself. Who the node is
 * lives in one `fleetdeck_info` series (the info-metric pattern), joined in queries with
 * `* on(instance) group_left(name, version) fleetdeck_info`, so identity labels are not
 * repeated on every series and a new version does not create a new copy of each one.
 */
import { NODE_STATES, type NodeIdentity, type SampleFrame, TRANSPORTS, type Transport } from '../protocol.js';

/** Content-Type of the exposition. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Options for {@link formatPrometheus}. */
export interface PrometheusFormatOptions {
  /** Prepended to every metric name: letters, digits and `_`, not starting with a digit. Default: `'fleetdeck_'`. */
  readonly prefix?: string;
  /** How many of the sample's top channels get series of their own, an integer ≥ 0. Default: 20. */
  readonly channelSeries?: number;
}

type Labels = Readonly<Record<string, string>>;
type Series = readonly [labels: Labels, value: number];

// Colons are left out on purpose: Prometheus reserves them for recording rules.
const PREFIX_PATTERN = /^(?:[a-zA-Z_][a-zA-Z0-9_]*)?$/;
const NO_LABELS: Labels = {};

function fail(option: string, requirement: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new TypeError(`fleetdeck prometheus: option "${option}" ${requirement} (got ${shown})`);
}

/** The format allows any UTF-8 in a label value but needs `\`, `"` and line feeds escaped. */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (character) => (character === '\n' ? '\\n' : `\\${character}`));
}

/** HELP text escapes only `\` and line feeds. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (character) => (character === '\n' ? '\\n' : '\\\\'));
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  // Integers print as integers and floats in their shortest round-trip form; Go's ParseFloat reads both.
  return String(value);
}

/**
 * Shifts the decimal point instead of dividing, so 4.2 ms reads 0.0042 s rather than
 * 0.004200000000000001: the figure in the exposition is the one the agent measured.
 */
function millisecondsToSeconds(milliseconds: number): number {
  if (!Number.isFinite(milliseconds)) return milliseconds;
  const [mantissa, exponent = '0'] = String(milliseconds).split('e');
  return Number(`${mantissa}e${Number(exponent) - 3}`);
}

/**
 * Renders a sample as Prometheus text. Only the top channels get per-channel series, so label
 * cardinality stays bounded by K. They are the busiest of the last interval, so the set can
 * change between scrapes; a channel that drops out simply goes stale.
 * Throws a TypeError for invalid options.
 */
export function formatPrometheus(
  sample: SampleFrame,
  identity: NodeIdentity,
  options: PrometheusFormatOptions = {},
): string {
  const { prefix = 'fleetdeck_', channelSeries = 20 } = options;
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    fail('prefix', 'must be letters, digits and "_", not starting with a digit', prefix);
  }
  if (!Number.isInteger(channelSeries) || channelSeries < 0) {
    fail('channelSeries', 'must be an integer ≥ 0', channelSeries);
  }

  const lines: string[] = [];
  // All lines of a metric must form one group, so each family is written whole, HELP and TYPE first.
  function family(name: string, type: 'counter' | 'gauge', help: string, series: readonly Series[]): void {
    const fullName = prefix + name;
    lines.push(`# HELP ${fullName} ${escapeHelp(help)}`, `# TYPE ${fullName} ${type}`);
    for (const [labels, value] of series) {
      const pairs = Object.entries(labels).map(([label, text]) => `${label}="${escapeLabelValue(text)}"`);
      lines.push(`${fullName}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`);
    }
  }
  // The type system keeps the counter naming convention: a counter's name must end in `_total`.
  const counter = (name: `${string}_total`, help: string, series: readonly Series[]) =>
    family(name, 'counter', help, series);
  const gauge = (name: string, help: string, series: readonly Series[]) =>
    family(name, 'gauge', help, series);
  const single = (value: number): Series[] => [[NO_LABELS, value]];

  const { connections, traffic, health, channels, drain } = sample;
  const byTransport = (pick: (transport: Transport) => number): Series[] =>
    TRANSPORTS.map((transport) => [{ transport }, pick(transport)]);
  gauge(
    'connections',
    'Open client connections.',
    byTransport((t) => connections.byTransport[t].open),
  );
  counter(
    'connections_opened_total',
    'Client connections opened.',
    byTransport((t) => connections.byTransport[t].opened),
  );
  counter(
    'connections_closed_total',
    'Client connections closed.',
    byTransport((t) => connections.byTransport[t].closed),
  );
  counter(
    'close_codes_total',
    'Connection closes by close code; a close without a code (SSE, polling) counts as 1006.',
    Object.entries(connections.closeCodes).map(([code, count]) => [{ code }, count]),
  );

  counter(
    'bytes_received_total',
    'Bytes received in the message path (WebSocket frame header + uncompressed payload).',
    single(traffic.bytesIn),
  );
  counter(
    'bytes_sent_total',
    'Bytes sent in the message path (WebSocket frame header + uncompressed payload).',
    single(traffic.bytesOut),
  );
  counter('messages_received_total', 'Messages received from clients.', single(traffic.messagesIn));
  counter('messages_sent_total', 'Messages sent to clients.', single(traffic.messagesOut));
  counter(
    'socket_bytes_read_total',
    'TCP bytes read by WebSockets (TLS and compression included), added when each socket closes.',
    single(traffic.socketBytesRead),
  );
  counter(
    'socket_bytes_written_total',
    'TCP bytes written by WebSockets (TLS and compression included), added when each socket closes.',
    single(traffic.socketBytesWritten),
  );

  // A gauge, not a summary: the quantiles cover the last sample interval only and have no _sum or _count.
  gauge('event_loop_delay_seconds', 'Event-loop delay quantiles over the last sample interval.', [
    [{ quantile: '0.5' }, millisecondsToSeconds(health.loopDelayP50Ms)],
    [{ quantile: '0.99' }, millisecondsToSeconds(health.loopDelayP99Ms)],
  ]);
  gauge(
    'event_loop_delay_max_seconds',
    'Largest event-loop delay over the last sample interval.',
    single(millisecondsToSeconds(health.loopDelayMaxMs)),
  );
  gauge('cpu_ratio', 'Share of one CPU core used over the last sample interval.', single(health.cpu));
  gauge('resident_memory_bytes', 'Resident set size.', single(health.rssBytes));
  gauge('heap_used_bytes', 'V8 heap in use.', single(health.heapUsedBytes));
  gauge('heap_total_bytes', 'V8 heap allocated.', single(health.heapTotalBytes));
  counter(
    'errors_total',
    'Errors caught inside the agent (hooks, collectors, sockets).',
    single(health.errors),
  );

  gauge(
    'dependency_up',
    'Reachability of a service the host depends on (broker, database), as the host reports it: 1 up, 0 down.',
    Object.entries(sample.dependencies).map(([dependency, status]) => [{ dependency }, status.up ? 1 : 0]),
  );

  gauge(
    'state',
    'The node state: 1 for the current one, 0 for the others.',
    NODE_STATES.map((state) => [{ state }, state === sample.state ? 1 : 0]),
  );
  gauge(
    'drain_remaining_connections',
    'Connections the running drain or shed has yet to close; 0 when none runs.',
    single(drain === null ? 0 : Math.max(0, drain.total - drain.closed)),
  );

  counter(
    'channel_messages_published_total',
    'Messages published, all channels.',
    single(channels.totals.published),
  );
  counter(
    'channel_messages_delivered_total',
    'Messages delivered to local subscribers (one per recipient), all channels.',
    single(channels.totals.delivered),
  );
  counter(
    'channel_bytes_in_total',
    'Payload bytes published, all channels.',
    single(channels.totals.bytesIn),
  );
  counter(
    'channel_bytes_out_total',
    'Payload bytes delivered (summed over recipients), all channels.',
    single(channels.totals.bytesOut),
  );
  gauge(
    'subscribed_channels',
    'Channels with at least one local subscriber.',
    single(channels.subscribedChannels),
  );
  gauge('subscribers', 'Local subscribers summed over channels.', single(channels.subscribers));
  counter(
    'channel_calls_rejected_total',
    'Calls to the channel API with bad input, ignored rather than thrown.',
    single(channels.rejected),
  );

  const top = channels.top.slice(0, channelSeries);
  gauge(
    'channel_interval_seconds',
    'Length of the sample interval the per-channel interval counts cover.',
    single(millisecondsToSeconds(channels.intervalMs)),
  );
  gauge(
    'channel_interval_messages',
    'Messages on a channel during the last sample interval (a count per interval, not a counter: ' +
      'do not rate() it), for the busiest channels only.',
    top.flatMap(({ name, published, delivered }): Series[] => [
      [{ channel: name, kind: 'published' }, published],
      [{ channel: name, kind: 'delivered' }, delivered],
    ]),
  );
  gauge(
    'channel_subscribers',
    'Local subscribers of a channel, for the busiest channels only.',
    top.map(({ name, subscribers }) => [{ channel: name }, subscribers]),
  );

  gauge('info', 'The node identity; always 1.', [
    [{ node: identity.nodeId, name: identity.name, version: identity.version, host: identity.host }, 1],
  ]);
  gauge(
    'start_time_seconds',
    'When the agent started, in seconds since the Unix epoch.',
    single(millisecondsToSeconds(identity.startedAt)),
  );

  return `${lines.join('\n')}\n`;
}
