/**
 * Words and numbers for the operations UI: durations, countdowns, the move preview's sentences.
 * Pure, for the components and their tests.
 */
import type { MovePreview } from '../../main/common/models.js';
import { formatCount } from '../format.js';

/**
 * A duration for people: '0.4 s' below a second, '8 s', '2 min', '2 min 5 s', '1 h 5 min'.
 * Seconds round up, so a countdown never shows '0 s' while time is left.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 s';
  if (ms < 1_000) return `${(Math.ceil(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.ceil(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
  }
  const hours = Math.floor(seconds / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/**
 * How long something took: '0.4 s', '8.5 s' (a decimal below 10 s), '42 s', '2 min 5 s'; rounded
 * to the nearest, unlike {@link formatDuration}'s countdown.
 */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 s';
  if (ms < 10_000) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  return formatDuration(Math.round(ms / 1_000) * 1_000);
}

/** A close rate: '12 /s', '2.5 /s', '0.3 /s'; '—' when unknown. */
export function formatClosesPerSec(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate) || rate < 0) return '—';
  if (rate === 0) return '0 /s';
  if (rate < 10) return `${rate.toFixed(1)} /s`;
  return `${formatCount(Math.round(rate))} /s`;
}

const plural = (count: number, word: string) => `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;

/** Targets shown by name in the sentence; the rest are summed up. */
const NAMED_TARGETS = 4;

/**
 * Where the connections go: "24 connections will move to node-1 (+12 → 40), node-3 (+12 → 38)".
 * Targets that take none are left out; beyond four, "and N more nodes".
 */
export function describeMoves(preview: MovePreview): string {
  if (preview.connections === 0) {
    return preview.kind === 'drain'
      ? `No connection to move: ${preview.nodeId} is empty.`
      : `No connection to move: ${preview.nodeId} has none open.`;
  }
  const moving = plural(preview.connections, 'connection');
  const taking = preview.targets.filter((target) => target.connectionsAfter > target.connectionsNow);
  if (taking.length === 0) {
    return preview.targets.length === 0
      ? `${moving} will close, and no active node remains to take them.`
      : `${moving} will close and reconnect to the other active nodes.`;
  }
  const named = taking
    .slice(0, NAMED_TARGETS)
    .map(
      (target) =>
        `${target.nodeId} (+${formatCount(target.connectionsAfter - target.connectionsNow)} → ${formatCount(target.connectionsAfter)})`,
    );
  const more = taking.length - named.length;
  const list = more > 0 ? `${named.join(', ')} and ${plural(more, 'more node')}` : named.join(', ');
  return `${moving} will move to ${list}.`;
}

/**
 * The pace: "about 3.0 closes/s over 8 s, within the 10 s deadline". A drain spreads its closes
 * over part of the deadline (the agent keeps the rest for stragglers), so the span comes from
 * the connections and the pace, not from the deadline.
 */
export function describePace(preview: MovePreview): string {
  if (preview.connections === 0 || !(preview.closesPerSec > 0)) {
    return `Nothing to pace; the deadline is ${formatDuration(preview.deadlineMs)}.`;
  }
  const spanMs = Math.min(preview.deadlineMs, (preview.connections / preview.closesPerSec) * 1_000);
  const rate = formatClosesPerSec(preview.closesPerSec).replace(' /s', '');
  return `About ${rate} closes/s over ${formatDuration(spanMs)}, within the ${formatDuration(preview.deadlineMs)} deadline.`;
}
