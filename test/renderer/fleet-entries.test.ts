import { describe, expect, it } from 'vitest';
import type { FleetEntry } from '../../main/common/models.js';
import { isFleetList } from '../../renderer/api/web-messages.js';
import {
  entrySummary,
  fleetSourceLabel,
  nodeCountLabel,
  openedAgo,
  readableError,
} from '../../renderer/components/fleet-entries.js';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const entry: FleetEntry = {
  path: '/home/ops/fleets/prod.json',
  name: 'prod',
  nodeCount: 3,
  source: 'file',
  lastOpenedAt: NOW - 5 * 60_000,
  problem: null,
};

describe('fleet entries', () => {
  it('summarises node count, source and when the fleet was last opened', () => {
    expect(entrySummary(entry, NOW)).toBe('3 nodes · fleet file · opened 5 min ago');
    expect(entrySummary({ ...entry, nodeCount: 1, source: 'launcher', lastOpenedAt: null }, NOW)).toBe(
      '1 node · local launcher',
    );
    expect(entrySummary({ ...entry, nodeCount: null, source: 'dns' }, NOW)).toBe(
      'nodes found at open · DNS discovery · opened 5 min ago',
    );
  });

  it('names every source and an unknown node count', () => {
    expect(
      ['file', 'launcher', 'dns'].map((source) => fleetSourceLabel(source as FleetEntry['source'])),
    ).toEqual(['fleet file', 'local launcher', 'DNS discovery']);
    expect(nodeCountLabel({ nodeCount: null, source: 'file' })).toBe('node count unknown');
    expect(nodeCountLabel({ nodeCount: 0, source: 'file' })).toBe('0 nodes');
  });

  it('says how long ago in whole units', () => {
    expect(openedAgo(null, NOW)).toBeNull();
    expect(openedAgo(NOW - 59_000, NOW)).toBe('opened just now');
    expect(openedAgo(NOW + 5_000, NOW)).toBe('opened just now');
    expect(openedAgo(NOW - 61 * 60_000, NOW)).toBe('opened 1 h ago');
    expect(openedAgo(NOW - 50 * 3_600_000, NOW)).toBe('opened 2 days ago');
  });

  it("keeps only the operator's sentence of an error, from either transport", () => {
    expect(readableError(new Error('fleet file not found: /tmp/x.json'))).toBe(
      'fleet file not found: /tmp/x.json',
    );
    expect(
      readableError(
        new Error(
          "Error invoking remote method 'fleetdeck:open-fleet': Error: fleet file not found: /tmp/x.json",
        ),
      ),
    ).toBe('fleet file not found: /tmp/x.json');
    expect(
      readableError(
        new Error("Error invoking remote method 'fleetdeck:open-fleet': TypeError: Enter the path"),
      ),
    ).toBe('Enter the path');
    expect(readableError('plain')).toBe('plain');
    expect(readableError(new Error(''))).toBe('Something went wrong; see the console log');
  });
});

describe('isFleetList', () => {
  it('accepts a well-formed list and refuses a malformed entry', () => {
    expect(isFleetList({ current: entry, recent: [entry], discovered: [] })).toBe(true);
    expect(isFleetList({ current: null, recent: [], discovered: [] })).toBe(true);
    expect(isFleetList({ current: null, recent: [{ ...entry, source: 'ftp' }], discovered: [] })).toBe(false);
    expect(isFleetList({ current: { ...entry, nodeCount: '3' }, recent: [], discovered: [] })).toBe(false);
    expect(isFleetList({ current: null, recent: [] })).toBe(false);
  });
});
