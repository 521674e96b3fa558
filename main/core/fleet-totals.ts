/**
 * Fleet totals and balance, computed from every node's latest view once per tick. Pure
 * functions: the store calls them on its 1 s tick, never per sample, so their cost is one pass
 * over the nodes per second whatever the sample rate.
 */
import { assertNever } from '../common/assert-never.js';
import {
  type AlertThresholds,
  type FleetBalance,
  type FleetTotals,
  NODE_STATUSES,
  type NodeStatus,
  type NodeView,
  TRANSPORTS,
  type Transport,
} from '../common/models.js';

/**
 * A node whose least-loaded state is explained by its youth: it started this recently, and
 * at least {@link JOINED_AFTER_MS} after the busiest node (so a console or fleet restart where
 * every node is young does not read as "a node was added").
 */
const RECENT_JOIN_MS = 15 * 60_000;
const JOINED_AFTER_MS = 60_000;

/** True for the statuses in which a node reports live figures (its link is up and sampling). */
export function isReporting(status: NodeStatus): boolean {
  switch (status) {
    case 'active':
    case 'draining':
    case 'drained':
      return true;
    case 'connecting':
    case 'unreachable':
      return false;
    default:
      return assertNever(status);
  }
}

/** Sums the nodes' latest figures into fleet totals at `time`, with the balance of connections. */
export function computeTotals(
  time: number,
  views: readonly NodeView[],
  thresholds: Pick<AlertThresholds, 'skewCv' | 'skewMinMeanConnections'>,
): FleetTotals {
  const nodesByStatus = Object.fromEntries(NODE_STATUSES.map((status) => [status, 0])) as Record<
    NodeStatus,
    number
  >;
  const openByTransport = Object.fromEntries(TRANSPORTS.map((transport) => [transport, 0])) as Record<
    Transport,
    number
  >;
  let connectionsOpen = 0;
  let bytesInPerSec = 0;
  let bytesOutPerSec = 0;
  let messagesInPerSec = 0;
  let messagesOutPerSec = 0;
  let opensPerSec = 0;
  let closesPerSec = 0;
  let abnormalClosesPerSec = 0;
  for (const view of views) {
    nodesByStatus[view.status]++;
    // The store clears live figures of a node that went down, so nothing stale is summed here.
    if (view.connections) connectionsOpen += view.connections.open;
    if (view.openByTransport) {
      for (const transport of TRANSPORTS) openByTransport[transport] += view.openByTransport[transport];
    }
    const rates = view.rates;
    if (rates) {
      bytesInPerSec += rates.bytesInPerSec;
      bytesOutPerSec += rates.bytesOutPerSec;
      messagesInPerSec += rates.messagesInPerSec;
      messagesOutPerSec += rates.messagesOutPerSec;
      opensPerSec += rates.opensPerSec;
      closesPerSec += rates.closesPerSec;
      abnormalClosesPerSec += rates.abnormalClosesPerSec ?? 0;
    }
  }
  return {
    time,
    connectionsOpen,
    bytesInPerSec,
    bytesOutPerSec,
    messagesInPerSec,
    messagesOutPerSec,
    messagesPerSec: messagesInPerSec + messagesOutPerSec,
    opensPerSec,
    closesPerSec,
    abnormalClosesPerSec,
    nodesByStatus,
    openByTransport,
    balance: computeBalance(time, views, thresholds),
  };
}

interface Load {
  readonly id: string;
  readonly open: number;
  readonly startedAt: number | null;
}

/**
 * The spread of open connections over the active nodes. Draining and drained nodes are left
 * out: they lose connections on purpose, and counting them would read as skew.
 */
export function computeBalance(
  time: number,
  views: readonly NodeView[],
  thresholds: Pick<AlertThresholds, 'skewCv' | 'skewMinMeanConnections'>,
): FleetBalance {
  const loads: Load[] = [];
  for (const view of views) {
    if (view.status === 'active' && view.connections) {
      loads.push({ id: view.id, open: view.connections.open, startedAt: view.identity?.startedAt ?? null });
    }
  }
  if (loads.length === 0) {
    return {
      activeNodes: 0,
      mean: 0,
      max: 0,
      min: 0,
      maxOverMean: null,
      cv: null,
      mostLoadedNodeId: null,
      leastLoadedNodeId: null,
      explanation: 'No active node reports connections, so there is no spread to judge.',
    };
  }
  let most = loads[0] as Load;
  let least = most;
  let sum = 0;
  for (const load of loads) {
    sum += load.open;
    // Ties go to the smaller id, so the answer does not depend on the order nodes were added.
    if (load.open > most.open || (load.open === most.open && load.id < most.id)) most = load;
    if (load.open < least.open || (load.open === least.open && load.id < least.id)) least = load;
  }
  const mean = sum / loads.length;
  let squares = 0;
  for (const load of loads) squares += (load.open - mean) ** 2;
  // Population standard deviation: these are all the active nodes, not a sample of them.
  const deviation = Math.sqrt(squares / loads.length);
  const cv = mean > 0 ? deviation / mean : null;
  const maxOverMean = mean > 0 ? most.open / mean : null;
  return {
    activeNodes: loads.length,
    mean,
    max: most.open,
    min: least.open,
    maxOverMean,
    cv,
    mostLoadedNodeId: most.id,
    leastLoadedNodeId: least.id,
    explanation: explainBalance(time, loads.length, mean, cv, maxOverMean, most, least, thresholds),
  };
}

function explainBalance(
  time: number,
  activeNodes: number,
  mean: number,
  cv: number | null,
  maxOverMean: number | null,
  most: Load,
  least: Load,
  thresholds: Pick<AlertThresholds, 'skewCv' | 'skewMinMeanConnections'>,
): string {
  if (activeNodes === 1) return `One active node (${most.id}) holds every connection: nothing to balance.`;
  if (cv === null || maxOverMean === null) return 'No connections yet: nothing to balance.';
  if (mean < thresholds.skewMinMeanConnections) {
    return (
      `Too few connections to judge the spread: ${round(mean)} per active node on average ` +
      `(skew is judged from ${thresholds.skewMinMeanConnections}).`
    );
  }
  if (cv <= thresholds.skewCv) {
    return (
      `Connections are spread evenly over ${activeNodes} active nodes: CV ${cv.toFixed(2)}, ` +
      `the busiest (${most.id}) holds ${maxOverMean.toFixed(1)}× the mean.`
    );
  }
  const joinedRecently =
    least.startedAt !== null &&
    time - least.startedAt < RECENT_JOIN_MS &&
    (most.startedAt === null || least.startedAt - most.startedAt >= JOINED_AFTER_MS);
  if (joinedRecently) {
    return (
      `${least.id} started ${ago(time - (least.startedAt as number))} ago and holds ${least.open} ` +
      `connections against a mean of ${round(mean)}: balancers, least-connections included, place ` +
      'only new connections and never move existing ones, so skew after adding a node fades only ' +
      `as clients reconnect. Shed connections from ${most.id} to even it out sooner.`
    );
  }
  return (
    `${most.id} holds ${maxOverMean.toFixed(1)}× the mean (${most.open} against ${round(mean)}; ` +
    `CV ${cv.toFixed(2)}): new connections are not being spread evenly. Check the balancer's ` +
    'algorithm (hashing and sticky sessions pin clients) and its health checks, or shed ' +
    `connections from ${most.id}.`
  );
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}
