import { describe, expect, it } from 'vitest';
import type { ChannelNodeRow } from '../../../main/common/models.js';
import {
  channelPoints,
  nodeRole,
  sortNodeRows,
  sumNodeRows,
} from '../../../renderer/channels/channel-detail-model.js';

const node = (nodeId: string, fields: Partial<Omit<ChannelNodeRow, 'nodeId'>> = {}): ChannelNodeRow => ({
  nodeId,
  publishPerSec: 0,
  deliveriesPerSec: 0,
  bytesOutPerSec: 0,
  subscribers: 0,
  ...fields,
});

describe('channelPoints', () => {
  it('turns the history’s columns into points, a missing value as a gap', () => {
    const points = channelPoints({
      times: [1000, 2000],
      series: {
        publishPerSec: [1, 2],
        deliveriesPerSec: [10, null],
        bytesInPerSec: [100, 200],
        bytesOutPerSec: [1000],
        subscribers: [5, 5],
      },
    });
    expect(points).toEqual([
      {
        time: 1000,
        publishPerSec: 1,
        deliveriesPerSec: 10,
        bytesInPerSec: 100,
        bytesOutPerSec: 1000,
        subscribers: 5,
      },
      {
        time: 2000,
        publishPerSec: 2,
        deliveriesPerSec: null,
        bytesInPerSec: 200,
        bytesOutPerSec: null,
        subscribers: 5,
      },
    ]);
  });

  it('is empty for a channel without history', () => {
    expect(
      channelPoints({
        times: [],
        series: {
          publishPerSec: [],
          deliveriesPerSec: [],
          bytesInPerSec: [],
          bytesOutPerSec: [],
          subscribers: [],
        },
      }),
    ).toEqual([]);
  });
});

describe('per-node rows', () => {
  const rows = [
    node('node-10', { deliveriesPerSec: 50, subscribers: 5 }),
    node('node-2', { subscribers: 3 }),
    node('node-1', { publishPerSec: 10, deliveriesPerSec: 100, bytesOutPerSec: 1e4, subscribers: 10 }),
    node('node-3', { subscribers: 3 }),
    node('node-9', { deliveriesPerSec: 50, subscribers: 7 }),
  ];

  it('orders the busiest first, then by subscribers, then by natural id', () => {
    expect(sortNodeRows(rows).map((row) => row.nodeId)).toEqual([
      'node-1',
      'node-9',
      'node-10',
      'node-2',
      'node-3',
    ]);
  });

  it('sums the rows for the total line', () => {
    expect(sumNodeRows(rows)).toEqual({
      publishPerSec: 10,
      deliveriesPerSec: 200,
      bytesOutPerSec: 1e4,
      subscribers: 28,
    });
  });

  it('says what each node does with the channel', () => {
    expect(nodeRole(node('a', { publishPerSec: 1, deliveriesPerSec: 1 }))).toBe('publishes and delivers');
    expect(nodeRole(node('a', { publishPerSec: 1 }))).toBe('publishes');
    expect(nodeRole(node('a', { deliveriesPerSec: 1 }))).toBe('delivers');
    expect(nodeRole(node('a', { subscribers: 2 }))).toBe('subscribed, quiet');
    expect(nodeRole(node('a'))).toBe('quiet');
  });
});
