/**
 * The load balancer's view of the fleet: HAProxy's runtime API (`show stat`) read on demand,
 * each server matched to a fleet node, with mismatch warnings, and the operator's state changes
 * (ready, drain, maint) at the balancer, audited.
 *
 * Matching: a server is the node whose id is the server's name; failing that, the node whose
 * public URL has the server's address (host:port).
 *
 * Mismatch rules (docs/fleet.md, "The balancer view"). `grace` is twice the check interval,
 * counted from when the agent entered its state, so HAProxy has had two checks to follow:
 * - agent `draining`/`drained`, server UP (not DRAIN, MAINT, NOLB or DOWN) after the grace:
 *   "node-2 is draining but HAProxy still sends it new connections";
 * - agent `active`, server DRAIN or MAINT after the grace: "HAProxy keeps node-2 out although
 *   its agent is active";
 * - agent `active`, server DOWN after the grace: HAProxy's checks fail although the agent is up;
 * - a server that matches no node: "HAProxy server X is not in the fleet";
 * - a node that matches no server: "node-4 is not behind HAProxy".
 * An unreachable runtime API is the view's `problem`, never an exception.
 */
import type {
  BalancerMismatch,
  BalancerServer,
  BalancerStateName,
  BalancerView,
  NodeView,
  OperationRecord,
} from '../../common/models.js';
import type { BalancerConfig } from './balancer-config.js';
import type { OperationsContext } from './context.js';
import { HaproxyRuntime, type HaproxyServerStat } from './haproxy-runtime.js';

/** The balancer view of one fleet. */
export interface BalancerOperations {
  view(): Promise<BalancerView>;
  /**
   * Sets a server's state at the balancer. `nodeId` names a fleet node, or else a server of the
   * backend (to act on a server the fleet does not know). `maint` and `drain` pause the server's
   * agent-check (an agent answering `ready` would cancel them); `ready` resumes it.
   */
  setState(nodeId: string, state: BalancerStateName): Promise<OperationRecord>;
  /**
   * A node's server state from a fresh `show stat`: null when the fleet names no balancer
   * (or the backend has no server for the node). Rejects when the runtime API cannot be read.
   */
  serverState(nodeId: string): Promise<ServerStateCategory | null>;
  dispose(): void;
}

/** Options for {@link createBalancerOperations}, for tests. */
export interface BalancerOperationsOptions {
  readonly now?: () => number;
  /** A `show stat` younger than this is reused by concurrent views (several windows poll), ms. */
  readonly cacheMs?: number;
}

/** The coarse state of an HAProxy status text: "DRAIN (agent)" → DRAIN, "UP 1/3" → UP, "no check" → UP. */
export type ServerStateCategory = 'UP' | 'DOWN' | 'DRAIN' | 'MAINT' | 'NOLB' | 'OTHER';

/** The category of one of HAProxy's status texts. */
export function serverStateCategory(status: string): ServerStateCategory {
  const word = status.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  if (word === 'UP' || word === 'DOWN' || word === 'DRAIN' || word === 'MAINT' || word === 'NOLB')
    return word;
  // A server without checks is taken as up: HAProxy sends it traffic.
  if (/^no check$/i.test(status.trim())) return 'UP';
  return 'OTHER';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** "host:port" of a URL, lower case, brackets and default ports resolved; null when it has none. */
function urlAddress(url: string | null): string | null {
  if (url === null) return null;
  try {
    const parsed = new URL(url);
    const defaults: Record<string, string> = { 'ws:': '80', 'http:': '80', 'wss:': '443', 'https:': '443' };
    const port = parsed.port || defaults[parsed.protocol];
    if (port === undefined) return null;
    return normalAddress(`${parsed.hostname}:${port}`);
  } catch {
    return null;
  }
}

function normalAddress(address: string): string {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address.trim().toLowerCase());
  if (match === null) return address.trim().toLowerCase();
  const host = LOOPBACK.has(match[1] ?? '') ? 'loopback' : (match[1] ?? '');
  return `${host}:${match[2]}`;
}

/** The check columns in one short text: "L7OK", "L4CON Connection refused · agent L7OK"; null when none. */
function checkText(stat: HaproxyServerStat): string | null {
  const parts: string[] = [];
  if (stat.checkStatus !== null) {
    const ok = /OK$/.test(stat.checkStatus);
    parts.push(
      ok || stat.checkDescription === null
        ? stat.checkStatus
        : `${stat.checkStatus} ${stat.checkDescription}`,
    );
  }
  if (stat.agentStatus !== null) parts.push(`agent ${stat.agentStatus}`);
  return parts.length === 0 ? null : parts.join(' · ');
}

/** When the agent entered its current state, by the console's clock. */
function stateSince(view: NodeView): number {
  // A drain the console first saw as `drained` started earlier: the agent's own start time says when.
  if (view.status === 'drained' && view.drain?.kind === 'drain')
    return Math.min(view.statusSince, view.drain.startedAt);
  return view.statusSince;
}

/**
 * Matches HAProxy's servers to the fleet's nodes and applies the mismatch rules. Pure: `now`
 * and the check interval come in, so the rules can be tested without waiting.
 */
export function compareWithFleet(
  stats: readonly HaproxyServerStat[],
  views: readonly NodeView[],
  checkIntervalMs: number,
  now: number,
): { servers: BalancerServer[]; mismatches: BalancerMismatch[] } {
  const byId = new Map(views.map((view) => [view.id, view]));
  const byAddress = new Map<string, NodeView>();
  for (const view of views) {
    const address = urlAddress(view.publicUrl);
    if (address !== null && !byAddress.has(address)) byAddress.set(address, view);
  }
  const matched = new Set<string>();
  // Names first, so a node named like its server is never taken by another server's address.
  const nodeOf = new Map<HaproxyServerStat, NodeView>();
  for (const stat of stats) {
    const view = byId.get(stat.server);
    if (view !== undefined && !matched.has(view.id)) {
      nodeOf.set(stat, view);
      matched.add(view.id);
    }
  }
  for (const stat of stats) {
    if (nodeOf.has(stat) || stat.address === null) continue;
    const view = byAddress.get(normalAddress(stat.address));
    if (view !== undefined && !matched.has(view.id)) {
      nodeOf.set(stat, view);
      matched.add(view.id);
    }
  }

  const grace = 2 * checkIntervalMs;
  const mismatches: BalancerMismatch[] = [];
  const servers = stats.map((stat): BalancerServer => {
    const view = nodeOf.get(stat) ?? null;
    const server: BalancerServer = {
      backend: stat.backend,
      name: stat.server,
      nodeId: view?.id ?? null,
      state: stat.status,
      sessions: stat.sessions,
      weight: stat.weight,
      checkStatus: checkText(stat),
    };
    if (view === null) {
      mismatches.push({
        nodeId: null,
        server: stat.server,
        message: `HAProxy server ${stat.server} is not in the fleet`,
      });
      return server;
    }
    const category = serverStateCategory(stat.status);
    const settled = now - stateSince(view) > grace;
    if (!settled) return server;
    if ((view.status === 'draining' || view.status === 'drained') && category === 'UP') {
      mismatches.push({
        nodeId: view.id,
        server: stat.server,
        message: `${view.id} is ${view.status} but HAProxy still sends it new connections`,
      });
    } else if (view.status === 'active' && (category === 'DRAIN' || category === 'MAINT')) {
      mismatches.push({
        nodeId: view.id,
        server: stat.server,
        message: `HAProxy keeps ${view.id} out although its agent is active`,
      });
    } else if (view.status === 'active' && category === 'DOWN') {
      const why = stat.checkDescription ?? stat.checkStatus;
      mismatches.push({
        nodeId: view.id,
        server: stat.server,
        message: `HAProxy's checks fail for ${view.id} although its agent is active${why === null ? '' : ` (${why})`}`,
      });
    }
    return server;
  });
  for (const view of views) {
    if (!matched.has(view.id)) {
      mismatches.push({ nodeId: view.id, server: null, message: `${view.id} is not behind HAProxy` });
    }
  }
  return { servers, mismatches };
}

const NOT_CONFIGURED =
  'This fleet file names no HAProxy runtime API: add a "balancer" block with "kind": "haproxy" and "runtimeApi" (see docs/fleet.md)';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createBalancerOperations(
  context: OperationsContext,
  options: BalancerOperationsOptions = {},
): BalancerOperations {
  const config: BalancerConfig | null = context.fleet.balancer ?? null;
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 500;
  const runtime = config === null ? null : new HaproxyRuntime({ address: config.address });
  let pending: Promise<HaproxyServerStat[]> | null = null;
  let cached: { readonly at: number; readonly stats: HaproxyServerStat[] } | null = null;

  /** `show stat` of the backend, shared by concurrent callers and reused for `cacheMs`. */
  const readStats = (fresh: boolean): Promise<HaproxyServerStat[]> => {
    if (runtime === null || config === null) return Promise.reject(new Error(NOT_CONFIGURED));
    if (!fresh && cached !== null && now() - cached.at < cacheMs) return Promise.resolve(cached.stats);
    if (pending !== null && !fresh) return pending;
    const request = runtime.servers(config.backend).then(
      (stats) => {
        cached = { at: now(), stats };
        return stats;
      },
      (error: unknown) => {
        cached = null;
        throw error;
      },
    );
    const shared = request.finally(() => {
      if (pending === shared) pending = null;
    });
    pending = shared;
    return shared;
  };

  const base = () => ({
    time: now(),
    configured: config !== null,
    kind: config === null ? null : ('haproxy' as const),
    address: runtime?.where ?? null,
  });

  return {
    async view() {
      if (config === null) {
        return { ...base(), reachable: false, problem: null, servers: [], mismatches: [] };
      }
      try {
        const stats = await readStats(false);
        const { servers, mismatches } = compareWithFleet(
          stats,
          context.views(),
          config.checkIntervalMs,
          now(),
        );
        return { ...base(), reachable: true, problem: null, servers, mismatches };
      } catch (error) {
        return { ...base(), reachable: false, problem: messageOf(error), servers: [], mismatches: [] };
      }
    },

    async serverState(nodeId) {
      if (config === null) return null;
      const stats = await readStats(true);
      const { servers } = compareWithFleet(stats, context.views(), config.checkIntervalMs, now());
      const server = servers.find((candidate) => candidate.nodeId === nodeId);
      return server === undefined ? null : serverStateCategory(server.state);
    },

    async setState(nodeId, state) {
      const handle = await context.audit.start({
        action: 'balancer-state',
        nodeId: context.view(nodeId) === null ? null : nodeId,
        args: { target: nodeId, state },
        source: context.source,
        fleet: context.fleet.name,
      });
      try {
        if (runtime === null || config === null) throw new Error(NOT_CONFIGURED);
        const stats = await readStats(true);
        const { servers } = compareWithFleet(stats, context.views(), config.checkIntervalMs, now());
        const server =
          servers.find((candidate) => candidate.nodeId === nodeId) ??
          servers.find((candidate) => candidate.name === nodeId && candidate.nodeId === null);
        const stat = stats.find((candidate) => candidate.server === server?.name);
        if (server === undefined || stat === undefined) {
          throw new Error(
            `${nodeId} is not behind HAProxy: backend ${config.backend} has no server named ${nodeId} or at its address`,
          );
        }
        let agentNote = '';
        if (state === 'ready') {
          await runtime.setServerState(config.backend, server.name, 'ready');
          if (await runtime.setAgentCheck(config.backend, server.name, true)) {
            agentNote = '; its agent-check runs again';
          }
        } else {
          // Pause a running agent-check first: its next `ready` would cancel the state set here.
          if (
            stat.agentStatus !== null &&
            (await runtime.setAgentCheck(config.backend, server.name, false))
          ) {
            agentNote = '; its agent-check is paused until it is set ready';
          }
          await runtime.setServerState(config.backend, server.name, state);
        }
        cached = null;
        return await handle.finish(
          'succeeded',
          `HAProxy server ${config.backend}/${server.name} set to ${state}${agentNote}`,
        );
      } catch (error) {
        cached = null;
        await handle.finish('failed', messageOf(error));
        throw error;
      }
    },

    dispose() {
      runtime?.dispose();
    },
  };
}
