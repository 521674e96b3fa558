/**
 * The agent's admin endpoint, seen the way the console sees it: the latest sample of each
 * node, and commands (drain…) with their replies. Typed by the agent's own protocol.
 */
import { WebSocket } from 'ws';
import type { EventFrame, SampleFrame } from '../../agent/index.js';
import { TEST_TOKENS } from './processes.js';

const COMMAND_TIMEOUT_MS = 10_000;

/** An open admin connection that keeps the node's latest sample. */
export interface AgentWatch {
  /** Resolves once the agent said hello (authenticated). */
  readonly ready: Promise<void>;
  /** The newest sample, or null before the first one. */
  latest(): SampleFrame | null;
  /** Every event frame so far (state changes, drain progress, dependencies). */
  readonly events: EventFrame[];
  /** Sends a command; resolves with its result, rejects with the agent's error or a timeout. */
  command(name: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Closes the connection. Safe to call twice. */
  close(): Promise<void>;
}

/** Connects to an agent's admin endpoint with the operate token. */
export function watchAgent(adminUrl: string, token = TEST_TOKENS.operate): AgentWatch {
  const socket = new WebSocket(adminUrl, { headers: { Authorization: `Bearer ${token}` } });
  const events: EventFrame[] = [];
  const pending = new Map<string, { resolve(value: unknown): void; reject(error: Error): void }>();
  let latest: SampleFrame | null = null;
  let nextId = 0;
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`admin endpoint answered HTTP ${response.statusCode}`)),
    );
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as
        | { type: 'hello' }
        | SampleFrame
        | EventFrame
        | { type: 'reply'; id: string; ok: boolean; result?: unknown; error?: { message: string } };
      switch (frame.type) {
        case 'hello':
          return resolve();
        case 'sample':
          latest = frame;
          return;
        case 'event':
          events.push(frame);
          return;
        case 'reply': {
          const waiter = pending.get(frame.id);
          pending.delete(frame.id);
          if (frame.ok) waiter?.resolve(frame.result);
          else waiter?.reject(new Error(frame.error?.message ?? 'command failed'));
        }
      }
    });
  });
  // A node that dies or restarts closes this socket: fail what waits instead of hanging.
  socket.on('error', () => {});
  socket.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${adminUrl} closed`));
    pending.clear();
  });
  let closing: Promise<void> | null = null;
  return {
    ready,
    latest: () => latest,
    events,
    command(name, args = {}) {
      const id = `test-${++nextId}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${adminUrl} did not answer ${name} within ${COMMAND_TIMEOUT_MS} ms`));
        }, COMMAND_TIMEOUT_MS);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        socket.send(JSON.stringify({ type: 'command', id, name, args }));
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.terminate();
      });
      return closing;
    },
  };
}

/** Open connections of a sample, per transport that the reference node serves. */
export function openByTransport(sample: SampleFrame | null): { websocket: number; sse: number } {
  return {
    websocket: sample?.connections.byTransport.websocket.open ?? 0,
    sse: sample?.connections.byTransport.sse.open ?? 0,
  };
}
