/** What the fleet switcher says about each fleet: pure functions, tested without a DOM. */
import type { FleetEntry, FleetSource } from '../../main/common/models.js';

/** A few words for where a fleet comes from. */
export function fleetSourceLabel(source: FleetSource): string {
  switch (source) {
    case 'file':
      return 'fleet file';
    case 'launcher':
      return 'local launcher';
    case 'dns':
      return 'DNS discovery';
  }
}

/** "1 node", "3 nodes", or "nodes found at open" for a DNS fleet, "node count unknown" otherwise. */
export function nodeCountLabel(entry: Pick<FleetEntry, 'nodeCount' | 'source'>): string {
  if (entry.nodeCount === null) return entry.source === 'dns' ? 'nodes found at open' : 'node count unknown';
  return `${entry.nodeCount} ${entry.nodeCount === 1 ? 'node' : 'nodes'}`;
}

/** "opened just now", "opened 5 min ago", "opened 3 h ago", "opened 2 days ago"; null for never. */
export function openedAgo(lastOpenedAt: number | null, now: number): string | null {
  if (lastOpenedAt === null) return null;
  const seconds = Math.max(0, (now - lastOpenedAt) / 1000);
  if (seconds < 60) return 'opened just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `opened ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `opened ${hours} h ago`;
  return `opened ${Math.floor(hours / 24)} days ago`;
}

/** The line under a fleet's name: node count, source and when it was last opened. */
export function entrySummary(entry: FleetEntry, now: number): string {
  const parts = [nodeCountLabel(entry), fleetSourceLabel(entry.source)];
  const opened = openedAgo(entry.lastOpenedAt, now);
  if (opened !== null) parts.push(opened);
  return parts.join(' · ');
}

const IPC_PREFIX = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

/**
 * The sentence to show for a failed request. Electron wraps errors thrown in the main process
 * ("Error invoking remote method 'fleetdeck:open-fleet': Error: …"); the operator needs only
 * the end of that.
 */
export function readableError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const stripped = text.replace(IPC_PREFIX, '').trim();
  return stripped.length > 0 ? stripped : 'Something went wrong; see the console log';
}
