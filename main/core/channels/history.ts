/**
 * Bounded history of the hottest channels: a fixed number of tracks (200 by default), each
 * with 15 minutes at one point per tick, plus the fleet's channel totals on the same ticks.
 *
 * Eviction by rank. At every tick the top `channels` of the merge must have a track. A channel
 * that enters the top takes a free track, else the track of the tracked channel that ranks
 * lowest now (not listed at all counts as lowest). A channel that leaves the top keeps its
 * track, and keeps being recorded (0 when no node lists it), until a newcomer needs the room,
 * so a channel wobbling around rank 200 does not lose its history each time it dips.
 *
 * Memory. Preallocated once: per track 6 series × 900 Float32 values (21.6 KB), 200 tracks
 * 4.3 MB, plus a Float64 tick axis and 4 total series (36 KB). It does not depend on how many
 * distinct channels the fleet carries. Stored figures are rates and gauges, so 32-bit floats
 * (7 significant digits) lose nothing that matters (see main/core/history.ts).
 */
import {
  CHANNEL_SERIES,
  type ChannelSeriesName,
  type ChannelTotals,
  type SeriesColumns,
} from '../../common/models.js';
import { activityOf, type FleetMerge, type MergedChannel } from './merge.js';

/** Channels whose history is kept by default. */
export const CHANNEL_HISTORY_CHANNELS = 200;
/** Points per series by default: 15 minutes at one per second. */
export const CHANNEL_HISTORY_CAPACITY = 900;

/** The series a track stores: the public ones and the error bound. */
const TRACK_SERIES = [...CHANNEL_SERIES, 'errorPerSec'] as const;
type TrackSeriesName = (typeof TRACK_SERIES)[number];
const SERIES_INDEX = Object.fromEntries(TRACK_SERIES.map((name, index) => [name, index])) as Record<
  TrackSeriesName,
  number
>;
const TOTAL_KEYS = ['publishPerSec', 'deliveriesPerSec', 'bytesInPerSec', 'bytesOutPerSec'] as const;

/** A channel's figures averaged over a window of ticks. */
export interface WindowFigures extends MergedChannel {
  /** Ticks of the window the channel was recorded at. */
  readonly ticks: number;
}

/** Options for {@link ChannelHistory}. */
export interface ChannelHistoryOptions {
  /** Tracks: the hottest channels kept. Default {@link CHANNEL_HISTORY_CHANNELS}. */
  readonly channels?: number;
  /** Points per track. Default {@link CHANNEL_HISTORY_CAPACITY}. */
  readonly capacity?: number;
}

/** A stored float32 as output: null for a gap, else rounded to the 7 digits a float32 holds. */
function output(value: number | undefined): number | null {
  if (value === undefined || Number.isNaN(value)) return null;
  return Number(value.toPrecision(7));
}

/** History of the hottest channels and of the fleet's channel totals. */
export class ChannelHistory {
  readonly channels: number;
  readonly capacity: number;
  /** Track-major: track × series × capacity. */
  private readonly values: Float32Array;
  private readonly tickTimes: Float64Array;
  /** TOTAL_KEYS × capacity; NaN when no node reported at that tick. */
  private readonly totals: Float64Array;
  /** Ticks recorded since construction; tick `t` lives in slot `t % capacity`. */
  private ticks = 0;
  private readonly trackOf = new Map<string, number>();
  private readonly names: Array<string | null>;
  private readonly firstTick: Float64Array;
  private readonly free: number[] = [];

  constructor(options: ChannelHistoryOptions = {}) {
    this.channels = options.channels ?? CHANNEL_HISTORY_CHANNELS;
    this.capacity = options.capacity ?? CHANNEL_HISTORY_CAPACITY;
    for (const [name, value] of [
      ['channels', this.channels],
      ['capacity', this.capacity],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`ChannelHistory ${name} must be a positive integer, got ${String(value)}`);
      }
    }
    this.values = new Float32Array(this.channels * TRACK_SERIES.length * this.capacity);
    this.tickTimes = new Float64Array(this.capacity);
    this.totals = new Float64Array(TOTAL_KEYS.length * this.capacity);
    this.names = new Array<string | null>(this.channels).fill(null);
    this.firstTick = new Float64Array(this.channels);
    for (let track = this.channels - 1; track >= 0; track--) this.free.push(track);
  }

  /** Ticks recorded so far (not bounded by capacity). */
  get tickCount(): number {
    return this.ticks;
  }

  /** Channels with a track now. */
  get size(): number {
    return this.trackOf.size;
  }

  /** Bytes of typed-array storage: fixed at construction. */
  get byteLength(): number {
    return (
      this.values.byteLength + this.tickTimes.byteLength + this.totals.byteLength + this.firstTick.byteLength
    );
  }

  /** Whether `name` has a track. */
  has(name: string): boolean {
    return this.trackOf.has(name);
  }

  /** The names with a track. */
  trackedNames(): IterableIterator<string> {
    return this.trackOf.keys();
  }

  /** Appends one tick: gives the merge's top channels a track and records every track. */
  record(merge: FleetMerge, reporting: boolean): void {
    const tick = this.ticks;
    const slot = tick % this.capacity;
    this.tickTimes[slot] = merge.time;
    this.assignTracks(merge);
    for (const [name, track] of this.trackOf) {
      const channel = merge.byName.get(name);
      const base = track * TRACK_SERIES.length * this.capacity + slot;
      const write = (series: TrackSeriesName, value: number) => {
        this.values[base + SERIES_INDEX[series] * this.capacity] = value;
      };
      // No node reporting: a gap. Not listed by any node that reports: 0 for its rates (what
      // the merge counts), a gap for the gauge, which only listed channels carry.
      const absent = reporting ? 0 : Number.NaN;
      write('publishPerSec', channel?.publishPerSec ?? absent);
      write('deliveriesPerSec', channel?.deliveriesPerSec ?? absent);
      write('bytesInPerSec', channel?.bytesInPerSec ?? absent);
      write('bytesOutPerSec', channel?.bytesOutPerSec ?? absent);
      write('subscribers', channel?.subscribers ?? Number.NaN);
      write('errorPerSec', channel?.errorPerSec ?? absent);
    }
    TOTAL_KEYS.forEach((key, index) => {
      this.totals[index * this.capacity + slot] = reporting ? merge.totals[key] : Number.NaN;
    });
    this.ticks++;
  }

  /** One channel's columns, oldest first; empty when it has no track. */
  columns(name: string): SeriesColumns<ChannelSeriesName> {
    const track = this.trackOf.get(name);
    const times: number[] = [];
    const columns = CHANNEL_SERIES.map(() => [] as Array<number | null>);
    if (track !== undefined) {
      for (let tick = this.firstHeld(track); tick < this.ticks; tick++) {
        times.push(this.tickTimes[tick % this.capacity] as number);
        CHANNEL_SERIES.forEach((series, index) => {
          (columns[index] as Array<number | null>).push(output(this.valueAt(track, series, tick)));
        });
      }
    }
    const series = Object.fromEntries(CHANNEL_SERIES.map((name, index) => [name, columns[index]])) as Record<
      ChannelSeriesName,
      Array<number | null>
    >;
    return { times, series };
  }

  /** The newest `points` ticks of publish + deliveries per second, oldest first (null before the track); [] without a track. */
  recent(name: string, points: number): Array<number | null> {
    const track = this.trackOf.get(name);
    if (track === undefined) return [];
    const count = Math.min(points, this.ticks, this.capacity);
    const first = this.firstHeld(track);
    const line: Array<number | null> = [];
    for (let tick = this.ticks - count; tick < this.ticks; tick++) {
      line.push(tick < first ? null : output(this.activityAt(track, tick)));
    }
    return line;
  }

  /**
   * Mean publish + deliveries per second of `name` over ticks [from, to] (absolute tick
   * numbers, clipped to what its track holds); null when the track holds none of them.
   */
  meanActivity(name: string, from: number, to: number): number | null {
    const track = this.trackOf.get(name);
    if (track === undefined) return null;
    const start = Math.max(from, this.firstHeld(track));
    const end = Math.min(to, this.ticks - 1);
    if (end < start) return null;
    let sum = 0;
    let count = 0;
    for (let tick = start; tick <= end; tick++) {
      const value = this.activityAt(track, tick);
      if (Number.isNaN(value)) continue;
      sum += value;
      count++;
    }
    return count > 0 ? sum / count : null;
  }

  /** The time of tick `tick`, or null when it is not held. */
  timeOf(tick: number): number | null {
    if (tick < 0 || tick >= this.ticks || tick < this.ticks - this.capacity) return null;
    return this.tickTimes[tick % this.capacity] as number;
  }

  /** The oldest tick still held. */
  get oldestTick(): number {
    return Math.max(0, this.ticks - this.capacity);
  }

  /**
   * `name`'s figures averaged over the last `window` ticks (those its track holds); null without
   * a track. `nodes` and `subscribers` are the newest values, not means: they are counts now.
   */
  windowFigures(name: string, window: number, nodesNow: number): WindowFigures | null {
    const track = this.trackOf.get(name);
    if (track === undefined) return null;
    const windowStart = Math.max(this.ticks - Math.min(window, this.capacity), 0);
    const start = Math.max(windowStart, this.firstHeld(track));
    let reported = 0;
    for (let tick = start; tick < this.ticks; tick++) {
      if (!Number.isNaN(this.valueAt(track, 'publishPerSec', tick))) reported++;
    }
    if (reported === 0) return null;
    // The mean is over the same ticks as windowTotals' (those with fleet totals), a tick the
    // channel was not tracked or not listed counting 0: like the sketches, it may under-count,
    // never over-count, so the listed rows never exceed the totals.
    let ticks = 0;
    for (let tick = windowStart; tick < this.ticks; tick++) {
      if (!Number.isNaN(this.totals[tick % this.capacity] as number)) ticks++;
    }
    const count = Math.max(ticks, 1);
    const mean = (series: TrackSeriesName) => {
      let sum = 0;
      for (let tick = start; tick < this.ticks; tick++) {
        if (Number.isNaN(this.totals[tick % this.capacity] as number)) continue;
        const value = this.valueAt(track, series, tick);
        if (!Number.isNaN(value)) sum += value;
      }
      return sum / count;
    };
    let subscribers = 0;
    for (let tick = this.ticks - 1; tick >= start; tick--) {
      const value = this.valueAt(track, 'subscribers', tick);
      if (!Number.isNaN(value)) {
        subscribers = value;
        break;
      }
    }
    return {
      name,
      publishPerSec: mean('publishPerSec'),
      deliveriesPerSec: mean('deliveriesPerSec'),
      bytesInPerSec: mean('bytesInPerSec'),
      bytesOutPerSec: mean('bytesOutPerSec'),
      errorPerSec: mean('errorPerSec'),
      subscribers,
      nodes: nodesNow,
      ticks: count,
    };
  }

  /** The fleet's totals averaged over the last `window` ticks at which nodes reported, and how many those were. */
  windowTotals(window: number): { totals: ChannelTotals; ticks: number } {
    const start = Math.max(this.ticks - Math.min(window, this.capacity), 0);
    const sums = [0, 0, 0, 0];
    let ticks = 0;
    for (let tick = start; tick < this.ticks; tick++) {
      const slot = tick % this.capacity;
      if (Number.isNaN(this.totals[slot] as number)) continue;
      ticks++;
      TOTAL_KEYS.forEach((_, index) => {
        sums[index] = (sums[index] as number) + (this.totals[index * this.capacity + slot] as number);
      });
    }
    const mean = (index: number) => (ticks > 0 ? (sums[index] as number) / ticks : 0);
    return {
      totals: {
        publishPerSec: mean(0),
        deliveriesPerSec: mean(1),
        bytesInPerSec: mean(2),
        bytesOutPerSec: mean(3),
      },
      ticks,
    };
  }

  private assignTracks(merge: FleetMerge): void {
    const wanted = merge.channels.slice(0, this.channels);
    const wantedNames = new Set(wanted.map((channel) => channel.name));
    const newcomers = wanted.filter((channel) => !this.trackOf.has(channel.name));
    if (newcomers.length === 0) return;
    if (newcomers.length > this.free.length) {
      // Room from the tracked channels outside the top, lowest now first.
      const evictable = [...this.trackOf.keys()]
        .filter((name) => !wantedNames.has(name))
        .map((name) => {
          const channel = merge.byName.get(name);
          return { name, activity: channel ? activityOf(channel) : -1 };
        })
        .sort((left, right) => left.activity - right.activity);
      for (const { name } of evictable.slice(0, newcomers.length - this.free.length)) {
        const track = this.trackOf.get(name) as number;
        this.trackOf.delete(name);
        this.names[track] = null;
        this.free.push(track);
      }
    }
    for (const channel of newcomers) {
      const track = this.free.pop();
      if (track === undefined) break; // cannot happen: |wanted| ≤ tracks
      this.trackOf.set(channel.name, track);
      this.names[track] = channel.name;
      this.firstTick[track] = this.ticks;
    }
  }

  /** The first tick of `track` still held. */
  private firstHeld(track: number): number {
    return Math.max(this.firstTick[track] as number, this.ticks - this.capacity, 0);
  }

  private valueAt(track: number, series: TrackSeriesName, tick: number): number {
    return this.values[
      (track * TRACK_SERIES.length + SERIES_INDEX[series]) * this.capacity + (tick % this.capacity)
    ] as number;
  }

  private activityAt(track: number, tick: number): number {
    return this.valueAt(track, 'publishPerSec', tick) + this.valueAt(track, 'deliveriesPerSec', tick);
  }
}
