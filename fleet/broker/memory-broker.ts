/**
 * An in-process broker: the Broker contract for a single node on its own (unit tests,
 * `node-main` without --broker). It shares nothing with other processes.
 */
import { type Broker, type BrokerMessage, DEFAULT_HISTORY_LENGTH, type HistoryResult } from './broker.js';

/** Creates a broker that lives and dies with this process. */
export function createMemoryBroker(options: { nodeId: string; historyLength?: number }): Broker {
  const historyLength = options.historyLength ?? DEFAULT_HISTORY_LENGTH;
  const histories = new Map<string, BrokerMessage[]>();
  const latest = new Map<string, number>();
  const subscribed = new Set<string>();
  const listeners = new Set<(message: BrokerMessage) => void>();

  return {
    kind: 'memory',
    status: 'up',
    onStatus: () => () => {},
    // In-process state is never lost while the broker lives.
    onReset: () => () => {},
    async publish(channel, data) {
      const seq = (latest.get(channel) ?? 0) + 1;
      latest.set(channel, seq);
      const message: BrokerMessage = { channel, seq, data, publishedAt: Date.now(), origin: options.nodeId };
      const history = histories.get(channel) ?? [];
      history.push(message);
      if (history.length > historyLength) history.shift();
      histories.set(channel, history);
      // Deliver asynchronously, as a real broker would.
      if (subscribed.has(channel)) {
        queueMicrotask(() => {
          for (const listener of listeners) listener(message);
        });
      }
      return seq;
    },
    subscribe: (channel) => void subscribed.add(channel),
    unsubscribe: (channel) => void subscribed.delete(channel),
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async history(channel, afterSeq): Promise<HistoryResult> {
      const history = histories.get(channel) ?? [];
      const newest = latest.get(channel) ?? 0;
      const oldest = history[0]?.seq ?? null;
      if (afterSeq < newest && (oldest === null || oldest > afterSeq + 1)) {
        return { ok: false, insufficient: true, oldestSeq: oldest, latestSeq: newest };
      }
      return { ok: true, messages: history.filter((message) => message.seq > afterSeq) };
    },
    latestSeq: async (channel) => latest.get(channel) ?? 0,
    close: async () => {
      listeners.clear();
    },
  };
}
