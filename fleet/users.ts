/**
 * Simulated users, bounded in count and in time. They connect through one URL (the
 * balancer's), a share of them over SSE, subscribe to channels whose popularity follows a
 * Zipf law (so some channels run hot), a few publish a lot, and they reconnect the way real
 * clients do: exponential backoff with full jitter, promptly (with a little jitter) when the
 * node says it is moving them (1012). On every reconnect each user resumes each channel
 * from the last seq it saw, and keeps its own ground truth: what it published, what it
 * received, and any gap or duplicate.
 */
import { type ClientRequest, request } from 'node:http';
import { WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from './node/client-protocol.js';

/** Options for {@link startUsers}. */
export interface UsersOptions {
  /** The balancer's (or a node's) base URL, http://host:port. Users use /ws, /sse and /publish. */
  readonly url: string;
  /** Number of simulated users (at most {@link MAX_USERS}). */
  readonly clients: number;
  /** Every user stops after this long, ms. */
  readonly durationMs: number;
  /** Share of users on SSE instead of WebSocket, 0–1. Default 0.2. */
  readonly sseShare?: number;
  /** Distinct channels. Default 1000. */
  readonly channels?: number;
  /** Zipf exponent of channel popularity. Default 1.1. */
  readonly zipf?: number;
  /** Channels each user subscribes to. Default 2. */
  readonly subscriptionsPerUser?: number;
  /** Share of users that publish, 0–1. Default 0.1. */
  readonly publisherShare?: number;
  /** Mean time between one publisher's messages, ms. Default 2000. */
  readonly publishEveryMs?: number;
  /** A few chatty publishers publish this much faster. Default 10. */
  readonly chattyFactor?: number;
  /** Random source, for reproducible runs. Default Math.random. */
  readonly random?: () => number;
  /** Channel names: `${prefix}${rank}`. Default 'room:'. */
  readonly channelPrefix?: string;
}

/** The most users one generator runs. */
export const MAX_USERS = 10_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 5_000;
const MOVING_JITTER_MS = 500;

/** What one channel saw, from the users' side. */
export interface ChannelTruth {
  /** Messages the users published on it and the broker acknowledged, with their seqs. */
  published: number;
  /** Deliveries to users (one per message per subscribed user). */
  received: number;
  /** Messages a user never got: holes in its seq sequence. */
  missing: number;
  /** Messages a user got twice (by seq). */
  duplicates: number;
  /** Gaps the server announced (history too short). */
  announcedGaps: number;
}

/** The generator's own ground truth, for accuracy tests. */
export interface UsersTruth {
  /** Users connected now, by transport. */
  connections: { websocket: number; sse: number };
  connects: number;
  reconnects: number;
  channels: Record<string, ChannelTruth>;
  /** Publishes that got no acknowledgement (broker down, connection lost). */
  publishFailures: number;
  /** Times a connected user lost its connection and got one back. */
  outages: number;
  /** The longest of those outages, ms: from losing the connection to the next one opening. */
  longestOutageMs: number;
}

/** Running simulated users. */
export interface Users {
  /** The ground truth so far. */
  truth(): UsersTruth;
  /** Per user: the seqs received per channel, in arrival order (for ordering checks). */
  received(): Array<Record<string, number[]>>;
  /** Publishes `count` messages on `channel` through `publishers` users, as fast as acks come back. */
  burst(channel: string, count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Zipf(s) sampler over ranks 1..n: a precomputed CDF and a binary search. */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 1; rank <= n; rank++) {
    total += 1 / rank ** s;
    cdf[rank - 1] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cdf[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
}

interface User {
  readonly index: number;
  readonly transport: 'websocket' | 'sse';
  readonly channels: readonly string[];
  readonly publishEveryMs: number | null;
  /** Last seq seen per channel: the resume point. */
  readonly last: Map<string, number>;
  /** Seqs received per channel, in order. */
  readonly log: Map<string, number[]>;
  attempt: number;
  open: boolean;
  /** When it lost its connection (epoch ms), until the next one opens; null while connected. */
  lostAt: number | null;
  close: (() => void) | null;
  publisher: NodeJS.Timeout | undefined;
  sendPub: ((channel: string, data: unknown) => Promise<boolean>) | null;
}

/** Starts the simulated users; they stop by themselves after `durationMs`. */
export function startUsers(options: UsersOptions): Users {
  if (!Number.isInteger(options.clients) || options.clients < 0 || options.clients > MAX_USERS) {
    throw new Error(`clients must be an integer from 0 to ${MAX_USERS}`);
  }
  const random = options.random ?? Math.random;
  const base = new URL(options.url);
  const wsUrl = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/ws`;
  const prefix = options.channelPrefix ?? 'room:';
  const pickRank = zipfSampler(options.channels ?? 1_000, options.zipf ?? 1.1, random);
  const publishEveryMs = options.publishEveryMs ?? 2_000;
  const truth: UsersTruth = {
    connections: { websocket: 0, sse: 0 },
    connects: 0,
    reconnects: 0,
    channels: {},
    publishFailures: 0,
    outages: 0,
    longestOutageMs: 0,
  };
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const channelTruth = (channel: string): ChannelTruth =>
    (truth.channels[channel] ??= { published: 0, received: 0, missing: 0, duplicates: 0, announcedGaps: 0 });

  const later = (delayMs: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) run();
    }, delayMs);
    timers.add(timer);
  };

  const receive = (user: User, message: ServerMessage) => {
    if (message.op === 'gap') {
      channelTruth(message.channel).announcedGaps++;
      user.last.set(message.channel, message.resumeFrom - 1);
      return;
    }
    if (message.op === 'subscribed') {
      if (!user.last.has(message.channel)) user.last.set(message.channel, message.latest);
      return;
    }
    if (message.op !== 'msg') return;
    const figures = channelTruth(message.channel);
    const last = user.last.get(message.channel);
    if (last !== undefined && message.seq <= last) {
      figures.duplicates++;
      return; // the application never sees a duplicate
    }
    if (last !== undefined && message.seq > last + 1) figures.missing += message.seq - last - 1;
    user.last.set(message.channel, message.seq);
    figures.received++;
    const log = user.log.get(message.channel) ?? [];
    user.log.set(message.channel, log);
    log.push(message.seq);
  };

  const reconnect = (user: User, moving: boolean) => {
    user.open = false;
    user.close = null;
    user.sendPub = null;
    clearInterval(user.publisher);
    truth.connections[user.transport]--;
    user.lostAt = Date.now();
    if (stopped) return;
    const delay = moving
      ? random() * MOVING_JITTER_MS
      : random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** user.attempt);
    user.attempt++;
    truth.reconnects++;
    later(delay, () => connect(user));
  };

  const opened = (user: User) => {
    user.open = true;
    user.attempt = 0;
    if (user.lostAt !== null) {
      truth.outages++;
      truth.longestOutageMs = Math.max(truth.longestOutageMs, Date.now() - user.lostAt);
      user.lostAt = null;
    }
    truth.connects++;
    truth.connections[user.transport]++;
    if (user.publishEveryMs !== null) {
      user.publisher = setInterval(() => {
        const channel = `${prefix}${pickRank()}`;
        void publishFrom(user, channel, { from: user.index, at: Date.now() });
      }, user.publishEveryMs);
    }
  };

  const publishFrom = async (user: User, channel: string, data: unknown): Promise<boolean> => {
    const ok = (await user.sendPub?.(channel, data)) ?? false;
    if (ok) channelTruth(channel).published++;
    else truth.publishFailures++;
    return ok;
  };

  const connectWebSocket = (user: User) => {
    const socket = new WebSocket(wsUrl);
    let moving = false;
    let nextId = 0;
    const acks = new Map<string, (ok: boolean) => void>();
    socket.on('message', (data) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(data.toString()) as ServerMessage;
      } catch {
        return;
      }
      if (message.op === 'moving') moving = true;
      else if (message.op === 'ack' || (message.op === 'error' && message.id !== undefined)) {
        const id = message.id as string;
        acks.get(id)?.(message.op === 'ack');
        acks.delete(id);
      } else receive(user, message);
    });
    socket.on('open', () => {
      for (const channel of user.channels) {
        const since = user.last.get(channel);
        const sub: ClientMessage =
          since === undefined ? { op: 'sub', channel } : { op: 'sub', channel, since };
        socket.send(JSON.stringify(sub));
      }
      user.sendPub = (channel, data) =>
        new Promise((resolve) => {
          if (socket.readyState !== WebSocket.OPEN) return resolve(false);
          const id = String(++nextId);
          acks.set(id, resolve);
          socket.send(JSON.stringify({ op: 'pub', channel, data, id } satisfies ClientMessage));
        });
      opened(user);
    });
    socket.on('error', () => {});
    socket.on('close', (code) => {
      for (const resolve of acks.values()) resolve(false);
      acks.clear();
      const wasOpen = user.open;
      if (wasOpen) reconnect(user, moving || code === 1012);
      else {
        user.attempt++;
        later(random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** user.attempt), () => connect(user));
      }
    });
    user.close = () => socket.close(1000, 'simulation over');
  };

  const connectSse = (user: User) => {
    const query = new URLSearchParams({ channels: user.channels.join(',') });
    const since = user.channels
      .filter((channel) => user.last.has(channel))
      .map((channel) => `${channel}:${user.last.get(channel)}`)
      .join(',');
    if (since) query.set('since', since);
    let moving = false;
    let wasOpen = false;
    const req: ClientRequest = request(`${base.origin}/sse?${query}`, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return;
      }
      wasOpen = true;
      user.sendPub = async (channel, data) => {
        try {
          const answer = await fetch(`${base.origin}/publish`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ channel, data }),
          });
          await answer.arrayBuffer();
          return answer.ok;
        } catch {
          return false;
        }
      };
      opened(user);
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!event.startsWith('data: ')) continue;
          try {
            const message = JSON.parse(event.slice(6)) as ServerMessage;
            if (message.op === 'moving') moving = true;
            else receive(user, message);
          } catch {
            // A broken event is dropped; the seq check shows whatever it cost.
          }
        }
      });
    });
    req.on('error', () => {});
    req.on('close', () => {
      if (wasOpen) reconnect(user, moving);
      else {
        user.attempt++;
        later(random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** user.attempt), () => connect(user));
      }
    });
    req.end();
    user.close = () => req.destroy();
  };

  const connect = (user: User) => (user.transport === 'sse' ? connectSse(user) : connectWebSocket(user));

  const sseShare = options.sseShare ?? 0.2;
  const publisherShare = options.publisherShare ?? 0.1;
  const chattyFactor = options.chattyFactor ?? 10;
  const users: User[] = Array.from({ length: options.clients }, (_, index) => {
    const channels = new Set<string>();
    const wanted = options.subscriptionsPerUser ?? 2;
    for (let tries = 0; channels.size < wanted && tries < wanted * 10; tries++)
      channels.add(`${prefix}${pickRank()}`);
    const publishes = random() < publisherShare;
    // The first few publishers are the chatty ones.
    const chatty = publishes && index < Math.max(1, Math.round(options.clients * 0.01));
    return {
      index,
      transport: random() < sseShare ? 'sse' : 'websocket',
      channels: [...channels],
      publishEveryMs: publishes
        ? (chatty ? publishEveryMs / chattyFactor : publishEveryMs) * (0.5 + random())
        : null,
      last: new Map(),
      log: new Map(),
      attempt: 0,
      open: false,
      lostAt: null,
      close: null,
      publisher: undefined,
      sendPub: null,
    };
  });
  // Arrive over a second rather than as one burst.
  for (const user of users) later(random() * 1_000, () => connect(user));
  const deadline = setTimeout(() => void stop(), options.durationMs);

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    clearTimeout(deadline);
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const user of users) {
      clearInterval(user.publisher);
      user.close?.();
    }
  }

  return {
    truth: () => structuredClone(truth),
    received: () => users.map((user) => Object.fromEntries(user.log)),
    async burst(channel, count) {
      const publishers = users.filter((user) => user.open && user.sendPub !== null);
      if (publishers.length === 0) throw new Error('no connected user can publish');
      for (let index = 0; index < count; index++) {
        await publishFrom(publishers[index % publishers.length] as User, channel, { burst: index });
      }
    },
    stop,
  };
}
