/**
 * The broker seen directly. For Redis: one ioredis client per open fleet, connected lazily on
 * the first request; INFO for its figures and PUBSUB NUMSUB for the hottest channels, checked
 * against what the agents report. For the development relay: reachability only.
 *
 * Mapping. The reference nodes publish channel `name` on the Redis channel `{prefix}ch:{name}`
 * (fleet/broker/redis-broker.ts, prefix "fd:"), one Redis channel per fleet channel, and each
 * node holds one Redis subscription to it while it has at least one local subscriber. So
 * NUMSUB counts nodes, not clients: it should equal the number of nodes with local subscribers.
 *
 * It never throws and never hangs: connect and every command time out after about 2 s, there is
 * no offline queue and no background reconnect (the next request tries again), and an
 * unreachable or misbehaving Redis becomes `reachable: false` with a readable problem.
 * Credentials in the URL never appear in the view or a problem.
 */
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import type { BrokerView } from '../../common/models.js';
import { type BrokerConfig, scrub } from './broker-config.js';

/** Channels whose NUMSUB the view reads: the hottest. */
export const BROKER_CHECKED_CHANNELS = 50;
/** Connect and command timeout, ms. */
export const BROKER_TIMEOUT_MS = 2_000;

/** What the agents say about one channel, for the cross-check. */
export interface AgentSubscribers {
  /** Nodes that listed the channel with at least one local subscriber. */
  readonly nodesSubscribed: number;
  /** Local subscribers summed over those nodes. */
  readonly agentSubscribers: number;
  /** Nodes that listed the channel at all (the others may have subscribers the console does not see). */
  readonly nodesListing: number;
}

/** What the view needs from the merge. */
export interface BrokerProbeInput {
  /** The hottest channels, hottest first (at most {@link BROKER_CHECKED_CHANNELS} are read). */
  readonly channels: readonly string[];
  readonly agents: (channel: string) => AgentSubscribers;
  /** Nodes in the merge. */
  readonly nodesReporting: number;
}

/** Reads the broker for the broker view. */
export interface BrokerProbe {
  view(input: BrokerProbeInput): Promise<BrokerView>;
  /** Closes the connection. Safe to call twice. */
  dispose(): Promise<void>;
}

type BrokerInfo = NonNullable<BrokerView['info']>;

/** INFO's `key:value` lines as a map; section headers and blank lines are skipped. */
export function parseRedisInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** The figures the broker view shows, from parsed INFO; a missing or non-numeric field is null. */
export function brokerInfo(fields: ReadonlyMap<string, string>): BrokerInfo {
  const number = (key: string): number | null => {
    const text = fields.get(key);
    if (text === undefined || text === '') return null;
    const value = Number(text);
    return Number.isFinite(value) ? value : null;
  };
  return {
    version: fields.get('redis_version') ?? null,
    connectedClients: number('connected_clients'),
    usedMemoryBytes: number('used_memory'),
    opsPerSec: number('instantaneous_ops_per_sec'),
    pubsubChannels: number('pubsub_channels'),
    pubsubPatterns: number('pubsub_patterns'),
  };
}

/** PUBSUB NUMSUB's flat reply [channel, count, channel, count…] as a map. */
export function parseNumsub(reply: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  if (!Array.isArray(reply)) return counts;
  for (let index = 0; index + 1 < reply.length; index += 2) {
    const channel = reply[index];
    const count = Number(reply[index + 1]);
    if (typeof channel === 'string' && Number.isFinite(count)) counts.set(channel, count);
    else if (Buffer.isBuffer(channel) && Number.isFinite(count)) counts.set(channel.toString(), count);
  }
  return counts;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/**
 * The cross-check of one channel: Redis should count one subscription per node with local
 * subscribers. A sentence when it does not; null when it does or the console cannot tell.
 */
export function subscriberMismatch(
  redisChannel: string,
  redis: number,
  agents: AgentSubscribers,
  nodesReporting: number,
): string | null {
  if (redis < agents.nodesSubscribed) {
    const missing = agents.nodesSubscribed - redis;
    return (
      `${plural(agents.nodesSubscribed, 'node reports', 'nodes report')} local subscribers but Redis counts ` +
      `${plural(redis, 'subscription', 'subscriptions')} to ${redisChannel}: ` +
      `${plural(missing, 'node', 'nodes')} may not receive what the others publish.`
    );
  }
  // Only when every reporting node listed the channel: a node that did not list it may have
  // subscribers the console cannot see, and Redis would rightly count it.
  if (redis > agents.nodesSubscribed && agents.nodesListing >= nodesReporting && nodesReporting > 0) {
    return (
      `Redis counts ${plural(redis, 'subscription', 'subscriptions')} to ${redisChannel} but only ` +
      `${plural(agents.nodesSubscribed, 'node reports', 'nodes report')} local subscribers: a node may hold ` +
      'a stale subscription, or another client subscribes.'
    );
  }
  return null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Creates the probe for a fleet's broker block (null: the fleet names none). */
export function createBrokerProbe(config: BrokerConfig | null, now: () => number = Date.now): BrokerProbe {
  if (config === null) {
    return {
      view: async () => ({
        time: now(),
        configured: false,
        kind: null,
        address: null,
        reachable: false,
        problem: null,
        mapping: null,
        info: null,
        subscribers: [],
      }),
      dispose: async () => {},
    };
  }
  return config.kind === 'redis' ? new RedisProbe(config, now) : new RelayProbe(config, now);
}

/** The development relay: a TCP connect tells whether it is there; it has nothing to read. */
class RelayProbe implements BrokerProbe {
  constructor(
    private readonly config: BrokerConfig,
    private readonly now: () => number,
  ) {}

  async view(): Promise<BrokerView> {
    const url = new URL(this.config.url);
    const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
    const problem = await new Promise<string | null>((resolve) => {
      const socket = createConnection({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
      const done = (result: string | null) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(BROKER_TIMEOUT_MS, () =>
        done(`did not accept a connection within ${BROKER_TIMEOUT_MS} ms`),
      );
      socket.once('connect', () => done(null));
      socket.once('error', (error) => done(errorText(error)));
    });
    return {
      time: this.now(),
      configured: true,
      kind: 'relay',
      address: this.config.address,
      reachable: problem === null,
      problem:
        problem === null
          ? null
          : scrub(`the relay at ${this.config.address} is not reachable: ${problem}`, this.config.url),
      mapping: "The fleet's development relay: it has no INFO or per-channel subscriber counts to compare.",
      info: null,
      subscribers: [],
    };
  }

  async dispose(): Promise<void> {}
}

class RedisProbe implements BrokerProbe {
  private client: Redis | null = null;
  private connecting: Promise<void> | null = null;
  private inFlight: Promise<BrokerView> | null = null;
  private lastError: string | null = null;
  private disposed = false;

  constructor(
    private readonly config: BrokerConfig,
    private readonly now: () => number,
  ) {}

  view(input: BrokerProbeInput): Promise<BrokerView> {
    // Two windows asking at once share one round of commands.
    this.inFlight ??= this.read(input).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const client = this.client;
    this.client = null;
    // No QUIT round trip: the console is closing this fleet, and a hung Redis must not hold it.
    client?.disconnect();
  }

  private base(): Omit<BrokerView, 'reachable' | 'problem' | 'info' | 'subscribers'> {
    return {
      time: this.now(),
      configured: true,
      kind: 'redis',
      address: this.config.address,
      mapping:
        `Each channel is the Redis channel "${this.config.prefix}ch:{name}"; a node holds one subscription to it ` +
        'while it has local subscribers, so Redis counts subscribed nodes, not clients.',
    };
  }

  private async read(input: BrokerProbeInput): Promise<BrokerView> {
    this.lastError = null;
    try {
      const client = await this.connected();
      const channels = input.channels.slice(0, BROKER_CHECKED_CHANNELS);
      const redisNames = channels.map((name) => `${this.config.prefix}ch:${name}`);
      const [infoText, numsub] = await withTimeout(
        Promise.all([
          client.info(),
          redisNames.length > 0 ? client.call('PUBSUB', 'NUMSUB', ...redisNames) : Promise.resolve([]),
        ]),
        BROKER_TIMEOUT_MS + 500,
        'Redis',
      );
      const counts = parseNumsub(numsub);
      return {
        ...this.base(),
        reachable: true,
        problem: null,
        info: brokerInfo(parseRedisInfo(String(infoText))),
        subscribers: channels.map((channel, index) => {
          const redisChannel = redisNames[index] as string;
          const redis = counts.get(redisChannel) ?? 0;
          const agents = input.agents(channel);
          return {
            channel,
            redis,
            nodesSubscribed: agents.nodesSubscribed,
            agentSubscribers: agents.agentSubscribers,
            mismatch: subscriberMismatch(redisChannel, redis, agents, input.nodesReporting),
          };
        }),
      };
    } catch (error) {
      const reason = this.lastError ?? errorText(error);
      this.lastError = null;
      return {
        ...this.base(),
        reachable: false,
        problem: scrub(`Redis at ${this.config.address} is not reachable: ${reason}`, this.config.url),
        info: null,
        subscribers: [],
      };
    }
  }

  /** The client, connected; rejects within about 2.5 s when Redis is not there. */
  private async connected(): Promise<Redis> {
    if (this.disposed) throw new Error('the console closed this fleet');
    if (this.client === null) {
      const client = new Redis(this.config.url, {
        lazyConnect: true,
        connectTimeout: BROKER_TIMEOUT_MS,
        commandTimeout: BROKER_TIMEOUT_MS,
        maxRetriesPerRequest: 1,
        // A command while disconnected fails at once instead of waiting in a queue.
        enableOfflineQueue: false,
        // No background reconnects: the next request connects again, so a Redis that is down
        // costs nothing between requests.
        retryStrategy: () => null,
        connectionName: 'fleetdeck-console',
        // Redis before 7.2 has no CLIENT SETINFO.
        disableClientInfo: true,
      });
      // ioredis emits 'error' on every failed attempt; unhandled, it would crash the process.
      client.on('error', (error: Error) => {
        this.lastError = error.message;
      });
      this.client = client;
    }
    const client = this.client;
    if (client.status === 'ready') return client;
    if (this.connecting === null) {
      // 'wait' before the first connect, 'end' after a failure or a drop: try again now.
      const attempt =
        client.status === 'wait' || client.status === 'end' || client.status === 'close'
          ? client.connect()
          : new Promise<void>((resolve, reject) => {
              client.once('ready', () => resolve());
              client.once('end', () => reject(new Error(this.lastError ?? 'the connection ended')));
            });
      this.connecting = withTimeout(attempt, BROKER_TIMEOUT_MS + 500, 'Redis').finally(() => {
        this.connecting = null;
      });
    }
    try {
      await this.connecting;
    } catch (error) {
      // Start from a clean state next time (a connect that timed out may still be pending).
      // Read through a function: TypeScript narrowed `status` above, but it changed meanwhile.
      const status = (): string => client.status;
      if (status() !== 'ready' && status() !== 'end') client.disconnect();
      throw error;
    }
    return client;
  }
}
