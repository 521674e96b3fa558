/**
 * The Redis broker adapter (ioredis). Two connections: commands (publish, history) and a
 * subscriber. Per channel the broker keeps, under a key prefix (several fleets can share
 * one Redis):
 *
 *   {prefix}seq:{channel}   hash  seq (INCR'd per publish), epoch (set when seq is 1)
 *   {prefix}hist:{channel}  stream of the last ~historyLength payloads, entry id = `{seq}-0`
 *   {prefix}ch:{channel}    the pub/sub channel
 *
 * Publishing is one Lua script, so assigning the seq, appending to the history and
 * PUBLISH are atomic and ordered per channel: every subscriber sees seq order, and a seq
 * that was published is always in the history first.
 *
 * Outages: the command connection has no offline queue, so a publish while Redis is away
 * rejects at once instead of piling up; both connections reconnect with capped, jittered
 * backoff forever. The subscriber resubscribes every wanted channel on each reconnect
 * (ioredis's own autoResubscribe only knows channels whose SUBSCRIBE reached the server
 * before the drop, not the ones added or removed during the outage), and the broker is
 * 'up' only once that is done. Then SequencedDelivery reads what each channel missed from
 * the history.
 *
 * A Redis restarted without persistence has lost every key, so seq starts at 1 again with a
 * new epoch: SequencedDelivery reports a 'broker-reset' gap and delivers the new epoch from
 * its first message; history() answers "insufficient" for positions of the lost epoch.
 */
import { Redis, type RedisOptions } from 'ioredis';
import {
  type Broker,
  type BrokerMessage,
  type BrokerStatus,
  DEFAULT_HISTORY_LENGTH,
  type HistoryResult,
} from './broker.js';
import {
  assertAfterSeq,
  assertChannel,
  BrokerDownError,
  type ChannelLog,
  checkAdapterOptions,
  encodeData,
  historyFromLog,
  MAX_MESSAGE_BYTES,
  newEpoch,
  parseSequencedMessage,
  type SequencedMessage,
} from './broker-message.js';
import { BrokerSignals } from './listeners.js';
import { type DeliveryGap, type DeliveryStats, SequencedDelivery } from './sequenced-delivery.js';

/** Options for {@link createRedisBroker}. */
export interface RedisBrokerOptions {
  /** `redis://host:port` (or `rediss://`, with credentials if any). */
  readonly url: string;
  /** This node's id: the `origin` of what it publishes. */
  readonly nodeId: string;
  /**
   * Messages per channel kept for resume, and the window history() reads. Default
   * {@link DEFAULT_HISTORY_LENGTH}. Trimming is approximate (MAXLEN ~), so Redis may hold a
   * few more; history() never reads past the last `historyLength` seqs, so answers do not
   * depend on when Redis trimmed.
   */
  readonly historyLength?: number;
  /** Prefix of every key and pub/sub channel. Default 'fd:'. */
  readonly prefix?: string;
  /** A command without a reply after this long rejects (a hung Redis must not hang a publish). Default 2 000 ms. */
  readonly commandTimeoutMs?: number;
  /** Ceiling of the reconnect backoff. Default 1 000 ms. */
  readonly maxReconnectDelayMs?: number;
  /** Told about every loss history could not cover, and about broker resets. */
  readonly onGap?: (gap: DeliveryGap) => void;
  /** Told when a status or message listener throws (the broker carries on). */
  readonly onError?: (error: unknown) => void;
}

/** Counters of a Redis broker since it was created. */
export interface RedisBrokerStats extends DeliveryStats {
  /** Pub/sub payloads that were not a valid message: dropped. */
  readonly malformed: number;
  /** Connection errors seen (refused, reset…): each is followed by a reconnect. */
  readonly connectionErrors: number;
  readonly listenerErrors: number;
}

/** A Broker on Redis, with counters. */
export interface RedisBroker extends Broker {
  readonly kind: 'redis';
  /** Counters since creation. */
  stats(): RedisBrokerStats;
}

/**
 * KEYS: seq hash, history stream. ARGV: pub/sub channel, payload head (JSON up to and
 * including `"seq":`), history length, an epoch to use if the channel is new.
 * The payload is concatenated, not built with cjson: cjson would turn large integers in
 * the application data into floats. Returns the seq.
 */
export const PUBLISH_SCRIPT = `
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if seq == 1 or not epoch then
  -- A new life of the channel: a stream left from an old one would hold larger ids.
  epoch = ARGV[4]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
  redis.call('DEL', KEYS[2])
end
local now = redis.call('TIME')
local publishedAt = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local payload = ARGV[2] .. seq .. ',"publishedAt":' .. publishedAt .. ',"epoch":"' .. epoch .. '"}'
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'm', payload)
redis.call('PUBLISH', ARGV[1], payload)
return seq
`;

/**
 * KEYS: seq hash, history stream. ARGV: afterSeq, history length. Returns
 * {latestSeq, epoch or '', entries after afterSeq within the last `length` seqs}; for a
 * position past the latest seq (an epoch Redis lost), the whole window.
 */
export const LOG_SCRIPT = `
local latest = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local epoch = redis.call('HGET', KEYS[1], 'epoch') or ''
local after = tonumber(ARGV[1])
local length = tonumber(ARGV[2])
if after > latest then after = 0 end
local first = math.max(after + 1, latest - length + 1)
if first > latest then return {latest, epoch, {}} end
return {latest, epoch, redis.call('XRANGE', KEYS[2], first .. '-0', '+', 'COUNT', length)}
`;

interface BrokerCommands {
  fleetdeckPublish(
    seqKey: string,
    historyKey: string,
    channel: string,
    head: string,
    historyLength: number,
    epoch: string,
  ): Promise<number>;
  fleetdeckLog(seqKey: string, historyKey: string, afterSeq: number, historyLength: number): Promise<unknown>;
}

const SUBSCRIBE_BATCH = 1_000;
const QUIT_TIMEOUT_MS = 2_000;

/** Creates a Redis broker; it connects at once and reports 'up' when ready. */
export function createRedisBroker(options: RedisBrokerOptions): RedisBroker {
  return new RedisBrokerAdapter(options);
}

class RedisBrokerAdapter implements RedisBroker {
  readonly kind = 'redis' as const;
  private readonly historyLength: number;
  private readonly prefix: string;
  private readonly commands: Redis & BrokerCommands;
  private readonly subscriber: Redis;
  /** The channels the node wants: the truth the subscriber is reconciled to on each reconnect. */
  private readonly wanted = new Set<string>();
  private readonly delivery: SequencedDelivery;
  private readonly signals: BrokerSignals;
  private commandsReady = false;
  private subscribed = false;
  /** Bumped on every subscriber (re)connect, so a resubscription from an older one is ignored. */
  private subscriberGeneration = 0;
  private closing: Promise<void> | null = null;
  private counts = { malformed: 0, connectionErrors: 0, listenerErrors: 0 };

  constructor(private readonly options: RedisBrokerOptions) {
    this.historyLength = checkAdapterOptions('redis', options, DEFAULT_HISTORY_LENGTH);
    if (!/^rediss?:\/\//.test(options.url)) throw new TypeError('redis broker: url must start with redis://');
    this.prefix = options.prefix ?? 'fd:';
    const onListenerError = (error: unknown) => {
      this.counts.listenerErrors++;
      options.onError?.(error);
    };
    this.signals = new BrokerSignals(onListenerError);
    this.delivery = new SequencedDelivery({
      readLog: (channel, afterSeq) => this.readLog(channel, afterSeq),
      deliver: (message) => this.signals.deliver(message),
      onGap: this.signals.gapHandler(options.onGap),
      onError: onListenerError,
    });

    const maxDelay = options.maxReconnectDelayMs ?? 1_000;
    const connection: RedisOptions = {
      // Fail fast while Redis is away: a publish must reject, not wait in a queue.
      enableOfflineQueue: false,
      // Reject what was in flight when the connection dropped rather than resend it after
      // the reconnect: a resent publish could be published twice.
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      // Capped exponential backoff with jitter, so a fleet does not reconnect in lockstep;
      // returning a number every time means it never gives up.
      retryStrategy: (times) => {
        const ceiling = Math.min(maxDelay, 50 * 2 ** Math.min(times, 16));
        return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      },
      // Redis 7.0 has no CLIENT SETINFO.
      disableClientInfo: true,
    };
    const name = `fleetdeck:${options.nodeId.replace(/[^\w.:-]/g, '_')}`;
    this.commands = new Redis(options.url, { ...connection, connectionName: name }) as Redis & BrokerCommands;
    this.commands.defineCommand('fleetdeckPublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
    this.commands.defineCommand('fleetdeckLog', { numberOfKeys: 2, lua: LOG_SCRIPT, readOnly: true });
    this.subscriber = new Redis(options.url, {
      ...connection,
      connectionName: `${name}:sub`,
      autoResubscribe: false,
    });

    const onConnectionError = () => void this.counts.connectionErrors++;
    this.commands.on('error', onConnectionError);
    this.subscriber.on('error', onConnectionError);
    this.commands.on('ready', () => {
      this.commandsReady = true;
      this.updateStatus();
    });
    this.commands.on('close', () => {
      this.commandsReady = false;
      this.updateStatus();
    });
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('close', () => {
      this.subscriberGeneration++;
      this.subscribed = false;
      this.updateStatus();
    });
    this.subscriber.on('message', (redisChannel: string, payload: string) =>
      this.receive(redisChannel, payload),
    );
  }

  get status(): BrokerStatus {
    return this.signals.status;
  }

  onStatus(listener: (status: BrokerStatus) => void): () => void {
    return this.signals.onStatus(listener);
  }

  onReset(listener: (channel: string) => void): () => void {
    return this.signals.onReset(listener);
  }

  onMessage(listener: (message: BrokerMessage) => void): () => void {
    return this.signals.onMessage(listener);
  }

  async publish(channel: string, data: unknown): Promise<number> {
    assertChannel(channel);
    const head = `{"origin":${JSON.stringify(this.options.nodeId)},"data":${encodeData(data)},"seq":`;
    if (Buffer.byteLength(head) > MAX_MESSAGE_BYTES) {
      throw new RangeError(`message exceeds ${MAX_MESSAGE_BYTES} bytes`);
    }
    if (this.closing) throw new BrokerDownError('redis broker is closed');
    if (this.signals.status !== 'up') throw new BrokerDownError('redis broker is down');
    try {
      const seq = await this.commands.fleetdeckPublish(
        this.key('seq', channel),
        this.key('hist', channel),
        this.key('ch', channel),
        head,
        this.historyLength,
        newEpoch(),
      );
      return Number(seq);
    } catch (error) {
      throw asBrokerError(error);
    }
  }

  subscribe(channel: string): void {
    assertChannel(channel);
    if (this.closing || this.wanted.has(channel)) return;
    this.wanted.add(channel);
    this.delivery.track(channel);
    // While the subscriber is away, the reconnect's resubscription covers this channel.
    if (this.subscriber.status === 'ready') {
      this.subscriber.subscribe(this.key('ch', channel)).catch(() => this.counts.connectionErrors++);
    }
  }

  unsubscribe(channel: string): void {
    assertChannel(channel);
    if (!this.wanted.delete(channel)) return;
    this.delivery.untrack(channel);
    if (this.subscriber.status === 'ready') {
      this.subscriber.unsubscribe(this.key('ch', channel)).catch(() => this.counts.connectionErrors++);
    }
  }

  async history(channel: string, afterSeq: number): Promise<HistoryResult> {
    assertChannel(channel);
    assertAfterSeq(afterSeq);
    return historyFromLog(await this.readLog(channel, afterSeq), afterSeq);
  }

  async latestSeq(channel: string): Promise<number> {
    assertChannel(channel);
    if (this.closing) throw new BrokerDownError('redis broker is closed');
    try {
      return Number((await this.commands.hget(this.key('seq', channel), 'seq')) ?? 0);
    } catch (error) {
      throw asBrokerError(error);
    }
  }

  stats(): RedisBrokerStats {
    return { ...this.delivery.stats(), ...this.counts };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.delivery.dispose();
      this.setStatus('down');
      this.signals.clear();
      await Promise.all([quit(this.commands), quit(this.subscriber)]);
    })();
    return this.closing;
  }

  private key(kind: 'seq' | 'hist' | 'ch', channel: string): string {
    return `${this.prefix}${kind}:${channel}`;
  }

  private async readLog(channel: string, afterSeq: number): Promise<ChannelLog> {
    if (this.closing) throw new BrokerDownError('redis broker is closed');
    let reply: unknown;
    try {
      reply = await this.commands.fleetdeckLog(
        this.key('seq', channel),
        this.key('hist', channel),
        afterSeq,
        this.historyLength,
      );
    } catch (error) {
      throw asBrokerError(error);
    }
    if (!Array.isArray(reply) || reply.length !== 3 || !Array.isArray(reply[2])) {
      throw new Error('redis broker: unexpected history reply');
    }
    const [latest, epoch, entries] = reply as [unknown, unknown, unknown[]];
    const messages: SequencedMessage[] = [];
    for (const entry of entries) {
      // An entry is [id, [field, value]]; the only field is 'm'.
      const payload = Array.isArray(entry) && Array.isArray(entry[1]) ? entry[1][1] : undefined;
      const message = typeof payload === 'string' ? parsePayload(channel, payload) : null;
      if (message) messages.push(message);
      else this.counts.malformed++;
    }
    return {
      epoch: typeof epoch === 'string' && epoch.length > 0 ? epoch : null,
      latestSeq: Number(latest) || 0,
      messages,
    };
  }

  private receive(redisChannel: string, payload: string): void {
    const channelPrefix = `${this.prefix}ch:`;
    if (!redisChannel.startsWith(channelPrefix)) return;
    const channel = redisChannel.slice(channelPrefix.length);
    const message = parsePayload(channel, payload);
    if (!message) {
      this.counts.malformed++;
      return;
    }
    if (this.wanted.has(channel)) this.delivery.accept(message);
  }

  private async resubscribe(): Promise<void> {
    const generation = ++this.subscriberGeneration;
    const channels = [...this.wanted].map((channel) => this.key('ch', channel));
    try {
      for (let start = 0; start < channels.length; start += SUBSCRIBE_BATCH) {
        await this.subscriber.subscribe(...channels.slice(start, start + SUBSCRIBE_BATCH));
      }
    } catch {
      // Most likely the connection dropped again: its next 'ready' starts over. If it is
      // still up, something odd happened: reconnect rather than stay half subscribed.
      this.counts.connectionErrors++;
      if (generation === this.subscriberGeneration && this.subscriber.status === 'ready') {
        this.subscriber.disconnect(true);
      }
      return;
    }
    if (generation !== this.subscriberGeneration || this.closing) return;
    this.subscribed = true;
    this.updateStatus();
  }

  private updateStatus(): void {
    this.setStatus(this.commandsReady && this.subscribed && !this.closing ? 'up' : 'down');
  }

  private setStatus(status: BrokerStatus): void {
    if (!this.signals.setStatus(status)) return;
    // Back up: read what each channel missed while the subscription was down.
    if (status === 'up') this.delivery.catchUp();
  }
}

function parsePayload(channel: string, payload: string): SequencedMessage | null {
  try {
    return parseSequencedMessage(channel, JSON.parse(payload));
  } catch {
    return null;
  }
}

/** Connection-level failures become BrokerDownError; Redis's own errors (a bad script) stay as they are. */
function asBrokerError(error: unknown): Error {
  if (error instanceof Error && error.name === 'ReplyError') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BrokerDownError(`redis unreachable: ${message}`, { cause: error });
}

/** QUIT when connected (a clean goodbye), then disconnect: also stops a pending reconnect. */
async function quit(client: Redis): Promise<void> {
  // Read through a function: the status changes under our feet, and TypeScript would
  // otherwise narrow it after the first comparison.
  const status = (): string => client.status;
  if (status() === 'ready') await client.quit().catch(() => {});
  if (status() === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  client.disconnect();
  // While waiting to reconnect there is no socket, and disconnect() only cancels the timer:
  // no 'end' will come, and nothing is left to wait for.
  if (['reconnecting', 'close', 'end'].includes(status())) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)))]);
  clearTimeout(timer);
}
