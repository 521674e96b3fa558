/**
 * Simulated users: bounded in count and in time, they connect to the fleet, subscribe to
 * a few channels, publish now and then, and reconnect the way real clients do
 * (exponential backoff with full jitter; promptly on 1012 "service restart").
 */
import { WebSocket } from 'ws';

/** Options for {@link startUsers}. */
export interface UsersOptions {
  /** Node WebSocket URLs; clients are spread over them round robin. */
  readonly urls: readonly string[];
  /** Number of simulated clients (at most {@link MAX_USERS}). */
  readonly clients: number;
  /** Every client stops after this long, in ms. */
  readonly durationMs: number;
  /** Mean time between one client's publishes, in ms. */
  readonly publishEveryMs?: number;
  /** Number of distinct channels. */
  readonly channels?: number;
}

/** The most simulated clients one generator runs. */
export const MAX_USERS = 10_000;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 5_000;

/** Running simulated users. */
export interface Users {
  /** Clients currently open. */
  readonly openCount: number;
  stop(): Promise<void>;
}

/** Starts the simulated users; they stop by themselves after `durationMs`. */
export function startUsers(options: UsersOptions): Users {
  if (options.urls.length === 0) throw new Error('users need at least one node URL');
  if (!Number.isInteger(options.clients) || options.clients < 0 || options.clients > MAX_USERS) {
    throw new Error(`clients must be an integer from 0 to ${MAX_USERS}`);
  }
  const publishEveryMs = options.publishEveryMs ?? 2_000;
  const channelCount = options.channels ?? 20;
  const sockets = new Set<WebSocket>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const later = (delayMs: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) run();
    }, delayMs);
    timers.add(timer);
  };

  const connect = (index: number, attempt: number) => {
    const url = options.urls[(index + attempt) % options.urls.length] as string;
    const socket = new WebSocket(url);
    sockets.add(socket);
    // Popular channels get more subscribers: the square skews the pick toward low numbers.
    const channel = `room:${Math.floor(Math.random() ** 2 * channelCount)}`;
    let opened = false;
    let publisher: NodeJS.Timeout | undefined;
    socket.on('open', () => {
      opened = true;
      socket.send(JSON.stringify({ op: 'sub', channel }));
      publisher = setInterval(
        () => socket.send(JSON.stringify({ op: 'pub', channel, data: { from: index, at: Date.now() } })),
        publishEveryMs * (0.5 + Math.random()),
      );
    });
    socket.on('error', () => {});
    socket.on('close', (code) => {
      sockets.delete(socket);
      clearInterval(publisher);
      if (stopped) return;
      const nextAttempt = opened ? 0 : attempt + 1;
      const delay =
        code === 1012
          ? Math.random() * 500
          : Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** nextAttempt);
      later(delay, () => connect(index, nextAttempt));
    });
  };

  for (let index = 0; index < options.clients; index++) later(Math.random() * 1_000, () => connect(index, 0));
  const deadline = setTimeout(() => void stop(), options.durationMs);

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    clearTimeout(deadline);
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const closing = [...sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.close(1000, 'simulation over');
          setTimeout(() => {
            socket.terminate();
            resolve();
          }, 1_000).unref();
        }),
    );
    await Promise.all(closing);
  }

  return {
    get openCount() {
      let open = 0;
      for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) open++;
      return open;
    },
    stop,
  };
}
