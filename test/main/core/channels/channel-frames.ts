/** Sample frames with channel figures, for the channels unit tests. */
import type { ChannelFigures, SampleFrame } from '../../../../agent/protocol.js';
import { sampleFrame } from '../../../helpers/frames.js';

/** A channel entry with zero figures but those given. */
export function entry(name: string, figures: Partial<Omit<ChannelFigures, 'name'>> = {}): ChannelFigures {
  return { name, published: 0, delivered: 0, bytesIn: 0, bytesOut: 0, subscribers: 0, error: 0, ...figures };
}

/** Cumulative channel totals. */
export interface Totals {
  published: number;
  delivered: number;
  bytesIn: number;
  bytesOut: number;
}

/** A sample whose channel part is `top` over `intervalMs`, with cumulative `totals`. */
export function channelSample(
  seq: number,
  time: number,
  top: readonly ChannelFigures[],
  totals: Totals,
  intervalMs = 1000,
): SampleFrame {
  return sampleFrame(seq, time, {
    channels: { intervalMs, top, totals, subscribedChannels: 0, subscribers: 0, rejected: 0 },
  });
}

/**
 * A node that publishes on channels at fixed per-interval counts and keeps its cumulative totals
 * right: `next(counts)` gives the next sample, with `extra` messages on channels it does not list.
 */
export class FakeNode {
  seq = 0;
  time: number;
  readonly totals: Totals = { published: 0, delivered: 0, bytesIn: 0, bytesOut: 0 };

  constructor(
    start = 1_000_000,
    readonly intervalMs = 1000,
  ) {
    this.time = start;
  }

  /** The next sample: `top` listed, and `unlisted` figures counted only in the totals. */
  next(top: readonly ChannelFigures[], unlisted: Partial<Totals> = {}): SampleFrame {
    this.seq++;
    this.time += this.intervalMs;
    for (const figures of top) {
      this.totals.published += figures.published;
      this.totals.delivered += figures.delivered;
      this.totals.bytesIn += figures.bytesIn;
      this.totals.bytesOut += figures.bytesOut;
    }
    this.totals.published += unlisted.published ?? 0;
    this.totals.delivered += unlisted.delivered ?? 0;
    this.totals.bytesIn += unlisted.bytesIn ?? 0;
    this.totals.bytesOut += unlisted.bytesOut ?? 0;
    return channelSample(this.seq, this.time, top, { ...this.totals }, this.intervalMs);
  }
}
