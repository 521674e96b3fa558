/**
 * The broker adapter: how a reference node shares pub/sub channels with the rest of the
 * fleet. Two implementations share this interface: Redis (the real one, via ioredis) and a
 * small embedded relay for machines without Redis.
 *
 * Every message gets a per-channel sequence number, assigned by the broker in publish
 * order, and the broker keeps a bounded recent history per channel, so a client that
 * reconnects anywhere can ask for what it missed and learn explicitly when the history no
 * longer covers the gap.
 */

/** A message as the broker delivers it. */
export interface BrokerMessage {
  readonly channel: string;
  /** 1, 2, 3… per channel, in publish order, never reused. */
  readonly seq: number;
  /** The application payload (JSON-serializable). */
  readonly data: unknown;
  /** Epoch ms when the broker accepted it. */
  readonly publishedAt: number;
  /** Node id of the publisher. */
  readonly origin: string;
}

/** The answer to a history request. */
export type HistoryResult =
  | { readonly ok: true; readonly messages: readonly BrokerMessage[] }
  /** The history no longer reaches back to `afterSeq + 1`: messages were lost to the client. */
  | {
      readonly ok: false;
      readonly insufficient: true;
      readonly oldestSeq: number | null;
      readonly latestSeq: number;
    };

/** Broker reachability, as a node reports it. */
export type BrokerStatus = 'up' | 'down';

/** What every broker adapter offers a node. */
export interface Broker {
  /** Which implementation this is ('redis' | 'relay'), for logs and health. */
  readonly kind: string;
  /** Reachability now. */
  readonly status: BrokerStatus;
  /** Called on every status change (and never throws into the broker). */
  onStatus(listener: (status: BrokerStatus) => void): () => void;
  /** Publishes; resolves with the assigned sequence number. Rejects while the broker is down. */
  publish(channel: string, data: unknown): Promise<number>;
  /**
   * Starts receiving a channel's messages (call once per channel that has local
   * subscribers; the adapter resubscribes by itself after a reconnect).
   */
  subscribe(channel: string): void;
  /** Stops receiving a channel. */
  unsubscribe(channel: string): void;
  /**
   * Called when the broker lost a channel's state (a restart without persistence): its seq
   * starts again at 1, before the first message of the new sequence is delivered.
   */
  onReset(listener: (channel: string) => void): () => void;
  /** Called for every message of every subscribed channel, in per-channel seq order. */
  onMessage(listener: (message: BrokerMessage) => void): () => void;
  /** Messages of `channel` with seq > `afterSeq`, oldest first, from the bounded history. */
  history(channel: string, afterSeq: number): Promise<HistoryResult>;
  /** The latest seq of a channel (0 if none). */
  latestSeq(channel: string): Promise<number>;
  /** Closes every connection. Safe to call twice. */
  close(): Promise<void>;
}

/** Messages kept per channel for resume. */
export const DEFAULT_HISTORY_LENGTH = 1_000;
