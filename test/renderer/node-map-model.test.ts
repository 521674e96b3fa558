import { describe, expect, it } from 'vitest';
import type { Alert, AlertKind, NodeStatus, NodeView } from '../../main/common/models.js';
import {
  alertsByNode,
  busiestOf,
  cellLabel,
  columnsOfTemplate,
  loadLevel,
  nextCellIndex,
  nodeFigures,
} from '../../renderer/components/node-map-model.js';

function node(id: string, status: NodeStatus, open: number | null): NodeView {
  return {
    id,
    adminUrl: `ws://127.0.0.1:9400/${id}`,
    publicUrl: null,
    status,
    identity: null,
    connections: open === null ? null : { open, opened: open, closed: 0 },
    rates: null,
    health: null,
    lastSampleAt: null,
    statusSince: 0,
    problem: null,
    droppedFrames: 0,
    lastDropReason: null,
  };
}

function alert(nodeId: string | null, kind: AlertKind, severity: Alert['severity'], since: number): Alert {
  return {
    id: `${kind}:${nodeId ?? 'fleet'}`,
    kind,
    severity,
    nodeId,
    message: `${kind} on ${nodeId ?? 'the fleet'}`,
    since,
    resolvedAt: null,
    value: null,
    threshold: null,
  };
}

describe('load shading', () => {
  it('buckets active nodes by their share of the busiest node, in quarters', () => {
    const nodes = [node('a', 'active', 1000), node('b', 'active', 740), node('c', 'active', 200)];
    const busiest = busiestOf(nodes);
    expect(busiest).toBe(1000);
    expect(nodes.map((each) => loadLevel(each, busiest))).toEqual([3, 2, 0]);
  });

  it('leaves other states and nodes without figures at 0', () => {
    expect(loadLevel(node('a', 'draining', 900), 1000)).toBe(0);
    expect(loadLevel(node('b', 'active', null), 1000)).toBe(0);
    expect(loadLevel(node('c', 'active', 10), 0)).toBe(0);
  });
});

describe('alertsByNode', () => {
  it('groups node alerts, most severe first, and leaves fleet-wide ones out', () => {
    const grouped = alertsByNode([
      alert('node-1', 'cpu', 'warning', 10),
      alert(null, 'skew', 'warning', 5),
      alert('node-1', 'node-unreachable', 'critical', 20),
      alert('node-2', 'rss', 'warning', 30),
    ]);
    expect([...grouped.keys()]).toEqual(['node-1', 'node-2']);
    expect(grouped.get('node-1')?.severity).toBe('critical');
    expect(grouped.get('node-1')?.alerts.map((each) => each.kind)).toEqual(['node-unreachable', 'cpu']);
    expect(grouped.get('node-2')?.severity).toBe('warning');
  });

  it('ignores resolved alerts', () => {
    const resolved = { ...alert('node-1', 'cpu', 'warning', 10), resolvedAt: 20 };
    expect(alertsByNode([resolved]).size).toBe(0);
  });
});

describe('cellLabel', () => {
  it('names the node, its state and connections', () => {
    expect(cellLabel(node('node-7', 'active', 2013), undefined)).toBe('node-7: active, 2,013 connections');
    expect(cellLabel(node('node-8', 'connecting', null), undefined)).toBe('node-8: connecting');
  });

  it('says how many alerts a node has and what they are', () => {
    const alerts = alertsByNode([alert('node-3', 'node-unreachable', 'critical', 1)]).get('node-3');
    expect(cellLabel(node('node-3', 'unreachable', null), alerts)).toBe(
      'node-3: unreachable; 1 critical alert: node-unreachable on node-3',
    );
  });
});

describe('nodeFigures', () => {
  it('formats what the readout shows, with dashes for figures not yet known', () => {
    const view: NodeView = {
      ...node('node-1', 'active', 1500),
      rates: {
        bytesInPerSec: 2000,
        bytesOutPerSec: 3_000_000,
        messagesInPerSec: 100,
        messagesOutPerSec: 1100,
        opensPerSec: 0,
        closesPerSec: 0,
      },
      health: {
        rssBytes: 120_000_000,
        heapUsedBytes: 0,
        heapTotalBytes: 0,
        cpu: 0.25,
        loopDelayP50Ms: 0.5,
        loopDelayP99Ms: 4,
        loopDelayMaxMs: 9,
        errors: 0,
      },
    };
    expect(Object.fromEntries(nodeFigures(view))).toEqual({
      Connections: '1,500',
      'Messages/s': '1.2k',
      Bandwidth: '2.0 KB/s in · 3.0 MB/s out',
      CPU: '25 %',
      'Loop delay p99': '4.0 ms',
      'Memory (RSS)': '120 MB',
    });
    expect(Object.fromEntries(nodeFigures(node('node-2', 'connecting', null)))).toMatchObject({
      Connections: '—',
      Bandwidth: '—',
      CPU: '—',
    });
  });
});

describe('nextCellIndex', () => {
  // 10 cells in rows of 4:  0 1 2 3 / 4 5 6 7 / 8 9
  it('moves by one cell left and right, stopping at the ends', () => {
    expect(nextCellIndex(5, 'ArrowRight', 10, 4)).toBe(6);
    expect(nextCellIndex(5, 'ArrowLeft', 10, 4)).toBe(4);
    expect(nextCellIndex(0, 'ArrowLeft', 10, 4)).toBe(0);
    expect(nextCellIndex(9, 'ArrowRight', 10, 4)).toBe(9);
  });

  it('moves by a row up and down, staying put where there is no cell', () => {
    expect(nextCellIndex(5, 'ArrowDown', 10, 4)).toBe(9);
    expect(nextCellIndex(6, 'ArrowDown', 10, 4)).toBe(6);
    expect(nextCellIndex(5, 'ArrowUp', 10, 4)).toBe(1);
    expect(nextCellIndex(2, 'ArrowUp', 10, 4)).toBe(2);
  });

  it('jumps to the first and last cell with Home and End', () => {
    expect(nextCellIndex(5, 'Home', 10, 4)).toBe(0);
    expect(nextCellIndex(5, 'End', 10, 4)).toBe(9);
  });

  it('leaves other keys to the browser', () => {
    expect(nextCellIndex(5, 'Enter', 10, 4)).toBeNull();
    expect(nextCellIndex(5, 'Tab', 10, 4)).toBeNull();
    expect(nextCellIndex(0, 'ArrowRight', 0, 4)).toBeNull();
  });
});

describe('columnsOfTemplate', () => {
  it('counts the tracks of a computed grid-template-columns', () => {
    expect(columnsOfTemplate('12px 12px 12px')).toBe(3);
    expect(columnsOfTemplate(' 12px  12px ')).toBe(2);
    expect(columnsOfTemplate('none')).toBe(1);
  });
});
