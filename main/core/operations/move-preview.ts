/**
 * What a drain or shed will do, before it is done: pure arithmetic over the nodes' latest views.
 *
 * - Connections to move: a drain moves every open connection of the node; a shed moves
 *   `count` of them (at most the open ones, as the agent does) or `round(percent % × open)`.
 * - Pace: the agent (agent/drain.ts) gives the i-th of N closes a random moment inside its own
 *   slot of the spread, `(i + u) × spread / N`, so closes run at an even N / spread per second.
 *   A drain spreads its closes over 80 % of the deadline (the last 20 % is for stragglers,
 *   closed at the deadline); a shed spreads them over the whole deadline.
 * - Targets: the other `active` nodes. Moved clients reconnect through the balancer; with
 *   HAProxy's `balance leastconn` each reconnect lands on the node with the fewest connections
 *   at that moment, which is water-filling: the least-loaded nodes fill first until they reach
 *   the others' level, then all rise together. This assumes a least-connections balancer and a
 *   fleet otherwise steady while the connections move (round robin would spread them evenly
 *   over the targets instead, whatever they hold).
 * - CPU after: CPU scales with connections, `cpuNow × after / now`; unknown (null) when the
 *   node reports no CPU or has no connection to scale from.
 */
import type { CapacityLimits, MovePreview, MoveTarget, NodeView, ShedAmount } from '../../common/models.js';

/** Share of a drain's deadline over which the agent spreads its closes (agent/drain.ts). */
export const DRAIN_SPREAD_SHARE = 0.8;
/** Share of a shed's deadline over which the agent spreads its closes (agent/drain.ts). */
export const SHED_SPREAD_SHARE = 1;

/** What a preview is asked about. */
export interface MovePreviewInput {
  readonly kind: 'drain' | 'shed';
  readonly nodeId: string;
  /** For a shed: how much. Ignored for a drain. */
  readonly amount?: ShedAmount;
  readonly deadlineMs: number;
  /** Every node's latest view, the node itself included. */
  readonly views: readonly NodeView[];
  readonly limits: CapacityLimits;
}

/** The connections a shed of `amount` closes on a node with `open` connections. */
export function shedCount(amount: ShedAmount, open: number): number {
  if ('count' in amount) return Math.max(0, Math.min(amount.count, open));
  return Math.max(0, Math.min(open, Math.round((amount.percent / 100) * open)));
}

/** Average closes per second the agent will make: connections over the spread part of the deadline. */
export function closesPerSecond(kind: 'drain' | 'shed', connections: number, deadlineMs: number): number {
  const spreadSeconds = (deadlineMs * (kind === 'drain' ? DRAIN_SPREAD_SHARE : SHED_SPREAD_SHARE)) / 1000;
  return spreadSeconds > 0 ? connections / spreadSeconds : 0;
}

/**
 * Spreads `moved` connections over nodes holding `now` each, least-loaded first (water-filling),
 * in whole connections. Returns the counts after, in the order given. Ties go to the earlier one.
 */
export function waterFill(now: readonly number[], moved: number): number[] {
  const after = [...now];
  if (now.length === 0 || moved <= 0) return after;
  const order = now
    .map((count, index) => ({ count, index }))
    .sort((a, b) => a.count - b.count || a.index - b.index);
  // Find how many of the least-loaded nodes the moved connections fill up to a common level.
  let filled = 0;
  let sum = 0;
  for (; filled < order.length; filled++) {
    const next = order[filled] as { count: number };
    // With `filled` nodes at the level so far: stop when the level would not reach the next one.
    if (filled > 0 && (moved + sum) / filled <= next.count) break;
    sum += next.count;
  }
  const total = moved + sum;
  const level = Math.floor(total / filled);
  let remainder = total - level * filled;
  for (let rank = 0; rank < filled; rank++) {
    const { index } = order[rank] as { index: number };
    after[index] = level + (remainder > 0 ? 1 : 0);
    if (remainder > 0) remainder--;
  }
  return after;
}

/** A percentage for a sentence: "92 %". */
function percentText(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** The preview of a drain or shed; throws when the fleet has no such node. */
export function previewMove(input: MovePreviewInput): MovePreview {
  const { kind, nodeId, deadlineMs, limits } = input;
  const node = input.views.find((view) => view.id === nodeId);
  if (node === undefined) throw new Error(`no node "${nodeId}" in this fleet`);
  const open = node.connections?.open ?? 0;
  const connections = kind === 'drain' ? open : shedCount(input.amount ?? { count: 0 }, open);
  const warnings: string[] = [];

  switch (node.status) {
    case 'unreachable':
    case 'connecting':
      warnings.push(
        `${nodeId} is ${node.status === 'unreachable' ? 'unreachable' : 'not linked yet'}: its connections are unknown and it cannot take the command now.`,
      );
      break;
    case 'draining':
      warnings.push(
        kind === 'drain'
          ? `${nodeId} is already draining: the drain in progress carries on with its own deadline.`
          : `${nodeId} is draining: only an active node can shed connections.`,
      );
      break;
    case 'drained':
      warnings.push(
        kind === 'drain'
          ? `${nodeId} is already drained: it is empty and safe to stop.`
          : `${nodeId} is drained: only an active node can shed connections.`,
      );
      break;
    case 'active':
      break;
  }
  if (kind === 'shed' && input.amount !== undefined && node.status === 'active') {
    if ('count' in input.amount && input.amount.count > open) {
      warnings.push(`${nodeId} has only ${open} open connections: the shed closes those ${open}.`);
    } else if (connections === 0) {
      warnings.push(`Nothing to shed: ${nodeId} has ${open} open connections.`);
    }
  }

  const others = input.views.filter((view) => view.id !== nodeId && view.status === 'active');
  if (others.length === 0) {
    warnings.push(
      kind === 'drain'
        ? `No other active node remains: the ${connections} connections of ${nodeId} have nowhere to go.`
        : `No other active node: the ${connections} shed connections can only come back to ${nodeId}.`,
    );
  }
  const nowCounts = others.map((view) => view.connections?.open ?? 0);
  const afterCounts = waterFill(nowCounts, connections);
  const targets: MoveTarget[] = others.map((view, index) => {
    const connectionsNow = nowCounts[index] as number;
    const connectionsAfter = afterCounts[index] as number;
    const cpuNow = view.health?.cpu ?? null;
    const cpuAfter =
      cpuNow === null || connectionsNow === 0 ? null : (cpuNow * connectionsAfter) / connectionsNow;
    return { nodeId: view.id, connectionsNow, connectionsAfter, cpuNow, cpuAfter };
  });
  for (const target of targets) {
    const max = limits.maxConnectionsPerNode;
    if (max !== null && target.connectionsAfter > max) {
      warnings.push(
        `${target.nodeId} would hold ${target.connectionsAfter} connections, above the limit of ${max} per node.`,
      );
    }
    if (target.cpuAfter !== null && target.cpuAfter > limits.maxCpu) {
      warnings.push(
        `${target.nodeId} would use about ${percentText(target.cpuAfter)} of a core, above the limit of ${percentText(limits.maxCpu)}.`,
      );
    }
  }
  return {
    kind,
    nodeId,
    connections,
    deadlineMs,
    closesPerSec: closesPerSecond(kind, connections, deadlineMs),
    targets,
    warnings,
    limits,
  };
}
