/**
 * The balancer view's pure logic: HAProxy's status texts as tones, the table's rows (servers
 * beside the agents, and nodes that no server is), what each action will do, and the node
 * detail's one-line summary. No React, no DOM.
 */
import type {
  BalancerServer,
  BalancerStateName,
  BalancerView,
  NodeStatus,
  NodeView,
} from '../../../main/common/models.js';

/** How a server's state is drawn: UP, DRAIN, MAINT, DOWN, or anything else (NOLB, unknown). */
export type BalancerTone = 'up' | 'drain' | 'maint' | 'down' | 'other';

/** The tone of an HAProxy status text: "DRAIN (agent)" → drain, "UP 1/3" → up, "no check" → up. */
export function balancerTone(state: string): BalancerTone {
  const word = state.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  switch (word) {
    case 'UP':
      return 'up';
    case 'DRAIN':
      return 'drain';
    case 'MAINT':
      return 'maint';
    case 'DOWN':
      return 'down';
    default:
      return /^no check$/i.test(state.trim()) ? 'up' : 'other';
  }
}

/** One line of the balancer table: a server (with its node, if any), or a node no server is. */
export interface BalancerRow {
  /** Unique within the table. */
  readonly key: string;
  readonly server: BalancerServer | null;
  readonly nodeId: string | null;
  /** The agent's state, or null when the server is no fleet node. */
  readonly agentStatus: NodeStatus | null;
  /** Open connections the agent reports, or null. */
  readonly agentConnections: number | null;
  /** Mismatch messages about this server or node. */
  readonly warnings: readonly string[];
}

/** The table's rows: every server in HAProxy's order, then the fleet's nodes that no server is. */
export function balancerRows(view: BalancerView, nodes: readonly NodeView[]): BalancerRow[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const warningsOf = (server: string | null, nodeId: string | null) =>
    view.mismatches
      .filter(
        (mismatch) =>
          (server !== null && mismatch.server === server) || (nodeId !== null && mismatch.nodeId === nodeId),
      )
      .map((mismatch) => mismatch.message);
  const rows: BalancerRow[] = view.servers.map((server) => {
    const node = server.nodeId === null ? undefined : byId.get(server.nodeId);
    return {
      key: `server:${server.backend}/${server.name}`,
      server,
      nodeId: server.nodeId,
      agentStatus: node?.status ?? null,
      agentConnections: node?.connections?.open ?? null,
      warnings: warningsOf(server.name, server.nodeId),
    };
  });
  const behind = new Set(view.servers.map((server) => server.nodeId));
  for (const node of nodes) {
    if (behind.has(node.id)) continue;
    rows.push({
      key: `node:${node.id}`,
      server: null,
      nodeId: node.id,
      agentStatus: node.status,
      agentConnections: node.connections?.open ?? null,
      warnings: warningsOf(null, node.id),
    });
  }
  return rows;
}

/** The state an action sets, as the tone it leads to; a button for the current one is disabled. */
export function isCurrentState(state: string, action: BalancerStateName): boolean {
  const tone = balancerTone(state);
  return (
    (action === 'ready' && tone === 'up') ||
    (action === 'drain' && tone === 'drain') ||
    (action === 'maint' && tone === 'maint')
  );
}

/** What an action will do, for its confirm dialog. */
export interface ActionPlan {
  readonly title: string;
  readonly confirmLabel: string;
  readonly effects: readonly string[];
}

const plural = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;

/** The confirm dialog's text for setting `server` to `action` at HAProxy. */
export function actionPlan(
  server: BalancerServer,
  action: BalancerStateName,
  agentStatus: NodeStatus | null,
): ActionPlan {
  const target = `${server.backend}/${server.name}`;
  const who = server.nodeId ?? server.name;
  const sessions =
    server.sessions === 0
      ? 'It has no open sessions now.'
      : `Its ${plural(server.sessions, 'open session')} ${server.sessions === 1 ? 'stays' : 'stay'} open: HAProxy does not close them. To move them, drain the node through its agent.`;
  const audit = 'The change is recorded in the audit log.';
  switch (action) {
    case 'maint':
      return {
        title: `Put ${who} into maintenance at HAProxy?`,
        confirmLabel: 'Set maint',
        effects: [
          `HAProxy sends no new connections to ${target} and stops checking it.`,
          sessions,
          'Its agent-check is paused, so the agent cannot undo this, until you set it ready.',
          ...(agentStatus === 'active'
            ? ['Its agent stays active: this view will warn that HAProxy keeps it out.']
            : []),
          audit,
        ],
      };
    case 'drain':
      return {
        title: `Drain ${who} at HAProxy?`,
        confirmLabel: 'Set drain',
        effects: [
          `HAProxy sends no new connections to ${target}; it keeps checking it.`,
          sessions,
          'Its agent-check is paused, so the agent cannot undo this, until you set it ready.',
          ...(agentStatus === 'active'
            ? ['Its agent stays active: this view will warn that HAProxy keeps it out.']
            : []),
          audit,
        ],
      };
    case 'ready':
      return {
        title: `Set ${who} ready at HAProxy?`,
        confirmLabel: 'Set ready',
        effects: [
          `HAProxy clears DRAIN and MAINT on ${target} and sends it new connections once its checks pass.`,
          agentStatus === 'draining' || agentStatus === 'drained'
            ? `Its agent-check runs again; the agent is ${agentStatus}, so HAProxy puts it back into DRAIN at the next check.`
            : 'Its agent-check runs again, and sets its weight and drain state from the agent.',
          audit,
        ],
      };
  }
}

/** A server's figures after its state, for the node detail's line: "12 sessions · weight 100". */
export function serverFigures(server: BalancerServer): string {
  return `${plural(server.sessions, 'session')} · weight ${server.weight}`;
}

/** The balancer's figures for one node, for the node detail. */
export type NodeBalancerState =
  | { readonly kind: 'none' }
  | { readonly kind: 'unreachable'; readonly problem: string }
  | { readonly kind: 'absent'; readonly warnings: readonly string[] }
  | { readonly kind: 'server'; readonly server: BalancerServer; readonly warnings: readonly string[] };

/** What the balancer says about `nodeId`: nothing (no balancer), a problem, no server, or its server. */
export function nodeBalancerState(view: BalancerView | null, nodeId: string): NodeBalancerState {
  if (view === null || !view.configured) return { kind: 'none' };
  if (!view.reachable) return { kind: 'unreachable', problem: view.problem ?? 'HAProxy cannot be read' };
  const warnings = view.mismatches
    .filter((mismatch) => mismatch.nodeId === nodeId)
    .map((item) => item.message);
  const server = view.servers.find((candidate) => candidate.nodeId === nodeId);
  return server === undefined ? { kind: 'absent', warnings } : { kind: 'server', server, warnings };
}
