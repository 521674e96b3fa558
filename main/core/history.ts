/**
 * Bounded history: fixed-size ring buffers of 32-bit values, so memory is known up front and
 * never grows with uptime. The fleet keeps 15 minutes at 1 s (900 points) of its totals and of
 * every node's figures, for up to 1,000 nodes.
 *
 * Memory. The fleet's 21 series are {@link RingSeries} (a 64-bit time and a 32-bit value per
 * point: 900 × 12 B = 10.8 KB each, 227 KB in all, whatever the fleet's size). Per node, a time
 * per value would cost more than the values, so nodes share the fleet's tick axis: one
 * Float64Array of tick times (7.2 KB) and, per node, 8 Float32 columns on it (8 × 900 × 4 B =
 * 28.8 KB). At 1,000 nodes that is 28.8 MB of node history (a time per node series would make it
 * 86.4 MB; a time axis per node 36 MB). Typed-array storage lives outside the V8 heap: it
 * shows in `process.memoryUsage().arrayBuffers`, not `heapUsed`.
 *
 * Precision. Stored figures are rates and gauges, never cumulative counters, so 32-bit floats
 * (24-bit mantissa) lose nothing that matters: an RSS of 2 GB is kept to within 128 bytes.
 */
import { assertNever } from '../common/assert-never.js';
import {
  FLEET_SERIES,
  type FleetHistoryChunk,
  type FleetHistoryResult,
  type FleetSeriesName,
  type FleetTotals,
  type HistoryScope,
  MAX_SPARKLINE_NODES,
  MAX_SPARKLINE_POINTS,
  NODE_SERIES,
  type NodeHistoryResult,
  type NodeSeriesName,
  type NodeStatus,
  type NodeView,
  type SeriesColumns,
  type Sparklines,
  type Transport,
} from '../common/models.js';
import { isReporting } from './fleet-totals.js';

/** Points kept per series by default: 15 minutes at one per second. */
export const HISTORY_CAPACITY = 900;
/** Default time between points, ms: one tick. */
export const HISTORY_RESOLUTION_MS = 1_000;
/** Nodes whose history is kept by default; more nodes still count in the fleet's totals. */
export const MAX_HISTORY_NODES = 1_000;

/** A stored float32 as output: null for a gap, else rounded to the 7 digits a float32 holds. */
function output(value: number | undefined): number | null {
  if (value === undefined || Number.isNaN(value)) return null;
  // Without this, 0.1 comes back as 0.10000000149011612: longer JSON that says nothing more.
  return Number(value.toPrecision(7));
}

/** Plain arrays of points, oldest first. */
export interface SeriesPoints {
  readonly times: number[];
  readonly values: Array<number | null>;
}

/**
 * One series in a ring buffer of fixed capacity: a Float64Array of times and a Float32Array of
 * values, 12 bytes a point. Pushing onto a full ring overwrites the oldest point. NaN is a gap
 * and comes out as null.
 */
export class RingSeries {
  /** Bytes a point takes: an 8-byte time and a 4-byte value. */
  static readonly BYTES_PER_POINT = 12;
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly values: Float32Array;
  /** Where the next push writes. */
  private next = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingSeries capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.values = new Float32Array(capacity);
  }

  /** Points held now, at most `capacity`. */
  get length(): number {
    return this.count;
  }

  /** Bytes of storage: `capacity × 12`, fixed at construction. */
  get byteLength(): number {
    return this.times.byteLength + this.values.byteLength;
  }

  /** Appends a point, overwriting the oldest when full. */
  push(time: number, value: number): void {
    this.times[this.next] = time;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Every point, or only those with a time strictly after `sinceMs`, oldest first. */
  points(sinceMs?: number): SeriesPoints {
    return this.collect(this.count, sinceMs ?? Number.NEGATIVE_INFINITY);
  }

  /** The newest `count` points (fewer when it holds fewer), oldest first. */
  tail(count: number): SeriesPoints {
    return this.collect(Math.max(0, Math.min(count, this.count)), Number.NEGATIVE_INFINITY);
  }

  private collect(count: number, sinceMs: number): SeriesPoints {
    const times: number[] = [];
    const values: Array<number | null> = [];
    const start = (this.next - count + this.capacity) % this.capacity;
    for (let offset = 0; offset < count; offset++) {
      const index = (start + offset) % this.capacity;
      const time = this.times[index] as number;
      // A filter, not a search: a wall clock set back would break a search's premise of order.
      if (time <= sinceMs) continue;
      times.push(time);
      values.push(output(this.values[index]));
    }
    return { times, values };
  }
}

/** Options for {@link FleetHistory}; every one has a default. */
export interface FleetHistoryOptions {
  /** Points per series. Default {@link HISTORY_CAPACITY}. */
  readonly capacity?: number;
  /** The tick interval the points are taken at, ms; reported to readers. Default 1000. */
  readonly resolutionMs?: number;
  /** Nodes whose history is kept. Default {@link MAX_HISTORY_NODES}. */
  readonly maxNodes?: number;
}

/** Bytes that {@link FleetHistory} stores for `nodes` nodes at `capacity` points. */
export function historyBytes(nodes: number, capacity = HISTORY_CAPACITY): number {
  const fleet = FLEET_SERIES.length * capacity * RingSeries.BYTES_PER_POINT;
  const tickAxis = capacity * Float64Array.BYTES_PER_ELEMENT;
  const perNode = NODE_SERIES.length * capacity * Float32Array.BYTES_PER_ELEMENT;
  return fleet + tickAxis + nodes * perNode;
}

const STATUS_SERIES = {
  connecting: 'nodesConnecting',
  active: 'nodesActive',
  draining: 'nodesDraining',
  drained: 'nodesDrained',
  unreachable: 'nodesUnreachable',
} as const satisfies Record<NodeStatus, FleetSeriesName>;

const TRANSPORT_SERIES = {
  websocket: 'openWebsocket',
  sse: 'openSse',
  'long-polling': 'openLongPolling',
} as const satisfies Record<Transport, FleetSeriesName>;

/** The figures of one fleet point, by series. Typed as a full record, so a new series must be filled. */
function fleetFigures(totals: FleetTotals): Record<FleetSeriesName, number> {
  const { balance } = totals;
  const figures: Record<FleetSeriesName, number> = {
    connectionsOpen: totals.connectionsOpen,
    bytesInPerSec: totals.bytesInPerSec,
    bytesOutPerSec: totals.bytesOutPerSec,
    messagesPerSec: totals.messagesPerSec,
    messagesInPerSec: totals.messagesInPerSec,
    messagesOutPerSec: totals.messagesOutPerSec,
    opensPerSec: totals.opensPerSec,
    closesPerSec: totals.closesPerSec,
    abnormalClosesPerSec: totals.abnormalClosesPerSec,
    nodesConnecting: 0,
    nodesActive: 0,
    nodesDraining: 0,
    nodesDrained: 0,
    nodesUnreachable: 0,
    openWebsocket: 0,
    openSse: 0,
    openLongPolling: 0,
    // No active node, no balance: a gap in the chart rather than a misleading zero.
    balanceMean: balance.activeNodes > 0 ? balance.mean : Number.NaN,
    balanceMax: balance.activeNodes > 0 ? balance.max : Number.NaN,
    balanceMaxOverMean: balance.maxOverMean ?? Number.NaN,
    balanceCv: balance.cv ?? Number.NaN,
  };
  for (const [status, name] of Object.entries(STATUS_SERIES)) {
    figures[name] = totals.nodesByStatus[status as NodeStatus];
  }
  for (const [transport, name] of Object.entries(TRANSPORT_SERIES)) {
    figures[name] = totals.openByTransport[transport as Transport];
  }
  return figures;
}

/** One node's figures for the history, NaN where it has none. */
function nodeFigures(view: NodeView): Record<NodeSeriesName, number> {
  const rates = view.rates;
  // The store keeps the last health of a node that went down; it is not a current figure.
  const health = isReporting(view.status) ? view.health : null;
  return {
    connectionsOpen: view.connections?.open ?? Number.NaN,
    bytesInPerSec: rates?.bytesInPerSec ?? Number.NaN,
    bytesOutPerSec: rates?.bytesOutPerSec ?? Number.NaN,
    messagesPerSec: rates ? rates.messagesInPerSec + rates.messagesOutPerSec : Number.NaN,
    loopDelayP99Ms: health?.loopDelayP99Ms ?? Number.NaN,
    cpu: health?.cpu ?? Number.NaN,
    rssBytes: health?.rssBytes ?? Number.NaN,
    abnormalClosesPerSec: rates?.abnormalClosesPerSec ?? Number.NaN,
  };
}

interface NodeTrack {
  /** NODE_SERIES.length columns of `capacity` values, column after column, on the tick axis. */
  readonly values: Float32Array;
  /** The first tick this node was recorded at. */
  readonly firstTick: number;
  /** The latest tick this node was present at. */
  seenTick: number;
}

/**
 * The fleet's history: its totals per tick and each node's figures on the same ticks.
 * {@link record} is called once per tick with the totals and the views they came from.
 */
export class FleetHistory {
  readonly capacity: number;
  readonly resolutionMs: number;
  readonly maxNodes: number;
  private readonly fleet: Record<FleetSeriesName, RingSeries>;
  private readonly tickTimes: Float64Array;
  /** Ticks recorded since construction; tick `t` lives in slot `t % capacity`. */
  private ticks = 0;
  private readonly nodes = new Map<string, NodeTrack>();

  constructor(options: FleetHistoryOptions = {}) {
    this.capacity = options.capacity ?? HISTORY_CAPACITY;
    this.resolutionMs = options.resolutionMs ?? HISTORY_RESOLUTION_MS;
    this.maxNodes = options.maxNodes ?? MAX_HISTORY_NODES;
    if (!Number.isSafeInteger(this.maxNodes) || this.maxNodes < 0) {
      throw new RangeError(`maxNodes must be a non-negative integer, got ${String(this.maxNodes)}`);
    }
    this.fleet = Object.fromEntries(
      FLEET_SERIES.map((name) => [name, new RingSeries(this.capacity)]),
    ) as Record<FleetSeriesName, RingSeries>;
    this.tickTimes = new Float64Array(this.capacity);
  }

  /** Ticks recorded so far (not bounded by capacity): a cursor for {@link chunkFrom}. */
  get tickCount(): number {
    return this.ticks;
  }

  /** Nodes whose history is kept now. */
  get nodeCount(): number {
    return this.nodes.size;
  }

  /** Bytes of typed-array storage held now. */
  get byteLength(): number {
    let bytes = this.tickTimes.byteLength;
    for (const name of FLEET_SERIES) bytes += this.fleet[name].byteLength;
    for (const track of this.nodes.values()) bytes += track.values.byteLength;
    return bytes;
  }

  /** Appends one tick: the fleet's totals and every node's figures. Nodes not in `views` are forgotten. */
  record(totals: FleetTotals, views: readonly NodeView[]): void {
    const tick = this.ticks;
    const slot = tick % this.capacity;
    const time = totals.time;
    const figures = fleetFigures(totals);
    for (const name of FLEET_SERIES) this.fleet[name].push(time, figures[name]);
    this.tickTimes[slot] = time;

    // Forget removed nodes before adding new ones, so a replaced node frees its place at once.
    for (const view of views) {
      const track = this.nodes.get(view.id);
      if (track) track.seenTick = tick;
    }
    for (const [id, track] of this.nodes) if (track.seenTick !== tick) this.nodes.delete(id);

    for (const view of views) {
      let track = this.nodes.get(view.id);
      if (!track) {
        if (this.nodes.size >= this.maxNodes) continue;
        track = {
          values: new Float32Array(NODE_SERIES.length * this.capacity).fill(Number.NaN),
          firstTick: tick,
          seenTick: tick,
        };
        this.nodes.set(view.id, track);
      }
      const row = nodeFigures(view);
      NODE_SERIES.forEach((name, column) => {
        (track as NodeTrack).values[column * this.capacity + slot] = row[name];
      });
    }
    this.ticks++;
  }

  /** True when this node's history is kept. */
  has(nodeId: string): boolean {
    return this.nodes.has(nodeId);
  }

  /** History of a scope; a node whose history is not kept gets empty columns. */
  read(scope: HistoryScope, sinceMs?: number): FleetHistoryResult | NodeHistoryResult {
    switch (scope.kind) {
      case 'fleet':
        return this.fleetHistory(sinceMs);
      case 'node':
        return this.nodeHistory(scope.nodeId, sinceMs);
      default:
        return assertNever(scope);
    }
  }

  /** The fleet's points, all or those after `sinceMs`. */
  fleetHistory(sinceMs?: number): FleetHistoryResult {
    return { kind: 'fleet', ...this.window(), ...this.fleetColumns((series) => series.points(sinceMs)) };
  }

  /** The fleet points recorded at tick `fromTick` and after (those still held), or null when none. */
  chunkFrom(fromTick: number): FleetHistoryChunk | null {
    const count = Math.min(this.ticks - fromTick, this.capacity);
    if (count <= 0) return null;
    return this.fleetColumns((series) => series.tail(count));
  }

  /** One node's points, all or those after `sinceMs`; empty when its history is not kept. */
  nodeHistory(nodeId: string, sinceMs?: number): NodeHistoryResult {
    const since = sinceMs ?? Number.NEGATIVE_INFINITY;
    const track = this.nodes.get(nodeId);
    const times: number[] = [];
    const columns = NODE_SERIES.map(() => [] as Array<number | null>);
    if (track) {
      const first = Math.max(track.firstTick, this.ticks - this.capacity);
      for (let tick = first; tick < this.ticks; tick++) {
        const slot = tick % this.capacity;
        const time = this.tickTimes[slot] as number;
        if (time <= since) continue;
        times.push(time);
        columns.forEach((column, index) => {
          column.push(output(track.values[index * this.capacity + slot]));
        });
      }
    }
    const series = Object.fromEntries(NODE_SERIES.map((name, index) => [name, columns[index]])) as Record<
      NodeSeriesName,
      Array<number | null>
    >;
    return { kind: 'node', nodeId, ...this.window(), times, series };
  }

  /**
   * The newest `points` ticks of one series for each named node whose history is kept, on the
   * shared tick axis (a node recorded for fewer ticks is padded with nulls at the start).
   */
  sparklines(nodeIds: readonly string[], series: NodeSeriesName, points: number): Sparklines {
    const count = Math.max(0, Math.min(points, this.ticks, this.capacity));
    const firstTick = this.ticks - count;
    const times: number[] = [];
    for (let tick = firstTick; tick < this.ticks; tick++)
      times.push(this.tickTimes[tick % this.capacity] as number);
    const column = NODE_SERIES.indexOf(series);
    // Entries, not assignment: a node named "__proto__" must be a key, not the prototype.
    const byNode: Array<[string, Array<number | null>]> = [];
    for (const nodeId of nodeIds) {
      const track = this.nodes.get(nodeId);
      if (!track) continue;
      const values: Array<number | null> = [];
      for (let tick = firstTick; tick < this.ticks; tick++) {
        values.push(
          tick < track.firstTick
            ? null
            : output(track.values[column * this.capacity + (tick % this.capacity)]),
        );
      }
      byNode.push([nodeId, values]);
    }
    return { series, times, byNode: Object.fromEntries(byNode) };
  }

  private window(): { resolutionMs: number; windowMs: number } {
    return { resolutionMs: this.resolutionMs, windowMs: this.capacity * this.resolutionMs };
  }

  private fleetColumns(read: (series: RingSeries) => SeriesPoints): SeriesColumns<FleetSeriesName> {
    // Every fleet series is pushed on the same ticks, so their times are the same.
    let times: number[] = [];
    const series = {} as Record<FleetSeriesName, Array<number | null>>;
    for (const name of FLEET_SERIES) {
      const points = read(this.fleet[name]);
      times = points.times;
      series[name] = points.values;
    }
    return { times, series };
  }
}

/**
 * Checks `getHistory`'s arguments, which arrive untrusted from the renderer, and returns them
 * normalized. JSON turns a missing `sinceMs` into null, so null means "not given".
 */
export function parseHistoryArgs(args: readonly unknown[]): [scope: HistoryScope, sinceMs?: number] {
  if (args.length < 1 || args.length > 2) {
    throw new TypeError('getHistory takes a scope and an optional sinceMs');
  }
  const [scope, sinceMs] = args;
  if (typeof scope !== 'object' || scope === null) {
    throw new TypeError('getHistory scope must be { kind: "fleet" } or { kind: "node", nodeId }');
  }
  const { kind, nodeId } = scope as { kind?: unknown; nodeId?: unknown };
  let parsed: HistoryScope;
  if (kind === 'fleet') parsed = { kind };
  else if (kind === 'node' && typeof nodeId === 'string' && nodeId.length > 0 && nodeId.length <= 256) {
    parsed = { kind, nodeId };
  } else {
    throw new TypeError('getHistory scope must be { kind: "fleet" } or { kind: "node", nodeId: string }');
  }
  if (sinceMs === undefined || sinceMs === null) return [parsed];
  if (typeof sinceMs !== 'number' || !Number.isFinite(sinceMs)) {
    throw new TypeError('getHistory sinceMs must be a finite number of epoch milliseconds');
  }
  return [parsed, sinceMs];
}

/** Checks `getNodeDetail`'s untrusted arguments. */
export function parseNodeDetailArgs(args: readonly unknown[]): [nodeId: string] {
  const [nodeId] = args;
  if (args.length !== 1 || typeof nodeId !== 'string' || nodeId.length === 0 || nodeId.length > 256) {
    throw new TypeError('getNodeDetail takes one node id');
  }
  return [nodeId];
}

/** Checks `getSparklines`'s untrusted arguments. */
export function parseSparklinesArgs(
  args: readonly unknown[],
): [nodeIds: string[], series: NodeSeriesName, points: number] {
  const [nodeIds, series, points] = args;
  const usage = `getSparklines takes up to ${MAX_SPARKLINE_NODES} node ids, a node series (${NODE_SERIES.join(', ')}) and 1–${MAX_SPARKLINE_POINTS} points`;
  if (
    args.length !== 3 ||
    !Array.isArray(nodeIds) ||
    nodeIds.length > MAX_SPARKLINE_NODES ||
    !nodeIds.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 256) ||
    typeof series !== 'string' ||
    !(NODE_SERIES as readonly string[]).includes(series) ||
    !Number.isSafeInteger(points) ||
    (points as number) < 1 ||
    (points as number) > MAX_SPARKLINE_POINTS
  ) {
    throw new TypeError(usage);
  }
  return [nodeIds as string[], series as NodeSeriesName, points as number];
}
