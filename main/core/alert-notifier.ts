/**
 * Decides which desktop notifications the console shows for alerts: plain logic fed with the
 * core's deltas and a clock, so it is tested without Electron (main/electron/notifications.ts
 * shows what it returns).
 *
 * - One notification per alert id while the alert stays active; a message change (a CPU figure
 *   moving) is not news. Resolved and raised again, it notifies again.
 * - Nothing for the alerts already active in the first delta (a reset): the operator sees those
 *   in the window that just opened.
 * - Bursts are coalesced: while at most {@link DEFAULT_BURST_LIMIT} alerts are raised within
 *   {@link DEFAULT_BURST_WINDOW_MS}, each gets its own notification at once; the rest of that
 *   window's alerts are held and shown as one "N alerts: …" summary when it ends. While alerts
 *   keep coming, every window after a summary coalesces too, so a storm costs one notification
 *   per window, not one per node.
 */
import type { Alert, AlertKind, AlertSeverity, FleetDelta } from '../common/models.js';

/** More new alerts than this within one window become a summary. */
export const DEFAULT_BURST_LIMIT = 3;
/** The window over which new alerts are counted, ms. */
export const DEFAULT_BURST_WINDOW_MS = 5000;
/** Alert messages listed in a summary's body; the rest are counted. */
export const SUMMARY_LISTED_ALERTS = 4;

/** What to show: a title, a body, and the alerts it stands for. */
export interface AlertNotification {
  readonly title: string;
  readonly body: string;
  readonly alertIds: readonly string[];
}

/** Options for {@link AlertNotifier}. */
export interface AlertNotifierOptions {
  /** Default {@link DEFAULT_BURST_LIMIT}. */
  readonly burstLimit?: number;
  /** Default {@link DEFAULT_BURST_WINDOW_MS}. */
  readonly burstWindowMs?: number;
  /** Severities that notify; default critical and warning. */
  readonly severities?: readonly AlertSeverity[];
}

const KIND_TITLES: { readonly [K in AlertKind]: string } = {
  'node-unreachable': 'unreachable',
  'loop-delay': 'event-loop delay',
  cpu: 'CPU',
  rss: 'memory',
  skew: 'connections skewed',
  'dependency-down': 'dependency down',
};

const SEVERITY_TITLES: { readonly [S in AlertSeverity]: string } = {
  critical: 'Critical',
  warning: 'Warning',
};

/** The title of one alert's notification, e.g. "Critical: node-3 unreachable". */
export function alertTitle(alert: Alert): string {
  return `${SEVERITY_TITLES[alert.severity]}: ${alert.nodeId ?? 'fleet'} ${KIND_TITLES[alert.kind]}`;
}

/** One summary for several alerts, most severe first. */
export function summarize(alerts: readonly Alert[]): AlertNotification {
  const ordered = [...alerts].sort(
    (left, right) => severityRank(left.severity) - severityRank(right.severity) || left.since - right.since,
  );
  const counts = new Map<AlertSeverity, number>();
  for (const alert of ordered) counts.set(alert.severity, (counts.get(alert.severity) ?? 0) + 1);
  const breakdown = [...counts].map(([severity, count]) => `${count} ${severity}`).join(', ');
  const listed = ordered.slice(0, SUMMARY_LISTED_ALERTS).map((alert) => alert.message);
  const more = ordered.length - listed.length;
  if (more > 0) listed.push(`and ${more} more`);
  return {
    title: `${ordered.length} alerts: ${breakdown}`,
    body: listed.join('\n'),
    alertIds: ordered.map((alert) => alert.id),
  };
}

function severityRank(severity: AlertSeverity): number {
  return severity === 'critical' ? 0 : 1;
}

function single(alert: Alert): AlertNotification {
  return { title: alertTitle(alert), body: alert.message, alertIds: [alert.id] };
}

/** Turns deltas into notifications; call {@link flush} at {@link nextFlushAt}. */
export class AlertNotifier {
  private readonly burstLimit: number;
  private readonly burstWindowMs: number;
  private readonly severities: ReadonlySet<AlertSeverity>;
  /** Active alert ids already announced (or held for a summary, or seeded from the first delta). */
  private readonly known = new Set<string>();
  /** Raised during a coalescing window, waiting for its summary; in arrival order. */
  private readonly held = new Map<string, Alert>();
  private seeded = false;
  private windowStart: number | null = null;
  private windowCount = 0;
  private coalescing = false;

  constructor(options: AlertNotifierOptions = {}) {
    this.burstLimit = options.burstLimit ?? DEFAULT_BURST_LIMIT;
    this.burstWindowMs = options.burstWindowMs ?? DEFAULT_BURST_WINDOW_MS;
    this.severities = new Set(options.severities ?? ['critical', 'warning']);
    if (!Number.isInteger(this.burstLimit) || this.burstLimit < 1) {
      throw new TypeError(`burstLimit must be a whole number above 0, not ${this.burstLimit}`);
    }
    if (!Number.isFinite(this.burstWindowMs) || this.burstWindowMs <= 0) {
      throw new TypeError(`burstWindowMs must be a number of ms above 0, not ${this.burstWindowMs}`);
    }
  }

  /** When {@link flush} has a summary to give, epoch ms; null when nothing is held. */
  get nextFlushAt(): number | null {
    return this.held.size > 0 && this.windowStart !== null ? this.windowStart + this.burstWindowMs : null;
  }

  /** Takes one delta (in order) at `now`; returns the notifications to show now. */
  handleDelta(delta: FleetDelta, now: number): AlertNotification[] {
    // A late timer must not let a window run on: close it before counting what this delta brings.
    const shown = this.flush(now);
    const changes = delta.alerts;
    if (!changes) return shown;
    const raised: Alert[] = [];
    if (delta.reset) {
      // A reset restates every active alert: what we knew and is gone has resolved meanwhile.
      const present = new Set(changes.upserted.map((alert) => alert.id));
      for (const id of [...this.known]) {
        if (!present.has(id)) this.forget(id);
      }
      for (const alert of changes.upserted) {
        if (this.known.has(alert.id)) continue;
        this.known.add(alert.id);
        // The first delta is what the window finds on opening: seen, not news.
        if (this.seeded && this.severities.has(alert.severity)) raised.push(alert);
      }
      this.seeded = true;
    } else {
      for (const alert of changes.upserted) {
        if (this.known.has(alert.id)) {
          // Keep the held copy's message current for the summary.
          if (this.held.has(alert.id)) this.held.set(alert.id, alert);
          continue;
        }
        this.known.add(alert.id);
        if (this.seeded && this.severities.has(alert.severity)) raised.push(alert);
      }
      this.seeded = true;
    }
    for (const alert of changes.resolved) this.forget(alert.id);
    // Raised and resolved within one delta does not happen (the core keeps an id in one list),
    // but a resolved id must not be announced all the same.
    const fresh = raised.filter((alert) => this.known.has(alert.id));
    return [...shown, ...this.admit(fresh, now)];
  }

  /** Ends a coalescing window that is over at `now` and returns its summary, if any. */
  flush(now: number): AlertNotification[] {
    if (this.windowStart === null || now < this.windowStart + this.burstWindowMs) return [];
    const held = [...this.held.values()];
    this.held.clear();
    if (held.length === 0) {
      // A window with nothing held: the burst is over, back to one notification per alert.
      this.windowStart = null;
      this.windowCount = 0;
      this.coalescing = false;
      return [];
    }
    // Alerts may still be pouring in: the next window starts coalescing right away.
    this.windowStart = now;
    this.windowCount = 0;
    this.coalescing = true;
    const [only] = held;
    return [held.length === 1 && only ? single(only) : summarize(held)];
  }

  private admit(raised: readonly Alert[], now: number): AlertNotification[] {
    if (raised.length === 0) return [];
    if (this.windowStart === null) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount += raised.length;
    if (!this.coalescing && this.held.size === 0 && this.windowCount <= this.burstLimit) {
      return raised.map(single);
    }
    // Over the limit: this delta's alerts and the rest of the window's wait for one summary.
    for (const alert of raised) this.held.set(alert.id, alert);
    return [];
  }

  private forget(id: string): void {
    this.known.delete(id);
    this.held.delete(id);
  }
}
