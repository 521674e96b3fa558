import { describe, expect, it } from 'vitest';
import type { ChannelFigures } from '../../../main/common/models.js';
import {
  channelRows,
  closeCodeMeaning,
  closeCodeRows,
  transportShares,
  uptimeText,
} from '../../../renderer/detail/node-detail-model.js';
import { nodeView } from '../../main/core/node-views.js';

describe('closeCodeMeaning', () => {
  it.each([
    ['1000', 'Normal closure'],
    ['1001', 'Going away'],
    ['1006', 'Abnormal closure (no close frame)'],
    ['1008', 'Policy violation'],
    ['1011', 'Server error'],
    ['1012', 'Service restart'],
    ['4000', 'Application-defined'],
    ['4999', 'Application-defined'],
    ['3003', 'Library or framework'],
    ['1004', 'Unknown code'],
    ['5000', 'Unknown code'],
    ['abc', 'Unknown code'],
  ])('%s means %s', (code, meaning) => {
    expect(closeCodeMeaning(code)).toBe(meaning);
  });
});

describe('closeCodeRows', () => {
  it('lists codes by count, with meaning, share and whether the close was orderly', () => {
    const rows = closeCodeRows({ '1000': 6, '4000': 3, '1006': 1, '1012': 0 });
    expect(rows).toEqual([
      { code: '1000', meaning: 'Normal closure', count: 6, share: 0.6, orderly: true },
      { code: '4000', meaning: 'Application-defined', count: 3, share: 0.3, orderly: false },
      { code: '1006', meaning: 'Abnormal closure (no close frame)', count: 1, share: 0.1, orderly: false },
    ]);
  });

  it('breaks ties by code and is empty when nothing closed', () => {
    expect(closeCodeRows({ '4001': 2, '1001': 2 }).map((row) => row.code)).toEqual(['1001', '4001']);
    expect(closeCodeRows({})).toEqual([]);
  });
});

describe('transportShares', () => {
  it('gives every transport in a fixed order with its share of the open connections', () => {
    expect(transportShares({ websocket: 3, sse: 1, 'long-polling': 0 })).toEqual([
      { transport: 'websocket', label: 'WebSocket', open: 3, share: 0.75 },
      { transport: 'sse', label: 'SSE', open: 1, share: 0.25 },
      { transport: 'long-polling', label: 'Long polling', open: 0, share: 0 },
    ]);
  });

  it('has no shares with nothing open, and no rows while unknown', () => {
    expect(transportShares({ websocket: 0, sse: 0, 'long-polling': 0 })?.map((row) => row.share)).toEqual([
      null,
      null,
      null,
    ]);
    expect(transportShares(null)).toBeNull();
    expect(transportShares(undefined)).toBeNull();
  });
});

describe('channelRows', () => {
  const figures: ChannelFigures = {
    name: 'room',
    published: 10,
    delivered: 40,
    bytesIn: 2_000,
    bytesOut: 8_000,
    subscribers: 4,
    error: 0,
  };

  it('turns the interval’s figures into per-second rates', () => {
    expect(channelRows([figures], 2_000)).toEqual([
      {
        name: 'room',
        publishedPerSec: 5,
        deliveredPerSec: 20,
        bytesInPerSec: 1_000,
        bytesOutPerSec: 4_000,
        subscribers: 4,
      },
    ]);
    expect(channelRows([figures], 500)[0]?.publishedPerSec).toBe(20);
  });

  it('has no rows without a positive interval', () => {
    expect(channelRows([figures], null)).toEqual([]);
    expect(channelRows([figures], 0)).toEqual([]);
  });
});

describe('uptimeText', () => {
  const startedAt = 1_000_000;
  const identity = { nodeId: 'a', name: 'a', version: '1', host: 'h', pid: 1, startedAt, labels: {} };

  it('counts from the agent’s start, and starts over with a new start', () => {
    expect(uptimeText(nodeView('a', 0, { identity }), startedAt + 65_500)).toBe('1m 5s');
    const restarted = nodeView('a', 0, { identity: { ...identity, startedAt: startedAt + 60_000 } });
    expect(uptimeText(restarted, startedAt + 65_500)).toBe('5s');
  });

  it('says why there is none before the hello and while the node is unreachable', () => {
    expect(uptimeText(nodeView('a', 0, { identity: null, status: 'connecting' }), startedAt)).toBe(
      'not known yet',
    );
    expect(uptimeText(nodeView('a', 0, { identity, status: 'unreachable' }), startedAt + 5_000)).toBe(
      'unknown while unreachable',
    );
  });
});
