/**
 * The Activity view's logic: filtering the audit log, a readable line for each action's
 * arguments, and the exports (JSON lines and CSV). Pure, for the view and its tests.
 */
import type { OperationAction, OperationOutcome, OperationRecord } from '../../main/common/models.js';
import { formatDuration } from './operation-format.js';

/** What the view narrows the log to; 'all' or '' lets everything through. */
export interface ActivityFilter {
  readonly action: OperationAction | 'all';
  readonly outcome: OperationOutcome | 'all';
  /** A node id, exactly; '' for every node (and actions on none). */
  readonly nodeId: string;
}

/** No narrowing. */
export const NO_ACTIVITY_FILTER: ActivityFilter = { action: 'all', outcome: 'all', nodeId: '' };

/** The entries the filter lets through, in their order. */
export function filterActivity(
  entries: readonly OperationRecord[],
  filter: ActivityFilter,
): readonly OperationRecord[] {
  return entries.filter(
    (entry) =>
      (filter.action === 'all' || entry.action === filter.action) &&
      (filter.outcome === 'all' || entry.outcome === filter.outcome) &&
      (filter.nodeId === '' || entry.nodeId === filter.nodeId),
  );
}

/** True when the filter hides something. */
export function isActivityFiltered(filter: ActivityFilter): boolean {
  return filter.action !== 'all' || filter.outcome !== 'all' || filter.nodeId !== '';
}

/** Node ids the log mentions, in natural order ("node-2" before "node-10"), for the node filter. */
export function activityNodes(entries: readonly OperationRecord[]): string[] {
  const ids = new Set<string>();
  for (const entry of entries) if (entry.nodeId !== null) ids.add(entry.nodeId);
  return [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(describeValue).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * One action's arguments in words: "deadline 10 s · 24 connections", "count 5", "10 %",
 * "nodes node-1, node-2 · 1 at a time". Unknown keys read "key value".
 */
export function summarizeArgs(args: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    switch (key) {
      case 'deadlineMs':
        parts.push(
          typeof value === 'number'
            ? `deadline ${formatDuration(value)}`
            : `deadline ${describeValue(value)}`,
        );
        break;
      case 'connections':
        parts.push(`${describeValue(value)} connection${value === 1 ? '' : 's'}`);
        break;
      case 'count':
        parts.push(`count ${describeValue(value)}`);
        break;
      case 'percent':
        parts.push(`${describeValue(value)} %`);
        break;
      case 'nodeIds':
        parts.push(`nodes ${describeValue(value)}`);
        break;
      case 'concurrency':
        parts.push(`${describeValue(value)} at a time`);
        break;
      case 'amount':
        if (typeof value === 'object' && value !== null) {
          const amount = value as { count?: unknown; percent?: unknown };
          if (amount.count !== undefined) parts.push(`count ${describeValue(amount.count)}`);
          else if (amount.percent !== undefined) parts.push(`${describeValue(amount.percent)} %`);
          else parts.push(`amount ${describeValue(value)}`);
        } else parts.push(`amount ${describeValue(value)}`);
        break;
      default:
        parts.push(`${key} ${describeValue(value)}`);
    }
  }
  return parts.join(' · ');
}

/** How long the action ran (until `now` while it runs), ms. */
export function activityDurationMs(entry: OperationRecord, now: number): number {
  return Math.max(0, (entry.endedAt ?? now) - entry.startedAt);
}

/** The log as JSON lines, one record a line, as the audit file keeps them. */
export function toJsonLines(entries: readonly OperationRecord[]): string {
  return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
}

/** Columns of the CSV export, in order. */
export const CSV_COLUMNS = [
  'id',
  'startedAt',
  'endedAt',
  'durationMs',
  'user',
  'source',
  'fleet',
  'action',
  'nodeId',
  'args',
  'outcome',
  'message',
  'parentId',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text starting
 * with =, +, -, @ or a tab gets a leading apostrophe, so a spreadsheet does not run it as a
 * formula (a node id or a message comes from outside).
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const isoTime = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The log as CSV with a header row; times in ISO 8601 (UTC), arguments as JSON. Lines end in CRLF. */
export function toCsv(entries: readonly OperationRecord[]): string {
  const rows = entries.map((entry) =>
    [
      entry.id,
      isoTime(entry.startedAt),
      isoTime(entry.endedAt),
      entry.endedAt === null ? null : entry.endedAt - entry.startedAt,
      entry.user,
      entry.source,
      entry.fleet,
      entry.action,
      entry.nodeId,
      JSON.stringify(entry.args),
      entry.outcome,
      entry.message,
      entry.parentId ?? null,
    ]
      .map(csvField)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].map((line) => `${line}\r\n`).join('');
}

/** A download's file name: "fleetdeck-activity-20250314-140509.csv" (local time). */
export function exportFileName(extension: 'jsonl' | 'csv', now: number): string {
  const date = new Date(now);
  const pad = (part: number) => String(part).padStart(2, '0');
  const stamp = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  return `fleetdeck-activity-${stamp}.${extension}`;
}
