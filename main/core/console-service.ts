/**
 * The console's core, wired by hand: a fleet store, one link per node, a flush timer that
 * batches changes into deltas a few times a second, and a tick timer that computes totals,
 * history and alerts once a second. Both transports (Electron IPC and web mode) and the CLI
 * sit on this; it never imports Electron.
 */
import type { ConsoleHandlers, Unsubscribe } from '../common/console-api.js';
import type { FleetDelta } from '../common/models.js';
import type { FleetConfig } from './fleet-file.js';
import { FleetStore } from './fleet-store.js';
import {
  HISTORY_RESOLUTION_MS,
  parseHistoryArgs,
  parseNodeDetailArgs,
  parseSparklinesArgs,
} from './history.js';
import { DEFAULT_LINK_TIMING, NodeLink, type NodeLinkTiming } from './node-link.js';

/** Options for {@link createConsoleService}. */
export interface ConsoleServiceOptions {
  readonly fleet: FleetConfig;
  /** How often batched deltas go out, ms. Default 250. */
  readonly flushMs?: number;
  /** How often totals, history and alerts are computed, ms: the history's resolution. Default 1000. */
  readonly tickMs?: number;
  readonly linkTiming?: NodeLinkTiming;
}

/** The running core of one console. */
export interface ConsoleService {
  /** The request handlers both transports expose. */
  readonly handlers: ConsoleHandlers;
  /** The fleet store, for in-process readers such as the CLI. */
  readonly store: FleetStore;
  /** Batched deltas; the listener is first called at once with a reset delta. */
  subscribe(listener: (delta: FleetDelta) => void): Unsubscribe;
  /** Closes every link and timer. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Creates the core for one fleet and starts linking to its nodes. */
export function createConsoleService(options: ConsoleServiceOptions): ConsoleService {
  const { fleet } = options;
  const tickMs = options.tickMs ?? HISTORY_RESOLUTION_MS;
  const store = new FleetStore(fleet.name, fleet.nodes, Date.now, {
    alertThresholds: fleet.alerts,
    history: { resolutionMs: tickMs },
  });
  const listeners = new Set<(delta: FleetDelta) => void>();
  const links = fleet.nodes.map(
    (node) =>
      new NodeLink(
        node.id,
        node.adminUrl,
        node.token,
        {
          hello: (frame) => store.hello(node.id, frame),
          sample: (frame) => store.sample(node.id, frame),
          event: (frame) => store.event(node.id, frame),
          down: (problem) => store.down(node.id, problem),
          dropped: (reason) => store.dropped(node.id, reason),
        },
        options.linkTiming ?? DEFAULT_LINK_TIMING,
      ),
  );
  for (const link of links) link.start();

  const flushTimer = setInterval(() => {
    const delta = store.flush();
    if (delta === null) return;
    for (const listener of listeners) {
      try {
        listener(delta);
      } catch (error) {
        console.error('fleetdeck: a delta listener failed', error);
      }
    }
  }, options.flushMs ?? 250);

  // Its own timer, not every fourth flush: the history's resolution must not depend on flushMs.
  const tickTimer = setInterval(() => {
    try {
      store.tick();
    } catch (error) {
      console.error('fleetdeck: computing fleet totals failed', error);
    }
  }, tickMs);

  let disposed = false;
  return {
    store,
    handlers: {
      getFleet: async () => store.snapshot(),
      // The web transport hands arguments over unchecked, so they are checked here for both.
      getHistory: async (...args) => store.history(...parseHistoryArgs(args)),
      getAlerts: async (...args) => {
        if (args.length !== 0) throw new TypeError('getAlerts takes no arguments');
        return store.alerts();
      },
      getNodeDetail: async (...args) => store.nodeDetail(...parseNodeDetailArgs(args)),
      getSparklines: async (...args) => store.sparklines(...parseSparklinesArgs(args)),
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(store.resetDelta());
      return () => listeners.delete(listener);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearInterval(flushTimer);
      clearInterval(tickTimer);
      listeners.clear();
      for (const link of links) link.dispose();
    },
  };
}
