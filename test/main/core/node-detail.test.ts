/** What the node detail view and the sparklines read from the core, and how their untrusted arguments are checked. */
import { describe, expect, it } from 'vitest';
import type { ChannelFigures, SampleFrame } from '../../../agent/protocol.js';
import {
  MAX_SPARKLINE_NODES,
  MAX_SPARKLINE_POINTS,
  NODE_DETAIL_TOP_CHANNELS,
  type NodeView,
} from '../../../main/common/models.js';
import { FleetStore } from '../../../main/core/fleet-store.js';
import { computeTotals } from '../../../main/core/fleet-totals.js';
import { FleetHistory, parseNodeDetailArgs, parseSparklinesArgs } from '../../../main/core/history.js';
import { helloFrame, sampleFrame } from '../../helpers/frames.js';
import { nodeView } from './node-views.js';

const config = (id: string) => ({ id, adminUrl: `ws://127.0.0.1:1/${id}`, publicUrl: null, token: 't' });

function channel(name: string, published: number): ChannelFigures {
  return {
    name,
    published,
    delivered: published * 3,
    bytesIn: published * 10,
    bytesOut: published * 30,
    subscribers: 3,
    error: 0,
  };
}

/** A sample with `open` connections, the given cumulative close codes and top channels. */
function sample(
  seq: number,
  time: number,
  closeCodes: Record<string, number>,
  top: readonly ChannelFigures[] = [],
): SampleFrame {
  const base = sampleFrame(seq, time);
  const closed = Object.values(closeCodes).reduce((total, count) => total + count, 0);
  return sampleFrame(seq, time, {
    connections: { ...base.connections, open: 2, opened: 2 + closed, closed, closeCodes },
    channels: {
      ...base.channels,
      intervalMs: 500,
      top,
      subscribedChannels: top.length,
      subscribers: 3 * top.length,
    },
  });
}

describe('FleetStore.nodeDetail', () => {
  it('rejects a node that is not in the fleet, by name', () => {
    const store = new FleetStore('f', [config('a')]);
    expect(() => store.nodeDetail('ghost')).toThrow('no node "ghost" in this fleet');
    store.remove('a');
    expect(() => store.nodeDetail('a')).toThrow(/no node "a"/);
  });

  it('says "unknown" with empty figures before the first sample', () => {
    const store = new FleetStore('f', [config('a')], () => 42);
    expect(store.nodeDetail('a')).toEqual({
      time: 42,
      view: store.snapshot().nodes[0],
      closeCodes: {},
      topChannels: [],
      channelsIntervalMs: null,
      subscribedChannels: null,
      subscribers: null,
    });
  });

  it('carries the latest sample’s cumulative close codes and at most ten of its busiest channels, busiest first', () => {
    let now = 0;
    const store = new FleetStore('f', [config('a')], () => now);
    store.hello('a', helloFrame('a', 100));
    store.sample('a', sample(1, 1_000, { '1000': 1 }, [channel('old', 1)]));
    const top = Array.from({ length: 12 }, (_, index) => channel(`room-${index}`, 100 - index));
    store.sample('a', sample(2, 2_000, { '1000': 4, '4000': 2, '1006': 1 }, top));
    now = 2_500;
    const detail = store.nodeDetail('a');
    expect(detail.time).toBe(2_500);
    expect(detail.view.status).toBe('active');
    expect(detail.view.connections?.open).toBe(2);
    expect(detail.closeCodes).toEqual({ '1000': 4, '4000': 2, '1006': 1 });
    expect(detail.topChannels).toHaveLength(NODE_DETAIL_TOP_CHANNELS);
    expect(detail.topChannels.map((figures) => figures.name)).toEqual(
      top.slice(0, NODE_DETAIL_TOP_CHANNELS).map((figures) => figures.name),
    );
    expect(detail).toMatchObject({ channelsIntervalMs: 500, subscribedChannels: 12, subscribers: 36 });
  });

  it('clears close codes and channels while the node is unreachable, keeping who it was', () => {
    const store = new FleetStore('f', [config('a')]);
    store.hello('a', helloFrame('a', 100));
    store.sample('a', sample(1, 1_000, { '1006': 3 }, [channel('room', 5)]));
    store.down('a', 'connection refused');
    const detail = store.nodeDetail('a');
    expect(detail.view).toMatchObject({ status: 'unreachable', problem: 'connection refused' });
    expect(detail.view.identity?.startedAt).toBe(100);
    expect(detail).toMatchObject({
      closeCodes: {},
      topChannels: [],
      channelsIntervalMs: null,
      subscribedChannels: null,
      subscribers: null,
    });
  });

  it('starts over when the agent restarts: a new startedAt drops the previous run’s codes and channels', () => {
    const store = new FleetStore('f', [config('a')]);
    store.hello('a', helloFrame('a', 100));
    store.sample('a', sample(7, 7_000, { '1000': 50 }, [channel('before-restart', 9)]));
    // A restart the link did not see go down (it reconnected before noticing): the hello alone tells.
    store.hello('a', helloFrame('a', 9_000));
    const restarted = store.nodeDetail('a');
    expect(restarted.view.identity?.startedAt).toBe(9_000);
    expect(restarted.closeCodes).toEqual({});
    expect(restarted.topChannels).toEqual([]);
    store.sample('a', sample(1, 10_000, { '1001': 1 }));
    expect(store.nodeDetail('a').closeCodes).toEqual({ '1001': 1 });
  });

  it('keeps the run’s figures when the same agent says hello again (a reconnect, not a restart)', () => {
    const store = new FleetStore('f', [config('a')]);
    store.hello('a', helloFrame('a', 100));
    store.sample('a', sample(1, 1_000, { '1000': 2 }, [channel('room', 1)]));
    store.hello('a', helloFrame('a', 100));
    expect(store.nodeDetail('a').closeCodes).toEqual({ '1000': 2 });
    expect(store.nodeDetail('a').topChannels.map((figures) => figures.name)).toEqual(['room']);
  });
});

function record(history: FleetHistory, time: number, views: readonly NodeView[]): void {
  history.record(computeTotals(time, views, { skewCv: 0.35, skewMinMeanConnections: 20 }), views);
}

describe('FleetHistory.sparklines', () => {
  it('is empty before the first tick', () => {
    expect(new FleetHistory().sparklines(['a'], 'connectionsOpen', 10)).toEqual({
      series: 'connectionsOpen',
      times: [],
      byNode: {},
    });
  });

  it('returns the newest points of one series per node on the shared tick axis', () => {
    const history = new FleetHistory({ capacity: 10 });
    for (let tick = 1; tick <= 5; tick++) {
      record(history, tick * 1000, [
        nodeView('a', tick),
        nodeView('b', 10 * tick, {
          rates: { ...(nodeView('b').rates as NonNullable<NodeView['rates']>), bytesInPerSec: tick * 0.1 },
        }),
      ]);
    }
    expect(history.sparklines(['a', 'b'], 'connectionsOpen', 3)).toEqual({
      series: 'connectionsOpen',
      times: [3000, 4000, 5000],
      byNode: { a: [3, 4, 5], b: [30, 40, 50] },
    });
    // Float32 storage comes back as short decimals, not 0.30000001192092896.
    expect(history.sparklines(['b'], 'bytesInPerSec', 2).byNode).toEqual({ b: [0.4, 0.5] });
    // Asking for more points than held returns what is held.
    expect(history.sparklines(['a'], 'connectionsOpen', 300).times).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  it('pads a node recorded for fewer ticks with nulls at the start, and shows gaps as null', () => {
    const history = new FleetHistory({ capacity: 10 });
    record(history, 1000, [nodeView('a', 1)]);
    record(history, 2000, [nodeView('a', 2), nodeView('late', 7)]);
    const down = { status: 'unreachable', connections: null, rates: null, openByTransport: null } as const;
    record(history, 3000, [nodeView('a', 0, down), nodeView('late', 8)]);
    expect(history.sparklines(['a', 'late'], 'connectionsOpen', 3).byNode).toEqual({
      a: [1, 2, null],
      late: [null, 7, 8],
    });
    // Health of an unreachable node is stale, not current: a gap too.
    expect(history.sparklines(['a'], 'cpu', 3).byNode.a).toEqual([0.1, 0.1, null]);
  });

  it('leaves out nodes it keeps no history of, and nodes that left the fleet', () => {
    const history = new FleetHistory({ capacity: 10 });
    record(history, 1000, [nodeView('a', 1), nodeView('b', 2)]);
    record(history, 2000, [nodeView('a', 1)]);
    const lines = history.sparklines(['a', 'b', 'ghost'], 'connectionsOpen', 5);
    expect(Object.keys(lines.byNode)).toEqual(['a']);
  });

  it('stays within the capacity once the ring wraps, oldest first', () => {
    const history = new FleetHistory({ capacity: 4 });
    for (let tick = 1; tick <= 7; tick++) record(history, tick * 1000, [nodeView('a', tick)]);
    expect(history.sparklines(['a'], 'connectionsOpen', 100)).toEqual({
      series: 'connectionsOpen',
      times: [4000, 5000, 6000, 7000],
      byNode: { a: [4, 5, 6, 7] },
    });
  });

  it('keys every node as its own entry, whatever its id (even "__proto__")', () => {
    const history = new FleetHistory({ capacity: 4 });
    record(history, 1000, [nodeView('__proto__', 3), nodeView('constructor', 4)]);
    const lines = history.sparklines(['__proto__', 'constructor'], 'connectionsOpen', 1);
    expect(Object.keys(lines.byNode)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(lines)).byNode).toEqual(
      JSON.parse('{"__proto__":[3],"constructor":[4]}'),
    );
  });
});

describe('FleetStore.sparklines', () => {
  it('reads the same history as getHistory, one series for the rows asked for', () => {
    const store = new FleetStore('f', [config('a'), config('b')]);
    for (const id of ['a', 'b']) store.hello(id, helloFrame(id, 1));
    store.sample('a', sample(1, 1_000, {}));
    store.tick(1_000);
    store.sample('a', sample(2, 2_000, {}));
    store.tick(2_000);
    const lines = store.sparklines(['a', 'b', 'ghost'], 'connectionsOpen', 2);
    expect(lines.times).toEqual([1_000, 2_000]);
    // b has said hello but sent no sample: it has history, with no figures yet.
    expect(lines.byNode).toEqual({ a: [2, 2], b: [null, null] });
    const history = store.history({ kind: 'node', nodeId: 'a' });
    expect(history.times).toEqual(lines.times);
    expect(history.kind === 'node' && history.series.connectionsOpen).toEqual(lines.byNode.a);
  });
});

describe('parseNodeDetailArgs', () => {
  it('accepts one node id', () => {
    expect(parseNodeDetailArgs(['node-1'])).toEqual(['node-1']);
    expect(parseNodeDetailArgs(['x'.repeat(256)])).toEqual(['x'.repeat(256)]);
  });

  it.each([
    ['no argument', []],
    ['two ids', ['a', 'b']],
    ['an empty id', ['']],
    ['a number', [1]],
    ['null', [null]],
    ['an array', [['a']]],
    ['an id too long', ['x'.repeat(257)]],
  ])('refuses %s with a TypeError', (_name, args) => {
    expect(() => parseNodeDetailArgs(args)).toThrow(TypeError);
    expect(() => parseNodeDetailArgs(args)).toThrow('getNodeDetail takes one node id');
  });
});

describe('parseSparklinesArgs', () => {
  it('accepts node ids, a node series and a point count', () => {
    expect(parseSparklinesArgs([['a', 'b'], 'cpu', 30])).toEqual([['a', 'b'], 'cpu', 30]);
    expect(parseSparklinesArgs([[], 'connectionsOpen', 1])).toEqual([[], 'connectionsOpen', 1]);
    const many = Array.from({ length: MAX_SPARKLINE_NODES }, (_, index) => `n${index}`);
    expect(parseSparklinesArgs([many, 'rssBytes', MAX_SPARKLINE_POINTS])[0]).toHaveLength(
      MAX_SPARKLINE_NODES,
    );
  });

  it.each([
    ['too few arguments', [['a'], 'cpu']],
    ['too many arguments', [['a'], 'cpu', 5, 5]],
    ['ids that are not an array', ['a', 'cpu', 5]],
    ['too many ids', [Array.from({ length: MAX_SPARKLINE_NODES + 1 }, (_, index) => `n${index}`), 'cpu', 5]],
    ['an id that is not a string', [[1], 'cpu', 5]],
    ['an empty id', [[''], 'cpu', 5]],
    ['a fleet series', [['a'], 'balanceCv', 5]],
    ['an unknown series', [['a'], 'toString', 5]],
    ['zero points', [['a'], 'cpu', 0]],
    ['too many points', [['a'], 'cpu', MAX_SPARKLINE_POINTS + 1]],
    ['a fractional count', [['a'], 'cpu', 2.5]],
    ['a count as text', [['a'], 'cpu', '5']],
    ['NaN points', [['a'], 'cpu', Number.NaN]],
  ])('refuses %s with a TypeError that says what it takes', (_name, args) => {
    expect(() => parseSparklinesArgs(args)).toThrow(TypeError);
    expect(() => parseSparklinesArgs(args)).toThrow(/getSparklines takes up to 200 node ids/);
  });
});
