/**
 * The console API over one WebSocket (web mode). The browser and Playwright tests use this;
 * Electron uses the preload bridge instead. Owns its socket and retry timer: dispose() ends both.
 */

import { assertNever } from '../../main/common/assert-never.js';
import type {
  ConsoleRequests,
  RequestName,
  Unsubscribe,
  WebClientMessage,
  WebServerMessage,
} from '../../main/common/console-api.js';
import type { FleetDelta } from '../../main/common/models.js';
import type { ConnectionStatus, ConsoleConnection } from './console-connection.js';
import {
  isActivityPage,
  isAlertsSnapshot,
  isBalancerView,
  isBrokerView,
  isChannelDetail,
  isChannelsSnapshot,
  isFleetList,
  isFleetSnapshot,
  isHistoryResult,
  isMovePreview,
  isNodeDetail,
  isOperationRecord,
  isOperationsSnapshot,
  isRollPlan,
  isSparklines,
  parseWebServerMessage,
} from './web-messages.js';

/** Options for {@link createWebConsoleClient}; only `url` is required. */
export interface WebConsoleClientOptions {
  /** The API WebSocket URL, session token included. */
  readonly url: string;
  /** First reconnect delay; doubles per failed attempt. Default 250 ms. */
  readonly initialRetryDelayMs?: number;
  /** Ceiling for the reconnect delay. Default 5000 ms. */
  readonly maxRetryDelayMs?: number;
  /** Opens a socket; tests pass a fake. Default: the browser's WebSocket. */
  readonly createSocket?: (url: string) => WebSocket;
  /** Source of jitter in [0, 1); tests pass a constant. Default: Math.random. */
  readonly random?: () => number;
}

/** Shown when the server closes with 4401 (our code for a bad token) or 1008 (policy violation). */
export const REFUSED_REASON = 'The console server refused the session token';
/** Shown while the socket is down and a reconnect is scheduled or under way. */
export const LOST_REASON = 'Lost the console server; reconnecting…';

const REFUSED_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 1008]);

interface PendingRequest {
  readonly method: RequestName;
  readonly settle: (message: Extract<WebServerMessage, { type: 'response' }>) => void;
  readonly reject: (error: Error) => void;
}

type ResultGuard<M extends RequestName> = (value: unknown) => value is ConsoleRequests[M]['result'];

/** Opens the web-mode console connection and keeps it open, reconnecting with backoff and jitter. */
export function createWebConsoleClient(options: WebConsoleClientOptions): ConsoleConnection {
  const initialRetryDelayMs = options.initialRetryDelayMs ?? 250;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  const random = options.random ?? Math.random;

  const deltaListeners = new Set<(delta: FleetDelta) => void>();
  const statusListeners = new Set<() => void>();
  const pending = new Map<number, PendingRequest>();
  // Requests made before the socket opens wait here; they are also in `pending`, so a close rejects them.
  const outbox: string[] = [];

  let status: ConnectionStatus = { state: 'connecting', reason: null };
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let failedAttempts = 0;
  let nextRequestId = 1;
  let disposed = false;

  function setStatus(next: ConnectionStatus): void {
    status = next;
    for (const listener of statusListeners) {
      try {
        listener();
      } catch (error) {
        console.error('Fleetdeck: a connection status listener threw', error);
      }
    }
  }

  function rejectPending(error: Error): void {
    const entries = [...pending.values()];
    pending.clear();
    outbox.length = 0;
    for (const entry of entries) entry.reject(error);
  }

  function connect(): void {
    retryTimer = null;
    if (disposed) return;
    // Keep the previous reason while retrying, so the banner does not flicker between attempts.
    setStatus({ state: 'connecting', reason: status.reason });
    let opened: WebSocket;
    try {
      opened = createSocket(options.url);
    } catch (error) {
      // Only a malformed URL throws here, and retrying cannot fix that.
      const detail = error instanceof Error ? error.message : String(error);
      setStatus({
        state: 'closed',
        reason: `Cannot open the console connection: ${detail}`,
        willRetry: false,
      });
      rejectPending(new Error('The console connection could not be opened'));
      return;
    }
    socket = opened;
    // Each handler checks it still belongs to the current socket: a late event from an old one is noise.
    opened.addEventListener('open', () => {
      if (socket !== opened) return;
      failedAttempts = 0;
      setStatus({ state: 'open', reason: null });
      for (const text of outbox.splice(0)) opened.send(text);
    });
    opened.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (socket !== opened) return;
      handleMessage(event.data);
    });
    opened.addEventListener('close', (event: CloseEvent) => {
      if (socket !== opened) return;
      socket = null;
      handleClose(event.code);
    });
  }

  function handleClose(code: number): void {
    if (REFUSED_CLOSE_CODES.has(code)) {
      // The token is fixed in the page URL, so retrying would be refused forever.
      rejectPending(new Error(REFUSED_REASON));
      setStatus({ state: 'closed', reason: REFUSED_REASON, willRetry: false });
      return;
    }
    rejectPending(new Error('Lost the console server before it answered'));
    setStatus({ state: 'closed', reason: LOST_REASON, willRetry: true });
    const ceiling = Math.min(maxRetryDelayMs, initialRetryDelayMs * 2 ** failedAttempts);
    failedAttempts += 1;
    // Half fixed, half random: many windows reconnecting after a restart do not arrive together.
    const delay = ceiling / 2 + random() * (ceiling / 2);
    retryTimer = setTimeout(connect, delay);
  }

  function handleMessage(data: unknown): void {
    if (typeof data !== 'string') {
      console.warn('Fleetdeck: ignored a binary frame from the console server');
      return;
    }
    const parsed = parseWebServerMessage(data);
    if (!parsed.ok) {
      console.warn(`Fleetdeck: ignored a message from the console server (${parsed.problem})`);
      return;
    }
    const { message } = parsed;
    switch (message.type) {
      case 'response': {
        const entry = pending.get(message.id);
        if (!entry) {
          console.warn(`Fleetdeck: ignored a response to unknown request ${message.id}`);
          return;
        }
        pending.delete(message.id);
        entry.settle(message);
        return;
      }
      case 'event':
        switch (message.name) {
          case 'fleetDelta':
            for (const listener of deltaListeners) {
              try {
                listener(message.payload);
              } catch (error) {
                console.error('Fleetdeck: a fleetDelta listener threw', error);
              }
            }
            return;
          default:
            return assertNever(message.name);
        }
      default:
        return assertNever(message);
    }
  }

  function request<M extends RequestName>(
    method: M,
    args: ConsoleRequests[M]['args'],
    isResult: ResultGuard<M>,
  ): Promise<ConsoleRequests[M]['result']> {
    return new Promise((resolve, reject) => {
      if (status.state === 'closed' && !status.willRetry) {
        reject(new Error(status.reason));
        return;
      }
      const id = nextRequestId++;
      const message: WebClientMessage = { type: 'request', id, method, args };
      pending.set(id, {
        method,
        reject,
        settle: (response) => {
          if (!response.ok) reject(new Error(response.error));
          else if (isResult(response.result)) resolve(response.result);
          else reject(new Error(`The console server sent a malformed ${method} result`));
        },
      });
      const text = JSON.stringify(message);
      if (socket && status.state === 'open') socket.send(text);
      else outbox.push(text);
    });
  }

  connect();

  return {
    getFleet: () => request('getFleet', [], isFleetSnapshot),
    getHistory: (scope, sinceMs) =>
      request('getHistory', sinceMs === undefined ? [scope] : [scope, sinceMs], isHistoryResult),
    getAlerts: () => request('getAlerts', [], isAlertsSnapshot),
    getNodeDetail: (nodeId) => request('getNodeDetail', [nodeId], isNodeDetail),
    getSparklines: (nodeIds, series, points) =>
      request('getSparklines', [nodeIds, series, points], isSparklines),
    listFleets: () => request('listFleets', [], isFleetList),
    openFleet: (path) => request('openFleet', [path], isFleetSnapshot),
    previewDrain: (nodeId, deadlineMs) => request('previewDrain', [nodeId, deadlineMs], isMovePreview),
    drainNode: (nodeId, deadlineMs) => request('drainNode', [nodeId, deadlineMs], isOperationRecord),
    undrainNode: (nodeId) => request('undrainNode', [nodeId], isOperationRecord),
    previewShed: (nodeId, amount, deadlineMs) =>
      request('previewShed', [nodeId, amount, deadlineMs], isMovePreview),
    shedNode: (nodeId, amount, deadlineMs) =>
      request('shedNode', [nodeId, amount, deadlineMs], isOperationRecord),
    addNode: (addRequest) => request('addNode', [addRequest], isOperationRecord),
    removeNode: (nodeId, deadlineMs) => request('removeNode', [nodeId, deadlineMs], isOperationRecord),
    startRoll: (rollRequest) => request('startRoll', [rollRequest], isRollPlan),
    controlRoll: (rollId, action) => request('controlRoll', [rollId, action], isRollPlan),
    getOperations: () => request('getOperations', [], isOperationsSnapshot),
    getActivity: (limit) => request('getActivity', [limit], isActivityPage),
    getBalancer: () => request('getBalancer', [], isBalancerView),
    setBalancerState: (nodeId, state) => request('setBalancerState', [nodeId, state], isOperationRecord),
    getChannels: (query) => request('getChannels', [query], isChannelsSnapshot),
    getChannel: (name) => request('getChannel', [name], isChannelDetail),
    getBroker: () => request('getBroker', [], isBrokerView),
    onFleetDelta(listener) {
      deltaListeners.add(listener);
      return () => deltaListeners.delete(listener);
    },
    getStatus: () => status,
    onStatus(listener): Unsubscribe {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      const closing = socket;
      socket = null;
      closing?.close(1000, 'Console window closed');
      rejectPending(new Error('The console connection was closed'));
      setStatus({ state: 'closed', reason: 'Disconnected from the console server', willRetry: false });
      deltaListeners.clear();
      statusListeners.clear();
    },
  };
}
