/**
 * The node detail view's tables as plain rows: close codes with their meaning and share,
 * open connections per transport, the busiest channels per second, and the node's uptime.
 * Pure functions, no React, no DOM.
 */
import { type ChannelFigures, type NodeView, TRANSPORTS, type Transport } from '../../main/common/models.js';
import { formatUptime } from '../format.js';

/**
 * Close codes of an orderly close: normal, going away, service restart (a drain). The same
 * set the core counts abnormal closes against (main/core/fleet-store.ts).
 */
export const ORDERLY_CLOSE_CODES: ReadonlySet<string> = new Set(['1000', '1001', '1012']);

const CLOSE_CODE_MEANINGS: Readonly<Record<string, string>> = {
  '1000': 'Normal closure',
  '1001': 'Going away',
  '1002': 'Protocol error',
  '1003': 'Unsupported data',
  '1005': 'No status code',
  '1006': 'Abnormal closure (no close frame)',
  '1007': 'Invalid payload data',
  '1008': 'Policy violation',
  '1009': 'Message too big',
  '1010': 'Missing extension',
  '1011': 'Server error',
  '1012': 'Service restart',
  '1013': 'Try again later',
  '1014': 'Bad gateway',
  '1015': 'TLS handshake failure',
};

/** What a WebSocket close code means, in a few words (RFC 6455 and the IANA registry). */
export function closeCodeMeaning(code: string): string {
  const known = CLOSE_CODE_MEANINGS[code];
  if (known !== undefined) return known;
  const number = /^\d{4}$/.test(code) ? Number(code) : Number.NaN;
  if (number >= 4000 && number <= 4999) return 'Application-defined';
  if (number >= 3000 && number <= 3999) return 'Library or framework';
  return 'Unknown code';
}

/** One row of the close-codes table. */
export interface CloseCodeRow {
  readonly code: string;
  readonly meaning: string;
  readonly count: number;
  /** Of all closes counted, 0–1; null when there are none. */
  readonly share: number | null;
  /** False for the orderly codes (1000, 1001, 1012): every other code counts as abnormal. */
  readonly orderly: boolean;
}

/** Close codes as rows, most frequent first (then by code); codes counted zero times are left out. */
export function closeCodeRows(closeCodes: Readonly<Record<string, number>>): CloseCodeRow[] {
  const entries = Object.entries(closeCodes).filter(([, count]) => Number.isFinite(count) && count > 0);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return entries
    .sort(([codeA, countA], [codeB, countB]) => countB - countA || codeA.localeCompare(codeB))
    .map(([code, count]) => ({
      code,
      meaning: closeCodeMeaning(code),
      count,
      share: total > 0 ? count / total : null,
      orderly: ORDERLY_CLOSE_CODES.has(code),
    }));
}

/** How each transport reads in the UI. */
export const TRANSPORT_LABELS: Readonly<Record<Transport, string>> = {
  websocket: 'WebSocket',
  sse: 'SSE',
  'long-polling': 'Long polling',
};

/** One transport's part of the open connections. */
export interface TransportShare {
  readonly transport: Transport;
  readonly label: string;
  readonly open: number;
  /** Of all open connections, 0–1; null when none is open. */
  readonly share: number | null;
}

/** Every transport in a fixed order with its open connections and share; null while unknown. */
export function transportShares(
  openByTransport: Readonly<Record<Transport, number>> | null | undefined,
): TransportShare[] | null {
  if (!openByTransport) return null;
  const total = TRANSPORTS.reduce((sum, transport) => sum + (openByTransport[transport] ?? 0), 0);
  return TRANSPORTS.map((transport) => {
    const open = openByTransport[transport] ?? 0;
    return { transport, label: TRANSPORT_LABELS[transport], open, share: total > 0 ? open / total : null };
  });
}

/** One row of the top-channels table: the interval's figures turned into per-second rates. */
export interface ChannelRow {
  readonly name: string;
  readonly publishedPerSec: number;
  readonly deliveredPerSec: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  readonly subscribers: number;
}

/**
 * The busiest channels as per-second rates (`figure / intervalMs × 1000`), in the order given
 * (busiest first). No rows without a positive interval: a rate over nothing means nothing.
 */
export function channelRows(top: readonly ChannelFigures[], intervalMs: number | null): ChannelRow[] {
  if (intervalMs === null || !(intervalMs > 0)) return [];
  const perSecond = (figure: number) => (figure / intervalMs) * 1000;
  return top.map((channel) => ({
    name: channel.name,
    publishedPerSec: perSecond(channel.published),
    deliveredPerSec: perSecond(channel.delivered),
    bytesInPerSec: perSecond(channel.bytesIn),
    bytesOutPerSec: perSecond(channel.bytesOut),
    subscribers: channel.subscribers,
  }));
}

/**
 * The node's uptime at `now` from its agent's `startedAt` (a restarted agent has a new one, so
 * uptime starts over). Only a reporting node has a current uptime: while it is unreachable the
 * previous run may be gone, and before its hello there is no start to count from.
 */
export function uptimeText(view: NodeView, now: number): string {
  if (view.identity === null) return 'not known yet';
  if (view.status === 'unreachable') return 'unknown while unreachable';
  return formatUptime(view.identity.startedAt, now);
}
