/**
 * The console host: owns the open fleet's {@link ConsoleService} and switches it for another
 * fleet file on request. The transports (Electron IPC, web mode) serve the host, never a
 * service directly, so a switch reaches every window: each subscriber gets a reset delta of
 * the new fleet. It also answers the requests that need no open fleet: the list of recent and
 * discovered fleets, and opening one.
 */

import { tmpdir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type {
  ConsoleHandlers,
  ConsoleRequests,
  FleetRequestName,
  Unsubscribe,
} from '../common/console-api.js';
import type { FleetDelta, FleetEntry, FleetList, FleetSnapshot, FleetSource } from '../common/models.js';
import { type ConsoleService, type ConsoleServiceOptions, createConsoleService } from './console-service.js';
import { findLauncherFleets, isLauncherFileName, isProcessAlive } from './fleet-discovery.js';
import { type FleetConfig, loadFleetFile } from './fleet-file.js';
import { AuditLog } from './operations/audit-log.js';
import { RecentFleets } from './recent-fleets.js';

/** What a transport serves: every request's handler and the stream of deltas. */
export interface ConsoleBackend {
  /** One async handler per request; arguments arrive unchecked from web mode and are checked inside. */
  readonly handlers: ConsoleHandlers;
  /** Batched deltas; while a fleet is open the listener is first called at once with a reset delta. */
  subscribe(listener: (delta: FleetDelta) => void): Unsubscribe;
  /** The open fleet as a reset delta (for a subscriber that had to skip deltas); null while none is open. */
  resetDelta(): FleetDelta | null;
}

/** The message of every fleet request while no fleet is open. */
export const NO_FLEET_OPEN = 'No fleet is open';

/** Longest path `openFleet` accepts. */
const MAX_PATH_LENGTH = 4096;

/** Checks `openFleet`'s untrusted arguments (shared by both transports). */
export function parseOpenFleetArgs(args: readonly unknown[]): ConsoleRequests['openFleet']['args'] {
  const [path] = args;
  if (args.length !== 1 || typeof path !== 'string')
    throw new TypeError('openFleet takes one fleet file path');
  const trimmed = path.trim();
  if (trimmed.length === 0) throw new TypeError('Enter the path of a fleet file');
  if (trimmed.length > MAX_PATH_LENGTH || trimmed.includes('\0'))
    throw new TypeError('That is not a file path');
  return [trimmed];
}

/** Checks `listFleets`'s untrusted arguments. */
export function parseListFleetsArgs(args: readonly unknown[]): ConsoleRequests['listFleets']['args'] {
  if (args.length !== 0) throw new TypeError('listFleets takes no arguments');
  return [];
}

/** Options for {@link createConsoleHost}. */
export interface ConsoleHostOptions {
  /** Where the recent-fleets list lives (see data-dir.ts). */
  readonly dataDir: string;
  /** Where running launchers write their fleet files. Default: the OS temp folder. */
  readonly launcherDir?: string;
  /** Tests pass their own; default: signal 0. */
  readonly isProcessAlive?: (pid: number) => boolean;
  /** For every fleet's service: flush and tick periods, link timing. */
  readonly serviceOptions?: Omit<ConsoleServiceOptions, 'fleet'>;
  /** Where warnings go. Default console.warn. */
  readonly warn?: (message: string) => void;
  /** The audit log. Default: audit.jsonl in `dataDir`. */
  readonly audit?: AuditLog;
}

/** The open fleet. */
export interface OpenFleet {
  /** Absolute path of its fleet file. */
  readonly path: string;
  readonly fleet: FleetConfig;
  readonly service: ConsoleService;
  readonly openedAt: number;
}

/** The console's fleet owner; see the module comment. */
export interface ConsoleHost extends ConsoleBackend {
  /** The open fleet, or null. */
  current(): OpenFleet | null;
  /**
   * Loads and validates the fleet file, then closes the open fleet, opens this one, tells
   * every subscriber (a reset delta) and remembers it among the recent fleets. A file that
   * does not load rejects with a readable message and leaves the open fleet as it was.
   * Switches run one at a time, in call order.
   */
  open(path: string): Promise<FleetSnapshot>;
  /**
   * With no `--fleet` given: opens the most recent fleet that loads, else the newest running
   * launcher's fleet; resolves with its path, or null when there is none (the UI then shows
   * how to open one).
   */
  openStartupFleet(): Promise<string | null>;
  /** Closes the open fleet. Safe to call twice. */
  dispose(): Promise<void>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates a host with no fleet open. */
export function createConsoleHost(options: ConsoleHostOptions): ConsoleHost {
  const warn = options.warn ?? ((text: string) => console.warn(text));
  const launcherDir = resolve(options.launcherDir ?? tmpdir());
  const isAlive = options.isProcessAlive ?? isProcessAlive;
  const recents = new RecentFleets({ dataDir: options.dataDir, warn });
  // One audit log for every fleet this console opens: the Activity view shows them all.
  const audit = options.audit ?? AuditLog.inDirectory(options.dataDir);
  const listeners = new Set<(delta: FleetDelta) => void>();
  let opened: (OpenFleet & { readonly unsubscribe: Unsubscribe }) | null = null;
  let switching: Promise<unknown> = Promise.resolve();
  let disposed = false;

  const broadcast = (delta: FleetDelta): void => {
    for (const listener of listeners) {
      try {
        listener(delta);
      } catch (error) {
        console.error('fleetdeck: a delta listener failed', error);
      }
    }
  };

  const openService = (): ConsoleService => {
    if (opened === null) throw new Error(NO_FLEET_OPEN);
    return opened.service;
  };

  const sourceOf = (path: string, fleet: FleetConfig | null): FleetSource => {
    if (fleet?.discovery) return 'dns';
    return dirname(path) === launcherDir && isLauncherFileName(basename(path)) ? 'launcher' : 'file';
  };

  const entryFor = async (
    path: string,
    knownName: string | null,
    lastOpenedAt: number | null,
  ): Promise<FleetEntry> => {
    try {
      const fleet = await loadFleetFile(path);
      return {
        path,
        name: fleet.name,
        // A DNS fleet's size is known only once it is open and resolved.
        nodeCount: fleet.discovery ? null : fleet.nodes.length,
        source: sourceOf(path, fleet),
        lastOpenedAt,
        problem: null,
      };
    } catch (error) {
      return {
        path,
        name: knownName ?? basename(path),
        nodeCount: null,
        source: sourceOf(path, null),
        lastOpenedAt,
        problem: message(error),
      };
    }
  };

  const listFleets = async (): Promise<FleetList> => {
    const [remembered, launched] = await Promise.all([
      recents.list(),
      findLauncherFleets(launcherDir, isAlive),
    ]);
    const open = opened;
    const current: FleetEntry | null =
      open === null
        ? null
        : {
            path: open.path,
            name: open.fleet.name,
            nodeCount: open.service.store.snapshot().nodes.length,
            source: sourceOf(open.path, open.fleet),
            lastOpenedAt: open.openedAt,
            problem: open.service.discoveryProblem(),
          };
    const recent = await Promise.all(
      remembered
        .filter((fleet) => fleet.path !== open?.path)
        .map((fleet) => entryFor(fleet.path, fleet.name, fleet.lastOpenedAt)),
    );
    const listed = new Set([open?.path, ...remembered.map((fleet) => fleet.path)]);
    const discovered = await Promise.all(
      launched.filter((fleet) => !listed.has(fleet.path)).map((fleet) => entryFor(fleet.path, null, null)),
    );
    return { current, recent, discovered };
  };

  const switchTo = async (path: string): Promise<FleetSnapshot> => {
    const absolute = resolve(path);
    // Load first: a bad file must leave the open fleet untouched.
    const fleet = await loadFleetFile(absolute);
    if (disposed) throw new Error('The console is closing');
    const previous = opened;
    opened = null;
    if (previous !== null) {
      previous.unsubscribe();
      await previous.service.dispose();
    }
    const service = createConsoleService({ ...options.serviceOptions, fleet, audit });
    const openedAt = Date.now();
    let unsubscribe: Unsubscribe = () => {};
    opened = { path: absolute, fleet, service, openedAt, unsubscribe: () => unsubscribe() };
    // The service calls back at once with its reset delta: every window switches now.
    unsubscribe = service.subscribe(broadcast);
    try {
      await recents.record(absolute, fleet.name, openedAt);
    } catch (error) {
      warn(`fleetdeck: cannot remember ${absolute} among the recent fleets: ${message(error)}`);
    }
    return service.store.snapshot();
  };

  const open = (path: string): Promise<FleetSnapshot> => {
    const run = switching.then(
      () => switchTo(path),
      () => switchTo(path),
    );
    switching = run.catch(() => {});
    return run;
  };

  // Each forwards to whichever service is open when the request arrives.
  const fleetHandlers: Pick<ConsoleHandlers, FleetRequestName> = {
    getFleet: async (...args) => openService().handlers.getFleet(...args),
    getHistory: async (...args) => openService().handlers.getHistory(...args),
    getAlerts: async (...args) => openService().handlers.getAlerts(...args),
    getNodeDetail: async (...args) => openService().handlers.getNodeDetail(...args),
    getSparklines: async (...args) => openService().handlers.getSparklines(...args),
    previewDrain: async (...args) => openService().handlers.previewDrain(...args),
    drainNode: async (...args) => openService().handlers.drainNode(...args),
    undrainNode: async (...args) => openService().handlers.undrainNode(...args),
    previewShed: async (...args) => openService().handlers.previewShed(...args),
    shedNode: async (...args) => openService().handlers.shedNode(...args),
    addNode: async (...args) => openService().handlers.addNode(...args),
    removeNode: async (...args) => openService().handlers.removeNode(...args),
    startRoll: async (...args) => openService().handlers.startRoll(...args),
    controlRoll: async (...args) => openService().handlers.controlRoll(...args),
    getOperations: async (...args) => openService().handlers.getOperations(...args),
    getActivity: async (...args) => openService().handlers.getActivity(...args),
    getBalancer: async (...args) => openService().handlers.getBalancer(...args),
    setBalancerState: async (...args) => openService().handlers.setBalancerState(...args),
    getChannels: async (...args) => openService().handlers.getChannels(...args),
    getChannel: async (...args) => openService().handlers.getChannel(...args),
    getBroker: async (...args) => openService().handlers.getBroker(...args),
  };

  return {
    handlers: {
      ...fleetHandlers,
      listFleets: async (...args) => {
        parseListFleetsArgs(args);
        return listFleets();
      },
      openFleet: async (...args) => open(...parseOpenFleetArgs(args)),
    },
    subscribe(listener) {
      listeners.add(listener);
      if (opened !== null) listener(opened.service.resetDelta());
      return () => listeners.delete(listener);
    },
    resetDelta: () => opened?.service.resetDelta() ?? null,
    current: () => opened,
    open,
    async openStartupFleet() {
      for (const fleet of await recents.list()) {
        try {
          await open(fleet.path);
          return fleet.path;
        } catch (error) {
          warn(`fleetdeck: not reopening ${fleet.path}: ${message(error)}`);
        }
      }
      for (const fleet of await findLauncherFleets(launcherDir, isAlive)) {
        try {
          await open(fleet.path);
          return fleet.path;
        } catch (error) {
          warn(`fleetdeck: not opening the launcher's fleet ${fleet.path}: ${message(error)}`);
        }
      }
      return null;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await switching;
      const last = opened;
      opened = null;
      listeners.clear();
      if (last !== null) {
        last.unsubscribe();
        await last.service.dispose();
      }
    },
  };
}
