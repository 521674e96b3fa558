/**
 * What the Redis and relay adapters share below the Broker contract: the limits they
 * enforce, the message shape they carry on the wire (a BrokerMessage plus the channel's
 * epoch), its validation, and the mapping from a channel's log to a HistoryResult.
 */
import { randomBytes } from 'node:crypto';
import type { BrokerMessage, HistoryResult } from './broker.js';

/** Longest channel name either adapter accepts (the node's client protocol uses the same bound). */
export const MAX_CHANNEL_LENGTH = 200;

/** Largest encoded message either adapter publishes: a broker is no place for bulk data. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Largest history window an adapter accepts as an option. */
export const MAX_HISTORY_LENGTH = 1_000_000;

/** A message as the adapters carry it: the contract's fields plus the channel's epoch. */
export interface SequencedMessage extends BrokerMessage {
  /**
   * One life of the channel's sequence on the broker. It changes when the broker loses the
   * channel's state (a restart without persistence, a flush, an eviction) and seq restarts at
   * 1: that is how a reader tells "seq went back to 1" from "a duplicate".
   */
  readonly epoch: string;
}

/** What the broker holds for one channel, read at one instant. */
export interface ChannelLog {
  /** The channel's current epoch; null when the broker holds nothing for it. */
  readonly epoch: string | null;
  /** The latest seq of the current epoch (0 if none). */
  readonly latestSeq: number;
  /**
   * Held messages after the requested seq, oldest first, within the reader's window (the
   * last `historyLength` seqs). When the requested seq is past `latestSeq` (a position in a
   * lost epoch), the whole window.
   */
  readonly messages: readonly SequencedMessage[];
}

/** Publishing or reading needs the broker and it is not reachable now. */
export class BrokerDownError extends Error {
  override readonly name = 'BrokerDownError';
}

/** Throws a TypeError unless `channel` is a string of 1–200 characters. */
export function assertChannel(channel: unknown): asserts channel is string {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_LENGTH) {
    throw new TypeError(`channel must be a string of 1–${MAX_CHANNEL_LENGTH} characters`);
  }
}

/** Throws a TypeError unless `afterSeq` is a non-negative safe integer. */
export function assertAfterSeq(afterSeq: unknown): asserts afterSeq is number {
  if (!Number.isSafeInteger(afterSeq) || (afterSeq as number) < 0) {
    throw new TypeError('afterSeq must be a non-negative integer');
  }
}

/** Validates the common adapter options and returns the history length to use. */
export function checkAdapterOptions(
  kind: string,
  options: { readonly url?: unknown; readonly nodeId?: unknown; readonly historyLength?: unknown },
  defaultHistoryLength: number,
): number {
  if (typeof options.url !== 'string' || options.url.length === 0) {
    throw new TypeError(`${kind} broker: url must be a non-empty string`);
  }
  if (
    typeof options.nodeId !== 'string' ||
    options.nodeId.length === 0 ||
    options.nodeId.length > MAX_CHANNEL_LENGTH
  ) {
    throw new TypeError(`${kind} broker: nodeId must be a string of 1–${MAX_CHANNEL_LENGTH} characters`);
  }
  const historyLength = options.historyLength ?? defaultHistoryLength;
  if (!Number.isInteger(historyLength) || (historyLength as number) < 1) {
    throw new TypeError(`${kind} broker: historyLength must be a positive integer`);
  }
  if ((historyLength as number) > MAX_HISTORY_LENGTH) {
    throw new TypeError(`${kind} broker: historyLength must be at most ${MAX_HISTORY_LENGTH}`);
  }
  return historyLength as number;
}

/** A fresh epoch: random, so two incarnations of a channel never share one. */
export function newEpoch(): string {
  return randomBytes(9).toString('base64url');
}

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a decoded wire message and returns it typed, or null when any field is wrong.
 * `channel` is where it arrived; a message that names another channel is rejected.
 */
export function parseSequencedMessage(channel: string, value: unknown): SequencedMessage | null {
  if (!isRecord(value)) return null;
  const { seq, epoch, publishedAt, origin } = value;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) return null;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) return null;
  if (typeof publishedAt !== 'number' || !Number.isFinite(publishedAt)) return null;
  if (typeof origin !== 'string' || origin.length > MAX_CHANNEL_LENGTH) return null;
  if (value.channel !== undefined && value.channel !== channel) return null;
  return {
    channel,
    seq: seq as number,
    epoch,
    publishedAt,
    origin,
    data: value.data === undefined ? null : value.data,
  };
}

/** Drops the adapter-internal fields: listeners see exactly the contract's shape. */
export function toBrokerMessage(message: SequencedMessage): BrokerMessage {
  return {
    channel: message.channel,
    seq: message.seq,
    data: message.data,
    publishedAt: message.publishedAt,
    origin: message.origin,
  };
}

/**
 * The contract's answer for `history(channel, afterSeq)` from the channel's log. A position
 * past the latest seq can only come from an epoch the broker has lost (seq never goes back
 * otherwise), so it is reported as insufficient: the caller did lose messages.
 */
export function historyFromLog(log: ChannelLog, afterSeq: number): HistoryResult {
  const held = log.messages.filter((message) => message.epoch === log.epoch);
  const oldestSeq = held[0]?.seq ?? null;
  if (afterSeq > log.latestSeq) {
    return { ok: false, insufficient: true, oldestSeq, latestSeq: log.latestSeq };
  }
  const wanted = held.filter((message) => message.seq > afterSeq);
  if (afterSeq === log.latestSeq) return { ok: true, messages: [] };
  if (wanted[0]?.seq !== afterSeq + 1) {
    return { ok: false, insufficient: true, oldestSeq, latestSeq: log.latestSeq };
  }
  return { ok: true, messages: wanted.map(toBrokerMessage) };
}

/** Serializes application data for a message, or throws a TypeError it cannot be carried. */
export function encodeData(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    throw new TypeError(`data must be JSON-serializable: ${(error as Error).message}`);
  }
  // undefined (and functions) have no JSON form; the contract's readers get null.
  return text ?? 'null';
}
