import { describe, expect, it } from 'vitest';
import type { Alert, AlertKind } from '../../main/common/models.js';
import { DEFAULT_ALERT_THRESHOLDS, severityOf } from '../../main/core/alerts.js';
import {
  activeAlertsKey,
  filterAlerts,
  formatAlertFigure,
  formatBinaryBytes,
  formatCoreShare,
  formatDelayMs,
  isFiltering,
  NO_ALERT_FILTER,
  parseKindFilter,
  parseSeverityFilter,
  sortActiveAlerts,
  thresholdRows,
} from '../../renderer/components/alerts-model.js';

function alert(nodeId: string, kind: AlertKind, since: number): Alert {
  return {
    id: `${kind}:${nodeId}`,
    kind,
    severity: severityOf(kind),
    nodeId,
    message: '',
    since,
    resolvedAt: null,
    value: null,
    threshold: null,
  };
}

const ids = (alerts: readonly Alert[]) => alerts.map((item) => item.id);

describe('sortActiveAlerts', () => {
  it('puts critical alerts first, then the oldest, then by id', () => {
    const alerts = [
      alert('n1', 'cpu', 100),
      alert('n2', 'node-unreachable', 500),
      alert('n3', 'loop-delay', 50),
      alert('n0', 'dependency-down', 500),
      alert('n4', 'rss', 50),
    ];
    expect(ids(sortActiveAlerts(alerts))).toEqual([
      'dependency-down:n0',
      'node-unreachable:n2',
      'loop-delay:n3',
      'rss:n4',
      'cpu:n1',
    ]);
    // A copy: the store's array is left as it was.
    expect(ids(alerts)[0]).toBe('cpu:n1');
  });
});

describe('filterAlerts', () => {
  const alerts = [alert('n1', 'cpu', 1), alert('n2', 'node-unreachable', 2), alert('n3', 'cpu', 3)];

  it('lets everything through without a filter, as the same array', () => {
    expect(isFiltering(NO_ALERT_FILTER)).toBe(false);
    expect(filterAlerts(alerts, NO_ALERT_FILTER)).toBe(alerts);
  });

  it('keeps what matches both the severity and the kind', () => {
    expect(ids(filterAlerts(alerts, { severity: 'warning', kind: 'all' }))).toEqual(['cpu:n1', 'cpu:n3']);
    expect(ids(filterAlerts(alerts, { severity: 'all', kind: 'node-unreachable' }))).toEqual([
      'node-unreachable:n2',
    ]);
    expect(filterAlerts(alerts, { severity: 'critical', kind: 'cpu' })).toEqual([]);
  });

  it('reads select values, treating anything unknown as all', () => {
    expect(parseSeverityFilter('critical')).toBe('critical');
    expect(parseSeverityFilter('bogus')).toBe('all');
    expect(parseKindFilter('loop-delay')).toBe('loop-delay');
    expect(parseKindFilter('toString')).toBe('all');
  });
});

describe('activeAlertsKey', () => {
  it('changes with the set of ids, not with order or messages', () => {
    const one = alert('n1', 'cpu', 1);
    const two = alert('n2', 'rss', 2);
    expect(activeAlertsKey([one, two])).toBe(activeAlertsKey([two, { ...one, message: 'new figure' }]));
    expect(activeAlertsKey([one])).not.toBe(activeAlertsKey([one, two]));
  });
});

describe('figures', () => {
  it('formats each kind in its unit, keeping the digits of small thresholds', () => {
    expect(formatAlertFigure('cpu', 0.9)).toBe('90 %');
    expect(formatAlertFigure('cpu', 0.0001)).toBe('0.01 %');
    expect(formatAlertFigure('cpu', 0.0456)).toBe('4.6 %');
    expect(formatAlertFigure('loop-delay', 200)).toBe('200 ms');
    expect(formatAlertFigure('loop-delay', 0.05)).toBe('0.05 ms');
    expect(formatAlertFigure('rss', 1.5 * 1024 ** 3)).toBe('1.50 GiB');
    expect(formatAlertFigure('skew', 0.4)).toBe('CV 0.40');
    expect(formatAlertFigure('node-unreachable', 1)).toBe('—');
    expect(formatAlertFigure('cpu', null)).toBe('—');
  });

  it('formats shares, delays and sizes on their own', () => {
    expect(formatCoreShare(0)).toBe('0 %');
    expect(formatCoreShare(1.25)).toBe('125 %');
    expect(formatDelayMs(1500)).toBe('1.5 s');
    expect(formatBinaryBytes(300 * 1024 ** 2)).toBe('300 MiB');
    expect(formatBinaryBytes(2048)).toBe('2 KiB');
    expect(formatBinaryBytes(12)).toBe('12 B');
  });
});

describe('thresholdRows', () => {
  it('lists every threshold with its value in force, its unit and the fleet-file line', () => {
    const rows = thresholdRows({ ...DEFAULT_ALERT_THRESHOLDS, cpu: 0.0001 });
    expect(rows.map((row) => row.key)).toEqual(Object.keys(DEFAULT_ALERT_THRESHOLDS));
    expect(rows.find((row) => row.key === 'cpu')).toEqual({
      key: 'cpu',
      rule: 'CPU above',
      value: '0.01 % of a core',
      unit: 'share of one core (1 = a full core)',
      setting: '"cpu": 0.0001',
    });
    expect(rows.find((row) => row.key === 'rssBytes')?.value).toBe('1.50 GiB');
    expect(rows.find((row) => row.key === 'loopDelayP99Ms')?.setting).toBe('"loopDelayP99Ms": 200');
  });
});
