/**
 * Rising channels: publish + deliveries per second now against a minute ago. Pure.
 *
 * A channel is rising when now ≥ factor × max(a minute ago, floor): with the defaults, it
 * tripled over the minute and carries at least 15 messages a second, so a channel going from
 * 1 to 4 messages a second is not flagged. "Now" is the mean of the last 3 ticks and "a minute
 * ago" the mean of the 5 ticks around 60 s back, so one noisy second neither raises nor hides
 * the marker. Where the console has watched for less than a minute (but at least 10 s), "a
 * minute ago" is the oldest point it has.
 *
 * Channels with no history a minute ago (they were not among the hottest 200 then) are looked
 * up in {@link MinuteAgo}: a coarse record, every 10 s, of the hottest 1,000 channels of the
 * merge. A channel absent from a record that held every channel of its merge had no node list
 * it then: 0 (it was below every node's top-K, or silent). Absent from a record that was cut at
 * 1,000 channels: at most the last value kept, which is used, so the factor is a lower bound.
 */

/** How rising is decided. */
export interface RisingRule {
  /** Now must be at least this many times a minute ago. Default 3. */
  readonly factor: number;
  /** …and a minute ago is taken as at least this many messages per second. Default 5. */
  readonly floorPerSec: number;
  /** How far back "a minute ago" is, ms. Default 60 000. */
  readonly lookbackMs: number;
  /** The least time the console must have watched before it marks anything, ms. Default 10 000. */
  readonly minLookbackMs: number;
}

/** The rule in force; a constant in code, reported in every snapshot. */
export const DEFAULT_RISING_RULE: RisingRule = {
  factor: 3,
  floorPerSec: 5,
  lookbackMs: 60_000,
  minLookbackMs: 10_000,
};

/** Ticks averaged for "now". */
export const RISING_NOW_TICKS = 3;
/** Ticks on each side of the reference tick averaged for "a minute ago". */
export const RISING_BEFORE_HALF_WIDTH = 2;

/** now ÷ max(before, floor) when that reaches the rule's factor; null otherwise or when before is unknown. */
export function risingFactor(
  now: number,
  before: number | null,
  rule: RisingRule = DEFAULT_RISING_RULE,
): number | null {
  if (before === null || !Number.isFinite(now) || !Number.isFinite(before)) return null;
  const factor = now / Math.max(before, rule.floorPerSec);
  return factor >= rule.factor ? factor : null;
}

interface MinuteRecord {
  readonly time: number;
  readonly values: ReadonlyMap<string, number>;
  /** What a channel absent from `values` had at most: 0 when the record holds the whole merge. */
  readonly absentAtMost: number;
}

/** Options for {@link MinuteAgo}. */
export interface MinuteAgoOptions {
  /** Time between records, ms. Default 10 000. */
  readonly everyMs?: number;
  /** Records kept. Default 8 (70 s back and more). */
  readonly keep?: number;
  /** Channels per record. Default 1 000. */
  readonly channels?: number;
}

/**
 * Coarse records of the merge's hottest channels, for channels the history did not keep a
 * minute ago. Bounded: `keep × channels` entries.
 */
export class MinuteAgo {
  private readonly everyMs: number;
  private readonly keep: number;
  /** Channels per record. */
  readonly channels: number;
  private readonly records: MinuteRecord[] = [];

  constructor(options: MinuteAgoOptions = {}) {
    this.everyMs = options.everyMs ?? 10_000;
    this.keep = options.keep ?? 8;
    this.channels = options.channels ?? 1_000;
  }

  /** Entries held now (for memory checks). */
  get size(): number {
    let entries = 0;
    for (const record of this.records) entries += record.values.size;
    return entries;
  }

  /** Whether a record is due at `time`: the last one is `everyMs` old, or there is none. */
  due(time: number): boolean {
    const last = this.records[this.records.length - 1];
    return last === undefined || time - last.time >= this.everyMs;
  }

  /**
   * Takes a record at `time` when one is due: `ranked` hottest first, with each one's publish +
   * deliveries per second (more than `channels` entries tell that the merge was cut).
   */
  record(time: number, ranked: readonly { readonly name: string; readonly activity: number }[]): void {
    if (!this.due(time)) return;
    const kept = ranked.slice(0, this.channels);
    const values = new Map<string, number>();
    for (const { name, activity } of kept) values.set(name, activity);
    const cut = ranked.length > kept.length;
    this.records.push({ time, values, absentAtMost: cut ? (kept[kept.length - 1]?.activity ?? 0) : 0 });
    if (this.records.length > this.keep) this.records.shift();
  }

  /** `name`'s value in the record nearest `at` (within `everyMs`); null when there is none. */
  lookup(name: string, at: number): number | null {
    let nearest: MinuteRecord | null = null;
    for (const record of this.records) {
      if (nearest === null || Math.abs(record.time - at) < Math.abs(nearest.time - at)) nearest = record;
    }
    if (nearest === null || Math.abs(nearest.time - at) > this.everyMs) return null;
    return nearest.values.get(name) ?? nearest.absentAtMost;
  }
}
