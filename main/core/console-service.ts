/**
 * The console's core for one fleet, wired by hand: a fleet store, one link per node (static,
 * discovered in DNS, or added at run time), a flush timer that batches changes into deltas a
 * few times a second, and a tick timer that computes totals, history and alerts once a second.
 * The console host (console-host.ts) switches between these; the transports (Electron IPC and
 * web mode) sit on the host and the CLI's `status` on this directly. It never imports Electron.
 */
import type { FleetHandlers, Unsubscribe } from '../common/console-api.js';
import type { FleetDelta } from '../common/models.js';
import { createChannels } from './channels/index.js';
import { DnsDiscovery } from './dns-discovery.js';
import type { FleetConfig, FleetNodeConfig } from './fleet-file.js';
import { FleetStore } from './fleet-store.js';
import {
  HISTORY_RESOLUTION_MS,
  parseHistoryArgs,
  parseNodeDetailArgs,
  parseSparklinesArgs,
} from './history.js';
import { DEFAULT_LINK_TIMING, NodeLink, type NodeLinkTiming } from './node-link.js';
import { AuditLog } from './operations/audit-log.js';
import { createOperations, type Operations } from './operations/index.js';

/** Options for {@link createConsoleService}. */
export interface ConsoleServiceOptions {
  readonly fleet: FleetConfig;
  /** How often batched deltas go out, ms. Default 250. */
  readonly flushMs?: number;
  /** How often totals, history and alerts are computed, ms: the history's resolution. Default 1000. */
  readonly tickMs?: number;
  readonly linkTiming?: NodeLinkTiming;
  /** Where operator actions are audited. Default: in memory only. */
  readonly audit?: AuditLog;
  /** Who starts this service's operations. Default "console". */
  readonly source?: 'console' | 'cli';
}

/** The running core of one console. */
export interface ConsoleService {
  /** The handlers of the requests about this fleet, which both transports expose through the host. */
  readonly handlers: FleetHandlers;
  /** The fleet store, for in-process readers such as the CLI. */
  readonly store: FleetStore;
  /** Batched deltas; the listener is first called at once with a reset delta. */
  subscribe(listener: (delta: FleetDelta) => void): Unsubscribe;
  /** The whole fleet as a delta with `reset: true`. */
  resetDelta(): FleetDelta;
  /** Links to a node and shows it as `connecting`. Throws if a node with its id is already there. */
  addNode(node: FleetNodeConfig): void;
  /** Closes a node's link and forgets it; false when there was no such node. */
  removeNode(nodeId: string): boolean;
  /** Why the latest DNS lookup of the fleet's nodes could not be used; null when it could or there is none. */
  discoveryProblem(): string | null;
  /** Resolves once the first DNS lookup has finished (at once for a fleet without DNS discovery). */
  discovered(): Promise<void>;
  /** The fleet's operator workflows (drain, provisioning, rolls, balancer), for the CLI. */
  readonly operations: Operations;
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
  const channels = createChannels(fleet, store);
  const links = new Map<string, NodeLink>();
  let disposed = false;

  const linkTo = (node: FleetNodeConfig): NodeLink => {
    const link = new NodeLink(
      node.id,
      node.adminUrl,
      node.token,
      {
        hello: (frame) => store.hello(node.id, frame),
        sample: (frame) => {
          channels.sample(node.id, frame);
          store.sample(node.id, frame);
        },
        event: (frame) => store.event(node.id, frame),
        down: (problem) => {
          channels.forget(node.id);
          store.down(node.id, problem);
        },
        dropped: (reason) => store.dropped(node.id, reason),
      },
      options.linkTiming ?? DEFAULT_LINK_TIMING,
    );
    links.set(node.id, link);
    link.start();
    return link;
  };
  // The store already holds the static nodes (its constructor adds them).
  for (const node of fleet.nodes) linkTo(node);

  const addNode = (node: FleetNodeConfig): void => {
    if (disposed) throw new Error('the console service is closed');
    if (links.has(node.id)) throw new Error(`the fleet already has a node "${node.id}"`);
    store.add(node);
    linkTo(node);
  };
  const removeNode = (nodeId: string): boolean => {
    const link = links.get(nodeId);
    if (link === undefined) return false;
    links.delete(nodeId);
    link.dispose();
    channels.forget(nodeId);
    store.remove(nodeId);
    return true;
  };

  const dns = fleet.discovery?.dns;
  const discovery =
    dns === undefined
      ? null
      : new DnsDiscovery({
          config: dns,
          reservedIds: new Set(fleet.nodes.map((node) => node.id)),
          listener: { added: addNode, removed: removeNode },
        });
  discovery?.start();

  const operations = createOperations({
    fleet,
    store,
    audit: options.audit ?? new AuditLog(null),
    source: options.source ?? 'console',
    view: (nodeId) => store.view(nodeId),
    views: () => store.views(),
    command: (nodeId, name, args) => {
      const link = links.get(nodeId);
      if (link === undefined) return Promise.reject(new Error(`no node "${nodeId}" in this fleet`));
      return link.command(name, args);
    },
    addNode,
    removeNode,
    subscribe: (listener) => subscribe(listener),
  });

  function subscribe(listener: (delta: FleetDelta) => void): Unsubscribe {
    listeners.add(listener);
    listener(store.resetDelta());
    return () => {
      listeners.delete(listener);
    };
  }

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
      const totals = store.tick();
      channels.tick(totals.time);
    } catch (error) {
      console.error('fleetdeck: computing fleet totals failed', error);
    }
  }, tickMs);

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
      ...operations.handlers,
      ...channels.handlers,
    },
    subscribe,
    operations,
    resetDelta: () => store.resetDelta(),
    addNode,
    removeNode,
    discoveryProblem: () => discovery?.problem ?? null,
    discovered: () => discovery?.firstLookup() ?? Promise.resolve(),
    async dispose() {
      if (disposed) return;
      disposed = true;
      operations.dispose();
      channels.dispose();
      discovery?.dispose();
      clearInterval(flushTimer);
      clearInterval(tickTimer);
      listeners.clear();
      for (const link of links.values()) link.dispose();
      links.clear();
    },
  };
}
