/**
 * Alert rules, evaluated once per tick over every node's latest view and the fleet totals.
 *
 * Yes/no rules (unreachable, dependency down) raise in the first tick that sees them: an
 * operator must see a dead node within seconds. Threshold rules (loop delay, CPU, RSS, skew)
 * have hysteresis on both edges: a figure must be over its threshold for
 * {@link RAISE_AFTER_TICKS} ticks in a row to raise (one GC pause or one burst is not an
 * alert), and a raised alert clears only once the figure falls below
 * {@link CLEAR_RATIO} × threshold (a figure hovering at the threshold does not flap).
 */
import { assertNever } from '../common/assert-never.js';
import type {
  Alert,
  AlertKind,
  AlertSeverity,
  AlertsSnapshot,
  AlertThresholds,
  FleetTotals,
  NodeView,
} from '../common/models.js';

/** Thresholds used where the fleet file sets none. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  // A WebSocket server whose loop stalls 200 ms at p99 delays every message by that much.
  loopDelayP99Ms: 200,
  // Node runs JavaScript on one core: 90 % of it leaves no room for a burst.
  cpu: 0.9,
  rssBytes: 1.5 * 1024 ** 3,
  // Two nodes at 100 and 200 connections have a CV of 0.33; least-connections keeps it near 0.1.
  skewCv: 0.35,
  // With a handful of connections per node, one client more or less swings the CV wildly.
  skewMinMeanConnections: 20,
};

/** Consecutive ticks a threshold rule must hold before it raises. */
export const RAISE_AFTER_TICKS = 2;
/** A raised threshold alert clears when its figure falls below this share of the threshold. */
export const CLEAR_RATIO = 0.9;
/** Resolved alerts kept for {@link AlertsSnapshot.recent}. */
export const MAX_RECENT_ALERTS = 200;
/** Dependency alerts per node: the agent reports at most 16 dependencies; a rogue one cannot flood. */
export const MAX_DEPENDENCY_ALERTS_PER_NODE = 16;

/** What one evaluation changed. */
export interface AlertChanges {
  /** Raised, or active with a new message. */
  readonly upserted: readonly Alert[];
  /** Cleared, with `resolvedAt` set. */
  readonly resolved: readonly Alert[];
}

/** The severity of each kind; exhaustive, so a new kind must say how urgent it is. */
export function severityOf(kind: AlertKind): AlertSeverity {
  switch (kind) {
    case 'node-unreachable':
    case 'dependency-down':
      return 'critical';
    case 'loop-delay':
    case 'cpu':
    case 'rss':
    case 'skew':
      return 'warning';
    default:
      return assertNever(kind);
  }
}

/** A condition seen in this tick; `level: 'band'` holds a raised alert up without raising one. */
interface Finding {
  readonly id: string;
  readonly kind: AlertKind;
  readonly nodeId: string | null;
  readonly level: 'over' | 'band';
  readonly holdTicks: number;
  /** When the condition began, when the source says (status change, dependency report). */
  readonly since: number | null;
  readonly message: string;
  readonly value: number | null;
  readonly threshold: number | null;
}

interface Streak {
  count: number;
  readonly since: number;
}

/** Holds the active alerts and the recently resolved ones; {@link evaluate} runs the rules. */
export class AlertEngine {
  readonly thresholds: AlertThresholds;
  private readonly active = new Map<string, Alert>();
  private readonly streaks = new Map<string, Streak>();
  /** Newest first. */
  private recent: Alert[] = [];

  constructor(overrides: Partial<AlertThresholds> = {}) {
    this.thresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...overrides };
  }

  /** Runs every rule once, at `now`, and returns what changed. */
  evaluate(now: number, views: readonly NodeView[], totals: FleetTotals): AlertChanges {
    const findings = new Map<string, Finding>();
    const add = (finding: Finding | null) => {
      if (finding) findings.set(finding.id, finding);
    };
    for (const view of views) this.inspectNode(view, add);
    add(this.skew(totals));

    const upserted: Alert[] = [];
    const resolved: Alert[] = [];
    for (const finding of findings.values()) {
      const current = this.active.get(finding.id);
      if (current) {
        // Only a changed sentence goes out again, so a steady alert costs nothing per delta.
        if (current.message !== finding.message) {
          const next: Alert = { ...current, message: finding.message, value: finding.value };
          this.active.set(finding.id, next);
          upserted.push(next);
        }
        continue;
      }
      if (finding.level !== 'over') {
        this.streaks.delete(finding.id);
        continue;
      }
      const streak = this.streaks.get(finding.id) ?? { count: 0, since: now };
      streak.count++;
      if (streak.count < finding.holdTicks) {
        this.streaks.set(finding.id, streak);
        continue;
      }
      this.streaks.delete(finding.id);
      const alert: Alert = {
        id: finding.id,
        kind: finding.kind,
        severity: severityOf(finding.kind),
        nodeId: finding.nodeId,
        message: finding.message,
        since: finding.since ?? streak.since,
        resolvedAt: null,
        value: finding.value,
        threshold: finding.threshold,
      };
      this.active.set(alert.id, alert);
      upserted.push(alert);
    }
    for (const id of this.streaks.keys()) if (!findings.has(id)) this.streaks.delete(id);
    for (const [id, alert] of this.active) {
      if (findings.has(id)) continue;
      const done: Alert = { ...alert, resolvedAt: now };
      this.active.delete(id);
      resolved.push(done);
      this.recent.unshift(done);
    }
    if (this.recent.length > MAX_RECENT_ALERTS) this.recent.length = MAX_RECENT_ALERTS;
    return { upserted, resolved };
  }

  /** Active alerts, oldest `since` first. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].sort((left, right) => left.since - right.since);
  }

  /** How many alerts are active. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Active and recent alerts and the thresholds, for `getAlerts`. */
  snapshot(now: number): AlertsSnapshot {
    return { time: now, active: this.activeAlerts(), recent: [...this.recent], thresholds: this.thresholds };
  }

  private inspectNode(view: NodeView, add: (finding: Finding | null) => void): void {
    switch (view.status) {
      case 'unreachable':
        // The other rules need live figures; this alert stands for them while the node is gone.
        add({
          id: `node-unreachable:${view.id}`,
          kind: 'node-unreachable',
          nodeId: view.id,
          level: 'over',
          holdTicks: 1,
          since: view.statusSince,
          message: `${view.id} is unreachable: ${view.problem ?? 'the link is down'}`,
          value: null,
          threshold: null,
        });
        return;
      case 'connecting':
        return;
      case 'active':
      case 'draining':
      case 'drained':
        break;
      default:
        return assertNever(view.status);
    }
    const { thresholds } = this;
    const health = view.health;
    if (health) {
      add(
        threshold(view.id, 'loop-delay', health.loopDelayP99Ms, thresholds.loopDelayP99Ms, (value, limit) => {
          return `${view.id} event-loop delay p99 is ${Math.round(value)} ms (threshold ${limit} ms)`;
        }),
      );
      add(
        threshold(view.id, 'cpu', health.cpu, thresholds.cpu, (value, limit) => {
          return `${view.id} CPU is ${percent(value)} of a core (threshold ${percent(limit)})`;
        }),
      );
      add(
        threshold(view.id, 'rss', health.rssBytes, thresholds.rssBytes, (value, limit) => {
          return `${view.id} memory (RSS) is ${bytes(value)} (threshold ${bytes(limit)})`;
        }),
      );
    }
    const down = Object.entries(view.dependencies ?? {})
      .filter(([, status]) => !status.up)
      .slice(0, MAX_DEPENDENCY_ALERTS_PER_NODE);
    for (const [name, status] of down) {
      add({
        id: `dependency-down:${view.id}:${name}`,
        kind: 'dependency-down',
        nodeId: view.id,
        level: 'over',
        holdTicks: 1,
        since: status.since > 0 ? status.since : null,
        message: `${view.id} reports ${name} down${status.detail ? `: ${status.detail}` : ''}`,
        value: null,
        threshold: null,
      });
    }
  }

  private skew(totals: FleetTotals): Finding | null {
    const { balance } = totals;
    const { skewCv, skewMinMeanConnections } = this.thresholds;
    if (balance.activeNodes < 2 || balance.cv === null || balance.mean < skewMinMeanConnections) return null;
    return threshold(null, 'skew', balance.cv, skewCv, (value, limit) => {
      return (
        `Connections are unevenly spread: CV ${value.toFixed(2)} (threshold ${limit}); ` +
        `${balance.mostLoadedNodeId} holds ${balance.max}, ${balance.leastLoadedNodeId} holds ${balance.min}`
      );
    });
  }
}

function threshold(
  nodeId: string | null,
  kind: AlertKind,
  value: number,
  limit: number,
  sentence: (value: number, limit: number) => string,
): Finding | null {
  const level = value > limit ? 'over' : value >= limit * CLEAR_RATIO ? 'band' : null;
  if (level === null) return null;
  return {
    id: nodeId === null ? kind : `${kind}:${nodeId}`,
    kind,
    nodeId,
    level,
    holdTicks: RAISE_AFTER_TICKS,
    since: null,
    message: sentence(value, limit),
    value,
    threshold: limit,
  };
}

/** A share of a core as a percentage: whole numbers from 10 %, else two significant digits ("0.25 %"), so a low threshold stays readable. */
function percent(share: number): string {
  const value = share * 100;
  if (value === 0 || Math.abs(value) >= 10) return `${Math.round(value)} %`;
  return `${Number(value.toPrecision(2))} %`;
}

function bytes(count: number): string {
  if (count >= 1024 ** 3) return `${(count / 1024 ** 3).toFixed(2)} GiB`;
  return `${Math.round(count / 1024 ** 2)} MiB`;
}
