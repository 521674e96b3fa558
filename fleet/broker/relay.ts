/**
 * The embedded relay: the broker for machines without Redis. The launcher runs one small
 * `ws` server on loopback; every node connects to it with {@link createRelayBroker}. It has
 * the Redis adapter's semantics: the relay assigns each channel's seq in arrival order,
 * keeps a bounded history per channel (and a bounded number of channels, evicting the least
 * recently published), fans messages out to subscribed clients and answers history reads.
 * Like Redis without persistence, a restarted relay has forgotten everything: seq restarts
 * at 1 under a new epoch, which SequencedDelivery reports as a broker reset.
 *
 * The protocol: one JSON object per text frame, with `op`. Requests that expect an answer
 * carry an integer `id`, echoed in the answer.
 *
 *   client → relay  {op:'sub',channel} · {op:'unsub',channel}
 *                   {op:'pub',id,channel,origin,data} → {op:'ack',id,seq}
 *                   {op:'log',id,channel,afterSeq,window} → {op:'log',id,epoch,latestSeq,messages}
 *                   {op:'sync',id} → {op:'synced',id}   (answered after every earlier frame)
 *   relay → client  {op:'msg',channel,seq,epoch,publishedAt,origin,data}
 *                   {op:'error',id,message}   (a request with a valid id but bad fields)
 *
 * Frames that do not parse as one of these are ignored and counted, on both sides.
 */
import type { AddressInfo } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { closeWebSocketServer } from '../../agent/close-server.js';
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
  isRecord,
  MAX_CHANNEL_LENGTH,
  MAX_HISTORY_LENGTH,
  MAX_MESSAGE_BYTES,
  newEpoch,
  parseSequencedMessage,
  type SequencedMessage,
} from './broker-message.js';
import { BrokerSignals } from './listeners.js';
import { type DeliveryGap, type DeliveryStats, SequencedDelivery } from './sequenced-delivery.js';

/** A client's request to the relay. */
export type RelayRequest =
  | { readonly op: 'sub' | 'unsub'; readonly channel: string }
  | {
      readonly op: 'pub';
      readonly id: number;
      readonly channel: string;
      readonly origin: string;
      readonly data: unknown;
    }
  | {
      readonly op: 'log';
      readonly id: number;
      readonly channel: string;
      readonly afterSeq: number;
      /** How many of the latest seqs to look at: the reader's history length (0: just the latest seq). */
      readonly window: number;
    }
  | { readonly op: 'sync'; readonly id: number };

/** What the relay sends a client. `log` messages are checked by the reader, per channel. */
export type RelayReply =
  | { readonly op: 'msg'; readonly message: SequencedMessage }
  | { readonly op: 'ack'; readonly id: number; readonly seq: number }
  | {
      readonly op: 'log';
      readonly id: number;
      readonly epoch: string | null;
      readonly latestSeq: number;
      readonly messages: readonly unknown[];
    }
  | { readonly op: 'synced'; readonly id: number }
  | { readonly op: 'error'; readonly id: number; readonly message: string };

/** Options for {@link startRelayServer}. */
export interface RelayServerOptions {
  /** Messages kept per channel. Default {@link DEFAULT_HISTORY_LENGTH}. */
  readonly historyLength?: number;
  /** Channels kept; past it the least recently published one is forgotten. Default 10 000. */
  readonly maxChannels?: number;
  /** Default 127.0.0.1: the relay has no authentication, so it stays on loopback unless told. */
  readonly host?: string;
  /** Default 0 (a free port); a fixed one lets a restarted relay come back where clients look. */
  readonly port?: number;
}

/** Counters of a relay server. */
export interface RelayServerStats {
  readonly clients: number;
  readonly channels: number;
  readonly badFrames: number;
  /** Clients cut off because they did not read fast enough (they reconnect and catch up). */
  readonly slowClientsDropped: number;
}

/** A running relay. */
export interface RelayServer {
  /** `ws://127.0.0.1:PORT`. */
  readonly url: string;
  /** Counters now. */
  stats(): RelayServerStats;
  /** How many clients are subscribed to `channel` now (Redis's PUBSUB NUMSUB). */
  subscriberCount(channel: string): number;
  /** Closes every client connection and the server. Safe to call twice. */
  close(): Promise<void>;
}

/** Options for {@link createRelayBroker}. */
export interface RelayBrokerOptions {
  /** The relay's URL, from {@link RelayServer.url}. */
  readonly url: string;
  /** This node's id: the `origin` of what it publishes. */
  readonly nodeId: string;
  /** The window history() reads (capped by the relay's own). Default {@link DEFAULT_HISTORY_LENGTH}. */
  readonly historyLength?: number;
  /** A request without an answer after this long rejects. Default 5 000 ms. */
  readonly requestTimeoutMs?: number;
  /** First reconnect delay; it doubles (with jitter) up to `maxReconnectDelayMs`. Default 100 ms. */
  readonly minReconnectDelayMs?: number;
  /** Default 2 000 ms. */
  readonly maxReconnectDelayMs?: number;
  /** A relay that answers no ping within this long is dropped and reconnected. Default 10 000 ms. */
  readonly heartbeatMs?: number;
  /** Told about every loss history could not cover, and about relay restarts. */
  readonly onGap?: (gap: DeliveryGap) => void;
  /** Told when a status or message listener throws (the broker carries on). */
  readonly onError?: (error: unknown) => void;
}

/** Counters of a relay broker since it was created. */
export interface RelayBrokerStats extends DeliveryStats {
  /** Frames from the relay that were not valid: ignored. */
  readonly badFrames: number;
  /** Connections opened after the first. */
  readonly reconnects: number;
  readonly listenerErrors: number;
}

/** A Broker on the embedded relay, with counters. */
export interface RelayBroker extends Broker {
  readonly kind: 'relay';
  /** Counters since creation. */
  stats(): RelayBrokerStats;
}

const DEFAULT_MAX_CHANNELS = 10_000;
/** A frame carries at most one message plus its envelope. */
const MAX_REQUEST_BYTES = MAX_MESSAGE_BYTES + 4_096;
/** A log answer is cut to its newest messages past this: the reader sees "insufficient", not a huge frame. */
const MAX_LOG_REPLY_BYTES = 32 * 1024 * 1024;
const MAX_REPLY_BYTES = MAX_LOG_REPLY_BYTES + 4_096;
/** Subscriptions one client may hold. */
const MAX_SUBSCRIPTIONS_PER_CLIENT = 100_000;
/** Bytes queued to one client before it counts as too slow to keep. */
const MAX_CLIENT_BUFFER_BYTES = 16 * 1024 * 1024;
const SERVER_HEARTBEAT_MS = 15_000;
const CLOSE_GRACE_MS = 1_000;

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

function parseJson(data: RawData): unknown {
  try {
    return JSON.parse(rawText(data));
  } catch {
    return undefined;
  }
}

function isChannel(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CHANNEL_LENGTH;
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Checks a client frame; null when it is not a valid request. */
export function parseRelayRequest(value: unknown): RelayRequest | null {
  if (!isRecord(value)) return null;
  const { op, id, channel } = value;
  switch (op) {
    case 'sub':
    case 'unsub':
      return isChannel(channel) ? { op, channel } : null;
    case 'pub':
      return isId(id) &&
        isChannel(channel) &&
        typeof value.origin === 'string' &&
        value.origin.length <= MAX_CHANNEL_LENGTH
        ? { op, id, channel, origin: value.origin, data: value.data ?? null }
        : null;
    case 'log':
      return isId(id) && isChannel(channel) && isCount(value.afterSeq) && isCount(value.window)
        ? { op, id, channel, afterSeq: value.afterSeq, window: value.window }
        : null;
    case 'sync':
      return isId(id) ? { op, id } : null;
    default:
      return null;
  }
}

/** Checks a relay frame; null when it is not a valid reply. */
export function parseRelayReply(value: unknown): RelayReply | null {
  if (!isRecord(value)) return null;
  const { op, id } = value;
  switch (op) {
    case 'msg': {
      if (!isChannel(value.channel)) return null;
      const message = parseSequencedMessage(value.channel, value);
      return message ? { op, message } : null;
    }
    case 'ack':
      return isId(id) && isId(value.seq) ? { op, id, seq: value.seq } : null;
    case 'log': {
      const { epoch, latestSeq, messages } = value;
      if (!isId(id) || !isCount(latestSeq) || !Array.isArray(messages)) return null;
      if (epoch !== null && typeof epoch !== 'string') return null;
      return { op, id, epoch, latestSeq, messages };
    }
    case 'synced':
      return isId(id) ? { op, id } : null;
    case 'error':
      return isId(id) && typeof value.message === 'string' ? { op, id, message: value.message } : null;
    default:
      return null;
  }
}

interface RelayChannel {
  readonly epoch: string;
  seq: number;
  /** The message JSON of the last seqs, oldest first, contiguous. */
  history: { readonly seq: number; readonly json: string }[];
}

/** The relay's state and request handling, apart from the socket plumbing. */
class RelayState {
  /** In publish order: the first is the least recently published, evicted first. */
  private readonly channels = new Map<string, RelayChannel>();
  private readonly subscribers = new Map<string, Set<WebSocket>>();
  private readonly subscriptions = new Map<WebSocket, Set<string>>();
  badFrames = 0;
  slowClientsDropped = 0;

  constructor(
    private readonly historyLength: number,
    private readonly maxChannels: number,
  ) {}

  get channelCount(): number {
    return this.channels.size;
  }

  subscriberCount(channel: string): number {
    return this.subscribers.get(channel)?.size ?? 0;
  }

  handle(socket: WebSocket, data: RawData, isBinary: boolean): void {
    const value = isBinary ? undefined : parseJson(data);
    const request = parseRelayRequest(value);
    if (!request) {
      this.badFrames++;
      // Answer a request we can identify, so its sender does not wait for a timeout.
      if (isRecord(value) && isId(value.id)) {
        send(socket, JSON.stringify({ op: 'error', id: value.id, message: 'invalid request' }));
      }
      return;
    }
    switch (request.op) {
      case 'sub':
        return this.subscribe(socket, request.channel);
      case 'unsub':
        return this.unsubscribe(socket, request.channel);
      case 'pub': {
        const seq = this.publish(request.channel, request.origin, request.data);
        return send(socket, `{"op":"ack","id":${request.id},"seq":${seq}}`);
      }
      case 'log':
        return send(socket, this.log(request.id, request.channel, request.afterSeq, request.window));
      case 'sync':
        return send(socket, `{"op":"synced","id":${request.id}}`);
      default:
        return assertNever(request);
    }
  }

  drop(socket: WebSocket): void {
    for (const channel of this.subscriptions.get(socket) ?? []) {
      const sockets = this.subscribers.get(channel);
      sockets?.delete(socket);
      if (sockets?.size === 0) this.subscribers.delete(channel);
    }
    this.subscriptions.delete(socket);
  }

  clear(): void {
    this.channels.clear();
    this.subscribers.clear();
    this.subscriptions.clear();
  }

  private subscribe(socket: WebSocket, channel: string): void {
    const own = this.subscriptions.get(socket) ?? new Set<string>();
    if (own.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
      this.badFrames++;
      return;
    }
    this.subscriptions.set(socket, own.add(channel));
    const sockets = this.subscribers.get(channel) ?? new Set<WebSocket>();
    this.subscribers.set(channel, sockets.add(socket));
  }

  private unsubscribe(socket: WebSocket, channel: string): void {
    this.subscriptions.get(socket)?.delete(channel);
    const sockets = this.subscribers.get(channel);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.subscribers.delete(channel);
  }

  private publish(name: string, origin: string, data: unknown): number {
    let channel = this.channels.get(name);
    if (channel) {
      // Re-inserted: Map order is the eviction order.
      this.channels.delete(name);
    } else {
      channel = { epoch: newEpoch(), seq: 0, history: [] };
    }
    this.channels.set(name, channel);
    if (this.channels.size > this.maxChannels) {
      const oldest = this.channels.keys().next().value;
      if (oldest !== undefined) this.channels.delete(oldest);
    }
    const seq = ++channel.seq;
    const message: SequencedMessage = {
      channel: name,
      seq,
      epoch: channel.epoch,
      publishedAt: Date.now(),
      origin,
      data,
    };
    const json = JSON.stringify(message);
    channel.history.push({ seq, json });
    // Trim in batches: amortized O(1) per publish instead of a shift() each time.
    if (channel.history.length >= 2 * this.historyLength) {
      channel.history.splice(0, channel.history.length - this.historyLength);
    }
    const frame = `{"op":"msg",${json.slice(1)}`;
    for (const socket of this.subscribers.get(name) ?? []) {
      if (socket.bufferedAmount > MAX_CLIENT_BUFFER_BYTES) {
        this.slowClientsDropped++;
        socket.terminate();
        continue;
      }
      send(socket, frame);
    }
    return seq;
  }

  private log(id: number, name: string, afterSeq: number, window: number): string {
    const channel = this.channels.get(name);
    if (!channel) return `{"op":"log","id":${id},"epoch":null,"latestSeq":0,"messages":[]}`;
    const latest = channel.seq;
    // A position past the latest seq belongs to an epoch this relay never had (it restarted,
    // or evicted the channel): answer with the whole window.
    const after = afterSeq > latest ? 0 : afterSeq;
    const first = Math.max(after + 1, latest - Math.min(window, this.historyLength) + 1);
    const held = channel.history;
    const start = Math.max(0, first - (held[0]?.seq ?? first));
    const parts: string[] = [];
    let bytes = 0;
    for (let index = held.length - 1; index >= start; index--) {
      const entry = held[index] as { json: string };
      bytes += entry.json.length + 1;
      if (bytes > MAX_LOG_REPLY_BYTES) break;
      parts.push(entry.json);
    }
    parts.reverse();
    return `{"op":"log","id":${id},"epoch":${JSON.stringify(channel.epoch)},"latestSeq":${latest},"messages":[${parts.join(',')}]}`;
  }
}

function send(socket: WebSocket, text: string): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(text);
}

function assertNever(value: never): never {
  throw new Error(`unexpected request: ${JSON.stringify(value)}`);
}

/** Starts a relay on loopback and resolves once it listens. */
export async function startRelayServer(options: RelayServerOptions = {}): Promise<RelayServer> {
  const historyLength = options.historyLength ?? DEFAULT_HISTORY_LENGTH;
  const maxChannels = options.maxChannels ?? DEFAULT_MAX_CHANNELS;
  if (!Number.isInteger(historyLength) || historyLength < 1 || historyLength > MAX_HISTORY_LENGTH) {
    throw new TypeError(`relay: historyLength must be an integer from 1 to ${MAX_HISTORY_LENGTH}`);
  }
  if (!Number.isInteger(maxChannels) || maxChannels < 1) {
    throw new TypeError('relay: maxChannels must be a positive integer');
  }
  const host = options.host ?? '127.0.0.1';
  const state = new RelayState(historyLength, maxChannels);
  const server = new WebSocketServer({
    host,
    port: options.port ?? 0,
    maxPayload: MAX_REQUEST_BYTES,
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('error', () => {}); // after listening, errors are per client and handled there

  const alive = new WeakMap<WebSocket, boolean>();
  server.on('connection', (socket) => {
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
    socket.on('error', () => socket.terminate());
    socket.on('message', (data, isBinary) => state.handle(socket, data, isBinary));
    socket.on('close', () => state.drop(socket));
  });
  // Drops clients that stopped answering (a frozen node) so their fan-out stops queueing.
  const heartbeat = setInterval(() => {
    for (const socket of server.clients) {
      if (alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, SERVER_HEARTBEAT_MS);

  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `ws://${host}:${port}`,
    stats: () => ({
      clients: server.clients.size,
      channels: state.channelCount,
      badFrames: state.badFrames,
      slowClientsDropped: state.slowClientsDropped,
    }),
    subscriberCount: (channel) => state.subscriberCount(channel),
    close: () => {
      closing ??= (async () => {
        clearInterval(heartbeat);
        await closeWebSocketServer(server, 1001, 'relay shutting down', CLOSE_GRACE_MS);
        state.clear();
      })();
      return closing;
    },
  };
}

interface PendingRequest {
  readonly resolve: (reply: RelayReply) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Creates a relay broker; it connects at once and reports 'up' once the relay has its subscriptions. */
export function createRelayBroker(options: RelayBrokerOptions): RelayBroker {
  return new RelayBrokerAdapter(options);
}

class RelayBrokerAdapter implements RelayBroker {
  readonly kind = 'relay' as const;
  private readonly historyLength: number;
  private readonly wanted = new Set<string>();
  private readonly delivery: SequencedDelivery;
  private readonly signals: BrokerSignals;
  private readonly pending = new Map<number, PendingRequest>();
  private socket: WebSocket | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private nextId = 0;
  private connections = 0;
  private closing: Promise<void> | null = null;
  private counts = { badFrames: 0, listenerErrors: 0 };

  constructor(private readonly options: RelayBrokerOptions) {
    this.historyLength = checkAdapterOptions('relay', options, DEFAULT_HISTORY_LENGTH);
    if (!/^wss?:\/\//.test(options.url)) throw new TypeError('relay broker: url must start with ws://');
    const onListenerError = (error: unknown) => {
      this.counts.listenerErrors++;
      options.onError?.(error);
    };
    this.signals = new BrokerSignals(onListenerError);
    this.delivery = new SequencedDelivery({
      readLog: (channel, afterSeq) => this.readLog(channel, afterSeq, this.historyLength),
      deliver: (message) => this.signals.deliver(message),
      onGap: this.signals.gapHandler(options.onGap),
      onError: onListenerError,
    });
    this.connect();
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
    const dataText = encodeData(data);
    if (Buffer.byteLength(dataText) > MAX_MESSAGE_BYTES) {
      throw new RangeError(`message exceeds ${MAX_MESSAGE_BYTES} bytes`);
    }
    if (this.signals.status !== 'up')
      throw new BrokerDownError(`relay broker is ${this.closing ? 'closed' : 'down'}`);
    const origin = JSON.stringify(this.options.nodeId);
    const reply = await this.request(
      (id) =>
        `{"op":"pub","id":${id},"channel":${JSON.stringify(channel)},"origin":${origin},"data":${dataText}}`,
    );
    if (reply.op !== 'ack') throw new Error(`relay answered a publish with '${reply.op}'`);
    return reply.seq;
  }

  subscribe(channel: string): void {
    assertChannel(channel);
    if (this.closing || this.wanted.has(channel)) return;
    this.wanted.add(channel);
    this.delivery.track(channel);
    // While the socket is away, the next connection sends every wanted channel.
    this.sendNow(JSON.stringify({ op: 'sub', channel }));
  }

  unsubscribe(channel: string): void {
    assertChannel(channel);
    if (!this.wanted.delete(channel)) return;
    this.delivery.untrack(channel);
    this.sendNow(JSON.stringify({ op: 'unsub', channel }));
  }

  async history(channel: string, afterSeq: number): Promise<HistoryResult> {
    assertChannel(channel);
    assertAfterSeq(afterSeq);
    return historyFromLog(await this.readLog(channel, afterSeq, this.historyLength), afterSeq);
  }

  async latestSeq(channel: string): Promise<number> {
    assertChannel(channel);
    return (await this.readLog(channel, 0, 0)).latestSeq;
  }

  stats(): RelayBrokerStats {
    return { ...this.delivery.stats(), ...this.counts, reconnects: Math.max(0, this.connections - 1) };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.reconnectTimer);
      this.delivery.dispose();
      this.setStatus('down');
      this.signals.clear();
      const socket = this.socket;
      this.socket = null;
      this.stopHeartbeat();
      this.rejectPending('relay broker is closed');
      if (socket) await closeSocket(socket);
    })();
    return this.closing;
  }

  private connect(): void {
    if (this.closing) return;
    const socket = new WebSocket(this.options.url, {
      perMessageDeflate: false,
      maxPayload: MAX_REPLY_BYTES,
      handshakeTimeout: 5_000,
    });
    this.socket = socket;
    socket.on('error', () => {}); // 'close' follows every error, and handles it
    socket.on('open', () => this.opened(socket));
    socket.on('message', (data, isBinary) => {
      if (this.socket === socket) this.receive(data, isBinary);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopHeartbeat();
      this.rejectPending('relay connection lost');
      this.setStatus('down');
      this.scheduleReconnect();
    });
  }

  private opened(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.connections++;
    this.startHeartbeat(socket);
    for (const channel of this.wanted) socket.send(JSON.stringify({ op: 'sub', channel }));
    // The relay handles one client's frames in order: once 'sync' is answered, every
    // subscription above is in place and the broker is really up.
    this.request((id) => `{"op":"sync","id":${id}}`).then(
      () => {
        if (this.socket !== socket) return;
        this.reconnectAttempt = 0;
        this.setStatus('up');
      },
      () => {
        // Lost again, or the relay did not answer: start over on a fresh connection.
        if (this.socket === socket) socket.terminate();
      },
    );
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    const minDelay = this.options.minReconnectDelayMs ?? 100;
    const maxDelay = this.options.maxReconnectDelayMs ?? 2_000;
    const ceiling = Math.min(maxDelay, minDelay * 2 ** Math.min(this.reconnectAttempt, 16));
    this.reconnectAttempt++;
    // Half fixed, half random: nodes that lost the relay together do not return together.
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private startHeartbeat(socket: WebSocket): void {
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', () => {
      alive = true;
    });
    this.heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, this.options.heartbeatMs ?? 10_000);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private sendNow(text: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  private request(frame: (id: number) => string): Promise<RelayReply> {
    const socket = this.socket;
    if (this.closing) return Promise.reject(new BrokerDownError('relay broker is closed'));
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new BrokerDownError('relay broker is down'));
    }
    const id = ++this.nextId;
    const timeoutMs = this.options.requestTimeoutMs ?? 5_000;
    return new Promise<RelayReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BrokerDownError(`relay did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(frame(id));
    });
  }

  private rejectPending(reason: string): void {
    for (const request of this.pending.values()) {
      clearTimeout(request.timer);
      request.reject(new BrokerDownError(reason));
    }
    this.pending.clear();
  }

  private receive(data: RawData, isBinary: boolean): void {
    const reply = isBinary ? null : parseRelayReply(parseJson(data));
    if (!reply) {
      this.counts.badFrames++;
      return;
    }
    if (reply.op === 'msg') {
      if (this.wanted.has(reply.message.channel)) this.delivery.accept(reply.message);
      return;
    }
    const request = this.pending.get(reply.id);
    if (!request) {
      // An answer after its timeout, or to nothing we asked: ignore it.
      this.counts.badFrames++;
      return;
    }
    this.pending.delete(reply.id);
    clearTimeout(request.timer);
    if (reply.op === 'error') request.reject(new Error(`relay: ${reply.message}`));
    else request.resolve(reply);
  }

  private async readLog(channel: string, afterSeq: number, window: number): Promise<ChannelLog> {
    const reply = await this.request((id) => JSON.stringify({ op: 'log', id, channel, afterSeq, window }));
    if (reply.op !== 'log') throw new Error(`relay answered a log request with '${reply.op}'`);
    const messages: SequencedMessage[] = [];
    for (const value of reply.messages) {
      const message = parseSequencedMessage(channel, value);
      if (message) messages.push(message);
      else this.counts.badFrames++;
    }
    return { epoch: reply.epoch, latestSeq: reply.latestSeq, messages };
  }

  private setStatus(status: BrokerStatus): void {
    if (!this.signals.setStatus(status)) return;
    // Back up: read what each channel missed while the connection was down.
    if (status === 'up') this.delivery.catchUp();
  }
}

/** Closes a client socket with a handshake, terminating it if the relay does not answer. */
function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'broker closed');
  });
}
