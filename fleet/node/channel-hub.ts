/**
 * The node's side of pub/sub: local subscribers of every transport, the broker behind
 * them, and resume. A channel is subscribed at the broker only while it has local
 * subscribers. Each subscriber gets each message once, in seq order: while it catches up
 * from history, live messages for it are buffered, then merged by seq.
 */
import type { Agent } from '../../agent/index.js';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import type { ServerMessage } from './client-protocol.js';

/** A connected client of any transport. */
export interface Subscriber {
  /** Sends one message; must not throw (a dead connection just drops it). */
  send(message: ServerMessage): void;
  /** Sends a channel message already encoded as JSON (encoded once for all recipients). */
  sendEncoded(text: string): void;
}

interface Subscription {
  /** The last seq sent to this subscriber. */
  last: number;
  /** Live messages held back while history is being sent; null once live. */
  pending: BrokerMessage[] | null;
}

/** Bound on live messages held for one subscriber while it catches up. */
const MAX_PENDING = 10_000;

/** Local subscribers, the broker, and per-subscriber ordering. */
export class ChannelHub {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private readonly subscriptions = new Map<Subscriber, Map<string, Subscription>>();
  private readonly stopListening: () => void;

  constructor(
    private readonly broker: Broker,
    private readonly agent: Agent,
  ) {
    const stopMessages = broker.onMessage((message) => this.deliver(message));
    const stopResets = broker.onReset((channel) => this.reset(channel));
    this.stopListening = () => {
      stopMessages();
      stopResets();
    };
  }

  /** Subscribes; with `since`, first sends what the subscriber missed after that seq. */
  async subscribe(subscriber: Subscriber, channel: string, since?: number): Promise<void> {
    const own = this.subscriptions.get(subscriber) ?? new Map<string, Subscription>();
    this.subscriptions.set(subscriber, own);
    if (own.has(channel)) return;
    const subscription: Subscription = { last: since ?? 0, pending: [] };
    own.set(channel, subscription);
    const local = this.channels.get(channel) ?? new Set<Subscriber>();
    if (local.size === 0) this.broker.subscribe(channel);
    this.channels.set(channel, local.add(subscriber));
    this.agent.channels.subscribed(channel, 1);

    try {
      if (since === undefined) subscription.last = await this.broker.latestSeq(channel);
      else await this.fill(subscriber, channel, subscription, since);
    } catch (error) {
      // The broker is away: go live anyway; the flush below repairs what it can.
      subscriber.send({ op: 'error', message: `resume failed: ${(error as Error).message}` });
    }
    if (own.get(channel) !== subscription) return; // unsubscribed meanwhile
    await this.flush(subscriber, channel, subscription);
    subscriber.send({ op: 'subscribed', channel, latest: subscription.last });
  }

  /** Unsubscribes one channel. */
  unsubscribe(subscriber: Subscriber, channel: string): void {
    const own = this.subscriptions.get(subscriber);
    if (!own?.delete(channel)) return;
    this.agent.channels.subscribed(channel, -1);
    const local = this.channels.get(channel);
    local?.delete(subscriber);
    if (local?.size === 0) {
      this.channels.delete(channel);
      this.broker.unsubscribe(channel);
    }
  }

  /** Forgets a subscriber that disconnected. */
  drop(subscriber: Subscriber): void {
    for (const channel of [...(this.subscriptions.get(subscriber)?.keys() ?? [])])
      this.unsubscribe(subscriber, channel);
    this.subscriptions.delete(subscriber);
  }

  /** Publishes through the broker; resolves with the seq. */
  async publish(channel: string, data: unknown, bytes: number): Promise<number> {
    const seq = await this.broker.publish(channel, data);
    this.agent.channels.published(channel, bytes);
    return seq;
  }

  /** Stops listening to the broker. */
  dispose(): void {
    this.stopListening();
  }

  /**
   * The broker lost the channel's state and starts its seq again at 1: restart every local
   * subscriber's bookkeeping and tell the client, so it resumes from the new sequence.
   */
  private reset(channel: string): void {
    for (const subscriber of this.channels.get(channel) ?? []) {
      const subscription = this.subscriptions.get(subscriber)?.get(channel);
      if (!subscription) continue;
      subscriber.send({ op: 'gap', channel, after: subscription.last, resumeFrom: 1 });
      subscription.last = 0;
    }
  }

  /** Sends what the history holds after `after`, or a gap and what is left when it reaches back less far. */
  private async fill(
    subscriber: Subscriber,
    channel: string,
    subscription: Subscription,
    after: number,
  ): Promise<void> {
    const history = await this.broker.history(channel, after);
    if (history.ok) {
      for (const message of history.messages) this.send(subscriber, subscription, message);
      return;
    }
    const resumeFrom = history.oldestSeq ?? history.latestSeq + 1;
    subscriber.send({ op: 'gap', channel, after, resumeFrom });
    subscription.last = Math.max(subscription.last, resumeFrom - 1);
    const rest = await this.broker.history(channel, subscription.last);
    if (rest.ok) for (const message of rest.messages) this.send(subscriber, subscription, message);
  }

  /**
   * Ends a catch-up: sends the live messages held back meanwhile, in order. When they start
   * past the next expected seq (a message published while the broker subscription was being
   * set up, say), the hole is first filled from the history.
   */
  private async flush(subscriber: Subscriber, channel: string, subscription: Subscription): Promise<void> {
    const first = subscription.pending?.find((message) => message.seq > subscription.last);
    if (first !== undefined && first.seq > subscription.last + 1) {
      try {
        await this.fill(subscriber, channel, subscription, subscription.last);
      } catch {
        // The broker is away: deliver what we hold; the client sees the hole in the seqs.
      }
    }
    const pending = subscription.pending ?? [];
    subscription.pending = null;
    for (const message of pending) this.send(subscriber, subscription, message);
  }

  private deliver(message: BrokerMessage): void {
    const local = this.channels.get(message.channel);
    if (!local) return;
    const text = encodeMessage(message);
    let recipients = 0;
    for (const subscriber of local) {
      const subscription = this.subscriptions.get(subscriber)?.get(message.channel);
      if (!subscription) continue;
      if (subscription.pending === null && message.seq > subscription.last + 1) {
        // A hole for this subscriber: hold live messages while the history fills it.
        subscription.pending = [message];
        void this.flush(subscriber, message.channel, subscription);
        continue;
      }
      if (subscription.pending !== null) {
        if (subscription.pending.length < MAX_PENDING) subscription.pending.push(message);
        continue;
      }
      if (this.send(subscriber, subscription, message, text)) recipients++;
    }
    if (recipients > 0)
      this.agent.channels.delivered(message.channel, recipients, recipients * Buffer.byteLength(text));
  }

  /** Sends a message unless the subscriber already has it. */
  private send(
    subscriber: Subscriber,
    subscription: Subscription,
    message: BrokerMessage,
    text?: string,
  ): boolean {
    if (message.seq <= subscription.last) return false;
    subscription.last = message.seq;
    subscriber.sendEncoded(text ?? encodeMessage(message));
    return true;
  }
}

function encodeMessage(message: BrokerMessage): string {
  const payload: ServerMessage = {
    op: 'msg',
    channel: message.channel,
    seq: message.seq,
    data: message.data,
  };
  return JSON.stringify(payload);
}
