/**
 * What the alert list and the Alerts view show, as plain functions: order, filter, labels and
 * the figures in their units. Framework-free, so it is unit-tested without a DOM.
 */
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  type Alert,
  type AlertKind,
  type AlertSeverity,
  type AlertThresholds,
} from '../../main/common/models.js';
import { formatCount, formatMs, formatRatio, MISSING_VALUE } from '../format.js';

/** A short name for each kind, for the Kind column and the filter. */
export const ALERT_KIND_LABELS: { readonly [K in AlertKind]: string } = {
  'node-unreachable': 'Unreachable',
  'loop-delay': 'Loop delay',
  cpu: 'CPU',
  rss: 'Memory',
  skew: 'Skew',
  'dependency-down': 'Dependency down',
};

/** Which alerts to show; `'all'` lets every value through. */
export interface AlertFilter {
  readonly severity: AlertSeverity | 'all';
  readonly kind: AlertKind | 'all';
}

/** The filter that hides nothing. */
export const NO_ALERT_FILTER: AlertFilter = { severity: 'all', kind: 'all' };

/** Whether `filter` hides anything. */
export function isFiltering(filter: AlertFilter): boolean {
  return filter.severity !== 'all' || filter.kind !== 'all';
}

/** The alerts `filter` lets through, in their order. */
export function filterAlerts(alerts: readonly Alert[], filter: AlertFilter): readonly Alert[] {
  if (!isFiltering(filter)) return alerts;
  return alerts.filter(
    (alert) =>
      (filter.severity === 'all' || alert.severity === filter.severity) &&
      (filter.kind === 'all' || alert.kind === filter.kind),
  );
}

/** Reads a `<select>`'s value as a severity filter; anything unknown is `'all'`. */
export function parseSeverityFilter(value: string): AlertFilter['severity'] {
  return (ALERT_SEVERITIES as readonly string[]).includes(value) ? (value as AlertSeverity) : 'all';
}

/** Reads a `<select>`'s value as a kind filter; anything unknown is `'all'`. */
export function parseKindFilter(value: string): AlertFilter['kind'] {
  return (ALERT_KINDS as readonly string[]).includes(value) ? (value as AlertKind) : 'all';
}

/** Active alerts as an operator reads them: critical first, then the oldest, then by id. */
export function sortActiveAlerts(alerts: readonly Alert[]): readonly Alert[] {
  return [...alerts].sort(
    (left, right) =>
      ALERT_SEVERITIES.indexOf(left.severity) - ALERT_SEVERITIES.indexOf(right.severity) ||
      left.since - right.since ||
      (left.id < right.id ? -1 : left.id > right.id ? 1 : 0),
  );
}

/** The set of active ids as one string: changes when an alert is raised or resolved, not when a figure moves. */
export function activeAlertsKey(alerts: readonly Alert[]): string {
  return alerts
    .map((alert) => alert.id)
    .sort()
    .join('\n');
}

/** A share of one core as a percentage, with the digits a small threshold needs: '90 %', '4.5 %', '0.01 %'. */
export function formatCoreShare(share: number): string {
  const percent = share * 100;
  if (percent === 0) return '0 %';
  if (Math.abs(percent) >= 10) return `${Math.round(percent)} %`;
  if (Math.abs(percent) >= 1) return `${percent.toFixed(1)} %`;
  return `${Number(percent.toPrecision(2))} %`;
}

/** Bytes in binary units, as the alert messages read: '512 MiB', '1.50 GiB'. */
export function formatBinaryBytes(count: number): string {
  if (Math.abs(count) >= 1024 ** 3) return `${(count / 1024 ** 3).toFixed(2)} GiB`;
  if (Math.abs(count) >= 1024 ** 2) return `${Math.round(count / 1024 ** 2)} MiB`;
  if (Math.abs(count) >= 1024) return `${Math.round(count / 1024)} KiB`;
  return `${count} B`;
}

/** Milliseconds, keeping the digits of a sub-millisecond threshold: '200 ms', '0.05 ms'. */
export function formatDelayMs(value: number): string {
  if (value > 0 && value < 1) return `${Number(value.toPrecision(2))} ms`;
  return formatMs(value);
}

/** An alert's figure in its kind's unit; '—' for yes/no rules (unreachable, dependency down). */
export function formatAlertFigure(kind: AlertKind, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return MISSING_VALUE;
  switch (kind) {
    case 'loop-delay':
      return formatDelayMs(value);
    case 'cpu':
      return formatCoreShare(value);
    case 'rss':
      return formatBinaryBytes(value);
    case 'skew':
      return `CV ${formatRatio(value)}`;
    case 'node-unreachable':
    case 'dependency-down':
      return MISSING_VALUE;
  }
}

/** One row of the thresholds table. */
export interface ThresholdRow {
  readonly key: keyof AlertThresholds;
  /** What the rule watches, e.g. 'CPU above'. */
  readonly rule: string;
  /** The value in force, in its unit. */
  readonly value: string;
  /** The unit the fleet file's number is in. */
  readonly unit: string;
  /** What to write in the fleet file's `alerts` block, e.g. `"cpu": 0.9`. */
  readonly setting: string;
}

/** How each threshold reads; a record over every key, so a new threshold must say. */
const THRESHOLD_FORMATS: {
  readonly [K in keyof AlertThresholds]: {
    readonly rule: string;
    readonly unit: string;
    readonly format: (value: number) => string;
  };
} = {
  loopDelayP99Ms: { rule: 'Event-loop delay p99 above', unit: 'milliseconds', format: formatDelayMs },
  cpu: {
    rule: 'CPU above',
    unit: 'share of one core (1 = a full core)',
    format: (value) => `${formatCoreShare(value)} of a core`,
  },
  rssBytes: { rule: 'Memory (RSS) above', unit: 'bytes', format: formatBinaryBytes },
  skewCv: {
    rule: 'Connection skew above',
    unit: 'coefficient of variation (spread ÷ mean)',
    format: (value) => `CV ${formatRatio(value)}`,
  },
  skewMinMeanConnections: {
    rule: 'Skew judged from',
    unit: 'mean connections per active node',
    format: (value) => `${formatCount(value)} connections a node`,
  },
};

/** The thresholds in force as table rows, in the order the rules run. */
export function thresholdRows(thresholds: AlertThresholds): readonly ThresholdRow[] {
  return (Object.keys(THRESHOLD_FORMATS) as (keyof AlertThresholds)[]).map((key) => {
    const { rule, unit, format } = THRESHOLD_FORMATS[key];
    const value = thresholds[key];
    return { key, rule, unit, value: format(value), setting: `"${key}": ${JSON.stringify(value)}` };
  });
}
