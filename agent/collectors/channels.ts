/**
 * Per-channel figures: exact cumulative totals, a subscriber gauge per channel, and the
 * busiest channels of each sample interval found with a Space-Saving sketch.
 *
 * Algorithm. Space-Saving (Metwally, Agrawal, El Abbadi 2005) with weighted increments:
 * `capacity` counters, each holding a channel, its estimated interval weight
 * (published messages + delivered messages) and its overestimate `error`. A tracked channel
 * adds its increment to its counter. An untracked channel takes a free counter (error 0)
 * or, when all are taken, replaces the counter with the smallest weight `min`: its weight
 * becomes `min + increment` and its error `min`; its other figures restart from 0, so they
 * are exactly what was seen while it was tracked. The sketch is reset by every `collect()`,
 * so the `top` figures cover one interval. The minimum is found with an indexed binary
 * min-heap over the counters rather than Stream-Summary's bucket list, because `delivered`
 * adds `recipients` at once and a bucket list would then walk past every bucket in between.
 *
 * Error bound. With m = capacity counters and a stream of total weight N in the interval,
 * every estimate overestimates the channel's true interval weight by at most `error` <= N/m,
 * the true weight is at least `published + delivered` of the entry, and every channel whose
 * true weight exceeds N/m is tracked. A channel that is not tracked weighed at most as much
 * as the smallest tracked estimate.
 *
 * Memory. The sketch is preallocated: per counter six Float64Array slots, two Int32Array
 * slots and a name reference (64 bytes), a Map entry (about 30–60 bytes with V8's hash table
 * slack) and a private copy of the name (about 16 bytes + 1 or 2 bytes a character, names
 * are at most 1024 characters). So about capacity × (130 bytes + 2 × name length), whatever
 * number of distinct channels the host publishes on: 1000 counters with 40-character names
 * take about 0.2 MB. The subscriber map holds one entry per channel that has local
 * subscribers now; the host already holds that subscription state itself, so it adds at
 * most a constant factor to what the host keeps, and is bounded by it.
 *
 * Cost per call. A channel that is tracked: a Map lookup, a few typed-array adds and a heap
 * sift-down that usually stops at once (busy channels settle at the heap's leaves), with no
 * allocation. A channel that is not tracked: one O(log capacity) heap sift, a Map delete and
 * set, and a name copy. `subscribed()` is a Map update. `collect()` sorts the counters, once
 * per interval. bench/channels-bench.ts measures all of this.
 */
import type { ChannelFigures, ChannelStats } from '../protocol.js';

/** Channel names longer than this, in UTF-16 units, are refused and counted in `rejected`. */
export const MAX_CHANNEL_NAME_LENGTH = 1024;

/**
 * Largest `topK`: a sample frame must stay under MAX_AGENT_FRAME_BYTES (1 MiB) whatever the
 * names. 100 entries of 1024 characters that JSON escapes to 6 bytes each (`\u0001`) plus
 * their figures take about 0.63 MB.
 */
export const MAX_TOP_K = 100;

/** Largest sketch `capacity`, so a typo cannot preallocate gigabytes. */
export const MAX_SKETCH_CAPACITY = 100_000;

/** Options of a ChannelCollector; both are required and validated at construction. */
export interface ChannelCollectorOptions {
  /** How many of the interval's busiest channels a sample reports, 1 to MAX_TOP_K. */
  readonly topK: number;
  /** Sketch counters, topK to MAX_SKETCH_CAPACITY; more counters, tighter estimates. */
  readonly capacity: number;
}

function fail(option: string, requirement: string, value: unknown): never {
  throw new TypeError(`ChannelCollector: option "${option}" ${requirement} (got ${String(value)})`);
}

function isName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= MAX_CHANNEL_NAME_LENGTH;
}

function isCount(value: unknown): value is number {
  // Integers only: every figure goes on the wire as a count, and a fraction would make the
  // console refuse the whole sample.
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * A copy of `name` that shares no memory with the host's string. A name sliced out of a large
 * message (`text.slice(0, 40)`) is a view that keeps the whole message alive; holding up to
 * `capacity` of those would break the memory bound. Concatenating then slicing makes V8
 * flatten into a fresh string of `name.length + 1` characters, about 50 ns, far cheaper than
 * a Buffer round trip (about 170 ns), and only paid when a name is first stored.
 */
function ownCopy(name: string): string {
  return `${name} `.slice(0, -1);
}

/** Counts channel activity for samples; never throws on bad input (see `rejected`). */
export class ChannelCollector {
  /** Calls refused for bad arguments (bad name, byte count, recipients or delta), cumulative. */
  rejected = 0;

  // Cumulative totals over every channel: plain fields so the hot path is a property add.
  private totalPublished = 0;
  private totalDelivered = 0;
  private totalBytesIn = 0;
  private totalBytesOut = 0;

  // Subscriber gauge: only channels with at least one subscriber, and a running sum so a
  // sample never walks the map.
  private readonly subscriberCounts = new Map<string, number>();
  private subscriberSum = 0;

  // The sketch, structure-of-arrays indexed by slot so a hit allocates nothing. Slots fill
  // in order 0, 1, 2… after each reset; `heap` orders slots by weight and `heapIndex` is
  // the inverse, so a slot whose weight grew can be sifted from where it sits.
  private readonly topK: number;
  private readonly capacity: number;
  private readonly slots = new Map<string, number>();
  private readonly names: string[];
  private readonly weights: Float64Array;
  private readonly errors: Float64Array;
  private readonly publishedCounts: Float64Array;
  private readonly deliveredCounts: Float64Array;
  private readonly bytesInCounts: Float64Array;
  private readonly bytesOutCounts: Float64Array;
  private readonly heap: Int32Array;
  private readonly heapIndex: Int32Array;
  private size = 0;

  constructor(options: ChannelCollectorOptions) {
    if (typeof options !== 'object' || options === null) fail('options', 'must be an object', options);
    const { topK, capacity } = options;
    if (!Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
      fail('topK', `must be an integer from 1 to ${MAX_TOP_K}`, topK);
    }
    if (!Number.isInteger(capacity) || capacity < topK || capacity > MAX_SKETCH_CAPACITY) {
      fail('capacity', `must be an integer from topK (${topK}) to ${MAX_SKETCH_CAPACITY}`, capacity);
    }
    this.topK = topK;
    this.capacity = capacity;
    this.names = new Array<string>(capacity).fill('');
    this.weights = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.publishedCounts = new Float64Array(capacity);
    this.deliveredCounts = new Float64Array(capacity);
    this.bytesInCounts = new Float64Array(capacity);
    this.bytesOutCounts = new Float64Array(capacity);
    this.heap = new Int32Array(capacity);
    this.heapIndex = new Int32Array(capacity);
  }

  /** Channels the interval sketch tracks now (for tests and memory checks). */
  get trackedCount(): number {
    return this.size;
  }

  /** A message of `bytes` payload bytes was published on `name` at this node. */
  published(name: string, bytes: number): void {
    if (!isName(name) || !isCount(bytes)) {
      this.rejected++;
      return;
    }
    this.totalPublished++;
    this.totalBytesIn += bytes;
    const slot = this.track(name, 1);
    this.publishedCounts[slot] = (this.publishedCounts[slot] as number) + 1;
    this.bytesInCounts[slot] = (this.bytesInCounts[slot] as number) + bytes;
  }

  /** A message was delivered to `recipients` local subscribers, `bytes` payload bytes in total. */
  delivered(name: string, recipients: number, bytes: number): void {
    if (!isName(name) || !isCount(recipients) || !isCount(bytes)) {
      this.rejected++;
      return;
    }
    this.totalDelivered += recipients;
    this.totalBytesOut += bytes;
    // Nobody received it: no activity to rank, and a zero-weight entry would only evict.
    if (recipients === 0) return;
    const slot = this.track(name, recipients);
    this.deliveredCounts[slot] = (this.deliveredCounts[slot] as number) + recipients;
    this.bytesOutCounts[slot] = (this.bytesOutCounts[slot] as number) + bytes;
  }

  /**
   * Local subscribers of `name` changed by `delta` (+1 / -1 / ±n). A decrease below zero is
   * a host bookkeeping slip: the channel is taken to have none left and the call is counted
   * in `rejected`.
   */
  subscribed(name: string, delta: number): void {
    if (!isName(name) || !Number.isSafeInteger(delta)) {
      this.rejected++;
      return;
    }
    if (delta === 0) return;
    const current = this.subscriberCounts.get(name) ?? 0;
    let next = current + delta;
    if (next < 0) {
      this.rejected++;
      next = 0;
    }
    this.subscriberSum += next - current;
    if (next === 0) this.subscriberCounts.delete(name);
    else if (current === 0) this.subscriberCounts.set(ownCopy(name), next);
    else this.subscriberCounts.set(name, next);
  }

  /** The figures for a sample; starts a new interval for the `top` figures. */
  collect(intervalMs: number): ChannelStats {
    const order: number[] = [];
    for (let slot = 0; slot < this.size; slot++) order.push(slot);
    const { names, weights } = this;
    // Busiest first; equal weights by name so a sample does not depend on heap layout.
    order.sort((a, b) => {
      const byWeight = (weights[b] as number) - (weights[a] as number);
      if (byWeight !== 0) return byWeight;
      const nameA = names[a] as string;
      const nameB = names[b] as string;
      return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
    });
    const top: ChannelFigures[] = [];
    for (const slot of order.slice(0, this.topK)) {
      const name = names[slot] as string;
      top.push({
        name,
        published: this.publishedCounts[slot] as number,
        delivered: this.deliveredCounts[slot] as number,
        bytesIn: this.bytesInCounts[slot] as number,
        bytesOut: this.bytesOutCounts[slot] as number,
        subscribers: this.subscriberCounts.get(name) ?? 0,
        error: this.errors[slot] as number,
      });
    }
    this.resetSketch();
    return {
      intervalMs: Number.isFinite(intervalMs) && intervalMs > 0 ? Math.round(intervalMs) : 0,
      top,
      totals: {
        published: this.totalPublished,
        delivered: this.totalDelivered,
        bytesIn: this.totalBytesIn,
        bytesOut: this.totalBytesOut,
      },
      subscribedChannels: this.subscriberCounts.size,
      subscribers: this.subscriberSum,
      rejected: this.rejected,
    };
  }

  /** Adds `increment` to the weight of `name`, taking a counter if needed; returns its slot. */
  private track(name: string, increment: number): number {
    const found = this.slots.get(name);
    if (found !== undefined) {
      this.weights[found] = (this.weights[found] as number) + increment;
      // A larger weight can only move down a min-heap.
      this.siftDown(this.heapIndex[found] as number);
      return found;
    }
    if (this.size < this.capacity) {
      const slot = this.size++;
      const own = ownCopy(name);
      this.slots.set(own, slot);
      this.names[slot] = own;
      this.weights[slot] = increment;
      this.heap[slot] = slot;
      this.heapIndex[slot] = slot;
      this.siftUp(slot);
      return slot;
    }
    // Full: the minimum is the root. Its new weight is at least the old minimum, so it can
    // only move down.
    const slot = this.heap[0] as number;
    const min = this.weights[slot] as number;
    this.slots.delete(this.names[slot] as string);
    const own = ownCopy(name);
    this.slots.set(own, slot);
    this.names[slot] = own;
    this.weights[slot] = min + increment;
    this.errors[slot] = min;
    this.publishedCounts[slot] = 0;
    this.deliveredCounts[slot] = 0;
    this.bytesInCounts[slot] = 0;
    this.bytesOutCounts[slot] = 0;
    this.siftDown(0);
    return slot;
  }

  private siftUp(start: number): void {
    const { heap, heapIndex, weights } = this;
    const slot = heap[start] as number;
    const weight = weights[slot] as number;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentSlot = heap[parent] as number;
      if ((weights[parentSlot] as number) <= weight) break;
      heap[index] = parentSlot;
      heapIndex[parentSlot] = index;
      index = parent;
    }
    heap[index] = slot;
    heapIndex[slot] = index;
  }

  private siftDown(start: number): void {
    const { heap, heapIndex, weights, size } = this;
    const slot = heap[start] as number;
    const weight = weights[slot] as number;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      let childSlot = heap[child] as number;
      let childWeight = weights[childSlot] as number;
      const right = child + 1;
      if (right < size) {
        const rightSlot = heap[right] as number;
        const rightWeight = weights[rightSlot] as number;
        if (rightWeight < childWeight) {
          child = right;
          childSlot = rightSlot;
          childWeight = rightWeight;
        }
      }
      if (childWeight >= weight) break;
      heap[index] = childSlot;
      heapIndex[childSlot] = index;
      index = child;
    }
    heap[index] = slot;
    heapIndex[slot] = index;
  }

  /** Empties the sketch for a new interval; the arrays are reused, the names released. */
  private resetSketch(): void {
    this.slots.clear();
    this.names.fill('', 0, this.size);
    // Fresh slots are written in full on first use except these, which only ever add.
    this.errors.fill(0, 0, this.size);
    this.publishedCounts.fill(0, 0, this.size);
    this.deliveredCounts.fill(0, 0, this.size);
    this.bytesInCounts.fill(0, 0, this.size);
    this.bytesOutCounts.fill(0, 0, this.size);
    this.size = 0;
  }
}
