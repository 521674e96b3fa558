import { beforeAll, describe, expect, it } from 'vitest';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from '../../agent/integrations/prometheus.js';
import type { ChannelFigures, NodeIdentity, SampleFrame } from '../../agent/protocol.js';

// A channel name with every character the exposition format needs escaped.
const awkwardChannel = 'room "lobby" \\ east\nwing';

const identity: NodeIdentity = {
  nodeId: 'node-3',
  name: 'Frankfurt "3"',
  version: '2.14.1',
  host: 'ws-fra-3.internal',
  pid: 48121,
  startedAt: 1_767_225_600_123,
  labels: { region: 'eu-central', zone: 'b' },
};

// Thirty channels, busiest first, as the agent reports them; the awkward one is third.
const top: ChannelFigures[] = Array.from({ length: 30 }, (_, index) => ({
  name: index === 2 ? awkwardChannel : `chat.room-${index}`,
  published: 3000 - index * 100,
  delivered: 9000 - index * 300,
  bytesIn: (3000 - index * 100) * 180,
  bytesOut: (9000 - index * 300) * 180,
  subscribers: 40 - index,
  error: index < 10 ? 0 : 12,
}));

const sample: SampleFrame = {
  type: 'sample',
  seq: 8_412,
  time: 1_767_234_012_000,
  state: 'draining',
  connections: {
    open: 1_245,
    opened: 98_310,
    closed: 97_065,
    byTransport: {
      websocket: { open: 1_230, opened: 97_000, closed: 95_770 },
      sse: { open: 3, opened: 1_100, closed: 1_097 },
      'long-polling': { open: 12, opened: 210, closed: 198 },
    },
    closeCodes: { '1000': 80_112, '1001': 9_400, '1006': 7_341, '1012': 212 },
  },
  traffic: {
    bytesIn: 1_923_847_112,
    bytesOut: 18_274_110_938,
    messagesIn: 11_203_447,
    messagesOut: 104_377_210,
    socketBytesRead: 2_480_113_001,
    socketBytesWritten: 12_012_554_870,
  },
  health: {
    rssBytes: 412_000_256,
    heapUsedBytes: 201_326_592,
    heapTotalBytes: 268_435_456,
    cpu: 0.437,
    loopDelayP50Ms: 4.2,
    loopDelayP99Ms: 12.3,
    loopDelayMaxMs: 48.75,
    errors: 17,
  },
  channels: {
    intervalMs: 1000,
    top,
    totals: { published: 2_345_678, delivered: 21_098_765, bytesIn: 412_345_678, bytesOut: 3_712_345_678 },
    subscribedChannels: 842,
    subscribers: 5_103,
    rejected: 0,
  },
  drain: {
    kind: 'drain',
    startedAt: 1_767_233_990_000,
    deadlineAt: 1_767_234_020_000,
    total: 1_245,
    closed: 402,
    closeCode: 1012,
  },
  dependencies: { broker: { up: false, since: 1_767_234_000_000, detail: 'connection refused' } },
};

type Line =
  | { readonly kind: 'help'; readonly name: string; readonly text: string }
  | { readonly kind: 'type'; readonly name: string; readonly type: 'counter' | 'gauge' }
  | {
      readonly kind: 'sample';
      readonly name: string;
      readonly labels: ReadonlyMap<string, string>;
      readonly value: number;
      readonly timestamp: string | undefined;
    };

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/y;
// Go's ParseFloat syntax as Prometheus writes it, plus the special values.
const VALUE = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN';
const HELP_LINE = new RegExp(`^# HELP (${METRIC_NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${METRIC_NAME}) (counter|gauge)$`);
const SAMPLE_HEAD = new RegExp(`^${METRIC_NAME}`, 'y');
const SAMPLE_TAIL = new RegExp(`^ (${VALUE})(?: (-?\\d+))?$`);

function unescapeText(text: string): string {
  return text.replace(/\\([\\"n])/g, (_, character: string) => (character === 'n' ? '\n' : character));
}

/**
 * A strict parser for the lines this formatter may write: HELP, TYPE (counter or gauge) and
 * samples. Anything else, including blank lines, other comments, trailing commas in a label
 * set, repeated label names or unknown escapes, is an error.
 */
function parseLine(line: string): Line {
  const help = HELP_LINE.exec(line);
  if (help) return { kind: 'help', name: help[1] ?? '', text: unescapeText(help[2] ?? '') };
  const type = TYPE_LINE.exec(line);
  if (type) return { kind: 'type', name: type[1] ?? '', type: type[2] === 'counter' ? 'counter' : 'gauge' };
  if (line.startsWith('#')) throw new Error(`unexpected comment: ${JSON.stringify(line)}`);

  SAMPLE_HEAD.lastIndex = 0;
  const name = SAMPLE_HEAD.exec(line)?.[0];
  if (name === undefined) throw new Error(`no metric name: ${JSON.stringify(line)}`);
  let position = name.length;
  const labels = new Map<string, string>();
  if (line[position] === '{') {
    position++;
    while (line[position] !== '}') {
      if (labels.size > 0) {
        if (line[position] !== ',') throw new Error(`expected "," at ${position}: ${JSON.stringify(line)}`);
        position++;
      }
      LABEL.lastIndex = position;
      const label = LABEL.exec(line);
      if (!label) throw new Error(`bad label at ${position}: ${JSON.stringify(line)}`);
      const [whole, labelName = '', value = ''] = label;
      if (labels.has(labelName)) throw new Error(`repeated label ${labelName}: ${JSON.stringify(line)}`);
      labels.set(labelName, unescapeText(value));
      position += whole.length;
    }
    if (labels.size === 0) throw new Error(`empty label set: ${JSON.stringify(line)}`);
    position++;
  }
  const tail = SAMPLE_TAIL.exec(line.slice(position));
  if (!tail) throw new Error(`bad value: ${JSON.stringify(line)}`);
  const raw = tail[1] ?? '';
  const value = raw.endsWith('Inf') ? (raw.startsWith('-') ? -1 : 1) * Number.POSITIVE_INFINITY : Number(raw);
  return { kind: 'sample', name, labels, value, timestamp: tail[2] };
}

/** The output split into lines, without the final newline (which is checked separately). */
function parse(text: string): Line[] {
  return text.slice(0, -1).split('\n').map(parseLine);
}

function samples(lines: readonly Line[]) {
  return lines.filter((line) => line.kind === 'sample');
}

/** The value of the one series with exactly these labels; fails if there is not exactly one. */
function seriesValue(lines: readonly Line[], name: string, labels: Record<string, string> = {}): number {
  const matches = samples(lines).filter(
    (line) =>
      line.name === name &&
      line.labels.size === Object.keys(labels).length &&
      Object.entries(labels).every(([label, value]) => line.labels.get(label) === value),
  );
  expect(matches, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return matches[0]?.value ?? Number.NaN;
}

function channelsIn(lines: readonly Line[]): Set<string> {
  const names = samples(lines).map((line) => line.labels.get('channel'));
  return new Set(names.filter((name) => name !== undefined));
}

describe('the test line parser', () => {
  it.each([
    ['metric{a="x"} 1', true],
    ['metric{a="say \\"hi\\" \\\\ \\n"} -1.5e-3', true],
    ['metric +Inf', true],
    ['# HELP metric text with \\\\ and \\n', true],
    // Forbidden by the format.
    ['metric{a="unescaped " quote"} 1', false],
    ['metric{a="bad \\t escape"} 1', false],
    ['metric{a="x"}1', false],
    ['metric 1.0.0', false],
    ['0metric 1', false],
    ['# TYPE metric gauge extra', false],
    // Allowed by the format but never written by the formatter, so refused to keep it tidy.
    ['metric{a="x",} 1', false],
    ['metric{a="x",a="y"} 1', false],
    ['metric{} 1', false],
    ['metric Infinity', false],
    ['# TYPE metric summary', false],
    ['# a free comment', false],
    ['', false],
  ])('accepts %j: %s', (line, valid) => {
    if (valid) expect(() => parseLine(line)).not.toThrow();
    else expect(() => parseLine(line)).toThrow();
  });
});

describe('formatPrometheus', () => {
  const text = formatPrometheus(sample, identity);
  let lines: Line[] = [];
  // Parsed here rather than at collection, so a malformed line fails the tests with its reason.
  beforeAll(() => {
    lines = parse(text);
  });

  it('writes only HELP, TYPE and sample lines of the 0.0.4 grammar, ending in a newline', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
    // parse() has already thrown on any other line; timestamps are left to the scraper.
    expect(lines.length).toBeGreaterThan(60);
    expect(samples(lines).every((line) => line.timestamp === undefined)).toBe(true);
  });

  it('gives every metric one HELP and one TYPE, before its samples, which form one group', () => {
    const types = new Map<string, 'counter' | 'gauge'>();
    const helps = new Set<string>();
    const finished = new Set<string>();
    let current: string | null = null;
    for (const line of lines) {
      if (line.name !== current) {
        if (current !== null) finished.add(current);
        current = line.name;
        expect(finished.has(line.name), `${line.name} appears in two groups`).toBe(false);
      }
      if (line.kind === 'help') {
        expect(helps.has(line.name), `second HELP for ${line.name}`).toBe(false);
        expect(types.has(line.name), `HELP after TYPE for ${line.name}`).toBe(false);
        helps.add(line.name);
      } else if (line.kind === 'type') {
        expect(types.has(line.name), `second TYPE for ${line.name}`).toBe(false);
        types.set(line.name, line.type);
      } else {
        expect(types.has(line.name), `sample before TYPE for ${line.name}`).toBe(true);
      }
    }
    expect([...helps].sort()).toEqual([...types.keys()].sort());
    for (const [name, type] of types) {
      expect(name.startsWith('fleetdeck_'), name).toBe(true);
      expect(name.endsWith('_total'), `${name} is a ${type}`).toBe(type === 'counter');
    }
  });

  it('writes each series once', () => {
    const keys = samples(lines).map((line) => `${line.name}${JSON.stringify([...line.labels].sort())}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('writes the sample figures exactly, in base units', () => {
    expect(seriesValue(lines, 'fleetdeck_connections', { transport: 'sse' })).toBe(3);
    expect(seriesValue(lines, 'fleetdeck_connections', { transport: 'long-polling' })).toBe(12);
    expect(seriesValue(lines, 'fleetdeck_connections_opened_total', { transport: 'websocket' })).toBe(97_000);
    expect(seriesValue(lines, 'fleetdeck_connections_closed_total', { transport: 'sse' })).toBe(1_097);
    expect(seriesValue(lines, 'fleetdeck_close_codes_total', { code: '1006' })).toBe(7_341);
    expect(seriesValue(lines, 'fleetdeck_dependency_up', { dependency: 'broker' })).toBe(0);
    expect(seriesValue(lines, 'fleetdeck_bytes_sent_total')).toBe(18_274_110_938);
    expect(seriesValue(lines, 'fleetdeck_socket_bytes_written_total')).toBe(12_012_554_870);
    expect(seriesValue(lines, 'fleetdeck_messages_received_total')).toBe(11_203_447);
    expect(seriesValue(lines, 'fleetdeck_cpu_ratio')).toBe(0.437);
    expect(seriesValue(lines, 'fleetdeck_resident_memory_bytes')).toBe(412_000_256);
    expect(seriesValue(lines, 'fleetdeck_errors_total')).toBe(17);
    expect(seriesValue(lines, 'fleetdeck_channel_bytes_out_total')).toBe(3_712_345_678);
    expect(seriesValue(lines, 'fleetdeck_subscribers')).toBe(5_103);
    // Integers print as integers: no "3.0", no exponent.
    expect(text).toContain('\nfleetdeck_connections{transport="sse"} 3\n');
    expect(text).toContain('\nfleetdeck_bytes_received_total 1923847112\n');
  });

  it('converts the event-loop delay from milliseconds to seconds without float noise', () => {
    expect(text).toContain('\nfleetdeck_event_loop_delay_seconds{quantile="0.99"} 0.0123\n');
    // 4.2 / 1000 would print 0.004200000000000001.
    expect(text).toContain('\nfleetdeck_event_loop_delay_seconds{quantile="0.5"} 0.0042\n');
    expect(seriesValue(lines, 'fleetdeck_event_loop_delay_max_seconds')).toBe(0.04875);
    expect(text).toContain('\nfleetdeck_start_time_seconds 1767225600.123\n');
  });

  it('reports the state as one series per state and what the drain has left to close', () => {
    expect(seriesValue(lines, 'fleetdeck_state', { state: 'active' })).toBe(0);
    expect(seriesValue(lines, 'fleetdeck_state', { state: 'draining' })).toBe(1);
    expect(seriesValue(lines, 'fleetdeck_state', { state: 'drained' })).toBe(0);
    expect(seriesValue(lines, 'fleetdeck_drain_remaining_connections')).toBe(1_245 - 402);

    const idle = parse(formatPrometheus({ ...sample, state: 'active', drain: null }, identity));
    expect(seriesValue(idle, 'fleetdeck_state', { state: 'active' })).toBe(1);
    expect(seriesValue(idle, 'fleetdeck_drain_remaining_connections')).toBe(0);
  });

  it('keeps identity in fleetdeck_info alone (Prometheus adds instance and job)', () => {
    expect(
      seriesValue(lines, 'fleetdeck_info', {
        node: 'node-3',
        name: 'Frankfurt "3"',
        version: '2.14.1',
        host: 'ws-fra-3.internal',
      }),
    ).toBe(1);
    const withNode = samples(lines).filter((line) => line.labels.has('node'));
    expect(withNode.map((line) => line.name)).toEqual(['fleetdeck_info']);
  });

  it('gives per-channel series to the first 20 top channels by default', () => {
    const expected = top.slice(0, 20).map((channel) => channel.name);
    expect(channelsIn(lines)).toEqual(new Set(expected));
    expect(
      seriesValue(lines, 'fleetdeck_channel_interval_messages', {
        channel: 'chat.room-0',
        kind: 'published',
      }),
    ).toBe(3000);
    expect(
      seriesValue(lines, 'fleetdeck_channel_interval_messages', {
        channel: 'chat.room-19',
        kind: 'delivered',
      }),
    ).toBe(9000 - 19 * 300);
    expect(seriesValue(lines, 'fleetdeck_channel_subscribers', { channel: 'chat.room-1' })).toBe(39);
    expect(seriesValue(lines, 'fleetdeck_channel_interval_seconds')).toBe(1);
    const help = lines.find(
      (line) => line.kind === 'help' && line.name === 'fleetdeck_channel_interval_messages',
    );
    expect(help?.kind === 'help' && help.text).toMatch(/last sample interval/);
  });

  it('bounds the channels with series by channelSeries', () => {
    const five = parse(formatPrometheus(sample, identity, { channelSeries: 5 }));
    expect(channelsIn(five)).toEqual(new Set(top.slice(0, 5).map((channel) => channel.name)));
    const all = parse(formatPrometheus(sample, identity, { channelSeries: 1000 }));
    expect(channelsIn(all).size).toBe(30);
    const none = parse(formatPrometheus(sample, identity, { channelSeries: 0 }));
    expect(channelsIn(none).size).toBe(0);
    // The families stay declared, so dashboards see an empty metric, not a missing one.
    expect(none).toContainEqual({ kind: 'type', name: 'fleetdeck_channel_subscribers', type: 'gauge' });
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    expect(text).toContain(
      '\nfleetdeck_channel_subscribers{channel="room \\"lobby\\" \\\\ east\\nwing"} 38\n',
    );
    expect(seriesValue(lines, 'fleetdeck_channel_subscribers', { channel: awkwardChannel })).toBe(38);
    expect(text).toContain('name="Frankfurt \\"3\\""');
  });

  it('applies the prefix to every metric', () => {
    const prefixed = parse(formatPrometheus(sample, identity, { prefix: 'ws_' }));
    expect(prefixed.every((line) => line.name.startsWith('ws_'))).toBe(true);
    expect(seriesValue(prefixed, 'ws_connections', { transport: 'sse' })).toBe(3);
  });

  it.each([
    [{ prefix: '1abc_' }, /option "prefix"/],
    [{ prefix: 'job:fleetdeck_' }, /option "prefix"/],
    [{ channelSeries: -1 }, /option "channelSeries" must be an integer ≥ 0 \(got -1\)/],
    [{ channelSeries: 2.5 }, /option "channelSeries"/],
  ])('rejects %j with a TypeError that names the option', (options, message) => {
    expect(() => formatPrometheus(sample, identity, options)).toThrow(TypeError);
    expect(() => formatPrometheus(sample, identity, options)).toThrow(message);
  });
});
