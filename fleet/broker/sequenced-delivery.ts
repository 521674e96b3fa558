/**
 * Per-channel ordering between a broker's live feed and the node: shared by the Redis and
 * relay adapters. Live pub/sub is lossy while a subscription is down (a Redis outage, a
 * relay restart, a killed subscriber connection); the broker's history is not. So every
 * live message is checked against the last seq delivered for its channel:
 *
 * - the next seq is delivered at once; an old seq (a duplicate) is dropped;
 * - a seq past the next one opens a gap: later arrivals are buffered while the gap is read
 *   from the history, then the gap and the buffer are delivered in order. If the history no
 *   longer holds the gap, what it holds is delivered and the rest is reported lost;
 * - a message of another epoch means the broker lost the channel's state (a Redis restart
 *   without persistence starts every seq at 1 again): the old epoch is retired, the loss is
 *   reported, and the new epoch is delivered from its first message the history still holds.
 *
 * The first message after `track()` is the baseline: nothing before it is backfilled.
 */
import type { BrokerMessage } from './broker.js';
import { type ChannelLog, type SequencedMessage, toBrokerMessage } from './broker-message.js';

/** Messages the node will never get, and why. */
export type DeliveryGap =
  | {
      /** The history no longer held them, or could not be read after every retry. */
      readonly reason: 'history-insufficient' | 'history-unavailable';
      readonly channel: string;
      readonly epoch: string;
      /** The first and last seq never delivered. */
      readonly fromSeq: number;
      readonly toSeq: number;
    }
  | {
      /**
       * The broker lost the channel's state (restart without persistence, flush, eviction)
       * and its seq restarted at 1. Messages of the old epoch after `lastSeq` may be lost.
       */
      readonly reason: 'broker-reset';
      readonly channel: string;
      readonly previousEpoch: string;
      readonly lastSeq: number;
      /** The new epoch; null when the broker holds nothing for the channel yet. */
      readonly epoch: string | null;
    };

/** Options for {@link SequencedDelivery}. */
export interface SequencedDeliveryOptions {
  /** Reads the broker's log of `channel` after `afterSeq` (Redis: XRANGE; relay: a `log` request). */
  readonly readLog: (channel: string, afterSeq: number) => Promise<ChannelLog>;
  /** Hands one message to the node, in per-channel seq order. */
  readonly deliver: (message: BrokerMessage) => void;
  /** Told about every loss that history could not cover. */
  readonly onGap?: (gap: DeliveryGap) => void;
  /** Told when `deliver` or `onGap` throws (the delivery carries on). */
  readonly onError?: (error: unknown) => void;
  /**
   * Waits before each further attempt to read the log, while the broker is unreachable;
   * after the last, the gap is reported as 'history-unavailable'. Default: 100 ms doubling
   * to 3.2 s (about 6 s in all, longer than a typical reconnect).
   */
  readonly retryDelaysMs?: readonly number[];
  /** Most arrivals buffered per channel while a gap is read; more are dropped (and show up as a new gap). Default 10 000. */
  readonly maxBuffered?: number;
}

/** Counters since construction. */
export interface DeliveryStats {
  /** Messages handed to the node, live or from history. */
  readonly delivered: number;
  /** Of those, the ones read from history to fill a gap. */
  readonly recovered: number;
  readonly duplicates: number;
  /** Messages reported lost through `onGap`. */
  readonly lost: number;
  readonly resets: number;
  /** Arrivals dropped: buffer full, or from an epoch already retired. */
  readonly dropped: number;
}

const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [100, 200, 400, 800, 1_600, 3_200];
const DEFAULT_MAX_BUFFERED = 10_000;
/** Retired epochs remembered per channel: enough for several resets in a row. */
const MAX_RETIRED_EPOCHS = 8;

interface ChannelState {
  readonly channel: string;
  /** False until the first message fixes the baseline. */
  known: boolean;
  /** Null when the broker was found to hold nothing for the channel. */
  epoch: string | null;
  last: number;
  /** A log read, or the wait before retrying one, is under way: arrivals queue in `buffer`. */
  busy: boolean;
  /** Arrivals not yet processed, in arrival order. */
  buffer: SequencedMessage[];
  /** Epochs this channel has moved past: a straggler from one of them is dropped, not a reset. */
  retired: string[];
  retry: NodeJS.Timeout | undefined;
}

/** Gapless, duplicate-free, per-channel ordered delivery on top of a lossy live feed. */
export class SequencedDelivery {
  private readonly channels = new Map<string, ChannelState>();
  private readonly retryDelaysMs: readonly number[];
  private readonly maxBuffered: number;
  private disposed = false;
  private counts = { delivered: 0, recovered: 0, duplicates: 0, lost: 0, resets: 0, dropped: 0 };

  constructor(private readonly options: SequencedDeliveryOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  }

  /** Starts delivering a channel; its next message is the baseline. */
  track(channel: string): void {
    if (this.disposed || this.channels.has(channel)) return;
    this.channels.set(channel, {
      channel,
      known: false,
      epoch: null,
      last: 0,
      busy: false,
      buffer: [],
      retired: [],
      retry: undefined,
    });
  }

  /** Stops delivering a channel and forgets its position (a later `track` starts afresh). */
  untrack(channel: string): void {
    const state = this.channels.get(channel);
    if (!state) return;
    clearTimeout(state.retry);
    this.channels.delete(channel);
  }

  /** Whether `channel` is tracked. */
  isTracked(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** The last seq delivered for `channel` (0 before the baseline). */
  lastSeq(channel: string): number {
    return this.channels.get(channel)?.last ?? 0;
  }

  /** Takes one live message; messages of untracked channels are ignored. */
  accept(message: SequencedMessage): void {
    const state = this.channels.get(message.channel);
    if (!state) return;
    if (state.buffer.length >= this.maxBuffered) {
      this.counts.dropped++;
      return;
    }
    state.buffer.push(message);
    this.pump(state);
  }

  /**
   * Reads what every tracked channel missed while the live feed was down. Call it when the
   * subscription is back: without it, a quiet channel would only notice its gap at its next
   * message.
   */
  catchUp(): void {
    for (const state of this.channels.values()) {
      if (state.known && !state.busy) this.fill(state, state.last);
    }
  }

  /** Counters since construction. */
  stats(): DeliveryStats {
    return { ...this.counts };
  }

  /** Drops every channel and cancels pending retries; late log reads are ignored. */
  dispose(): void {
    this.disposed = true;
    for (const state of this.channels.values()) clearTimeout(state.retry);
    this.channels.clear();
  }

  private pump(state: ChannelState): void {
    while (!state.busy) {
      const next = state.buffer.shift();
      if (!next) return;
      this.process(state, next);
    }
  }

  private process(state: ChannelState, message: SequencedMessage): void {
    if (!state.known) {
      state.known = true;
      state.epoch = message.epoch;
      state.last = message.seq;
      this.deliver(message);
      return;
    }
    if (message.epoch !== state.epoch) {
      if (state.retired.includes(message.epoch)) {
        this.counts.dropped++;
        return;
      }
      this.reset(state, message.epoch);
    }
    if (message.seq <= state.last) {
      this.counts.duplicates++;
      return;
    }
    if (message.seq === state.last + 1) {
      state.last = message.seq;
      this.deliver(message);
      return;
    }
    // A gap: this message waits at the head of the buffer while the history is read.
    state.buffer.unshift(message);
    this.fill(state, state.last);
  }

  private fill(state: ChannelState, afterSeq: number, attempt = 0): void {
    state.busy = true;
    let read: Promise<ChannelLog>;
    try {
      read = this.options.readLog(state.channel, afterSeq);
    } catch (error) {
      read = Promise.reject(error);
    }
    read.then(
      (log) => {
        if (this.channels.get(state.channel) === state) this.applyLog(state, afterSeq, log);
      },
      () => {
        if (this.channels.get(state.channel) !== state) return;
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined) return this.settle(state, 'history-unavailable');
        state.retry = setTimeout(() => {
          state.retry = undefined;
          if (this.channels.get(state.channel) === state) this.fill(state, afterSeq, attempt + 1);
        }, delay);
      },
    );
  }

  private applyLog(state: ChannelState, afterSeq: number, log: ChannelLog): void {
    if (log.epoch !== state.epoch) {
      this.reset(state, log.epoch);
      // The read was positioned in the old epoch: read the new one from its start.
      if (log.epoch !== null && afterSeq !== 0) return this.fill(state, 0);
    }
    for (const message of log.messages) {
      if (message.epoch !== state.epoch || message.seq <= state.last) continue;
      if (message.seq > state.last + 1) this.reportLost(state, message.seq - 1, 'history-insufficient');
      state.last = message.seq;
      this.counts.recovered++;
      this.deliver(message);
    }
    this.settle(state, 'history-insufficient');
  }

  /**
   * Ends a fill. If the message that opened the gap is still past the next seq, the history
   * could not cover it: report the hole and move on, or the same gap would be read forever.
   */
  private settle(state: ChannelState, reason: 'history-insufficient' | 'history-unavailable'): void {
    const head = state.buffer[0];
    if (head && head.epoch === state.epoch && head.seq > state.last + 1) {
      this.reportLost(state, head.seq - 1, reason);
      state.last = head.seq - 1;
    }
    state.busy = false;
    this.pump(state);
  }

  private reset(state: ChannelState, epoch: string | null): void {
    const previousEpoch = state.epoch;
    if (previousEpoch !== null) {
      state.retired.push(previousEpoch);
      if (state.retired.length > MAX_RETIRED_EPOCHS) state.retired.shift();
      this.counts.resets++;
      this.report({
        reason: 'broker-reset',
        channel: state.channel,
        previousEpoch,
        lastSeq: state.last,
        epoch,
      });
    }
    state.epoch = epoch;
    state.last = 0;
  }

  private reportLost(
    state: ChannelState,
    toSeq: number,
    reason: 'history-insufficient' | 'history-unavailable',
  ): void {
    const fromSeq = state.last + 1;
    if (state.epoch === null || toSeq < fromSeq) return;
    this.counts.lost += toSeq - fromSeq + 1;
    this.report({ reason, channel: state.channel, epoch: state.epoch, fromSeq, toSeq });
  }

  private report(gap: DeliveryGap): void {
    try {
      this.options.onGap?.(gap);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private deliver(message: SequencedMessage): void {
    this.counts.delivered++;
    try {
      this.options.deliver(toBrokerMessage(message));
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
