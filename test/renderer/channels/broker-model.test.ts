import { describe, expect, it } from 'vitest';
import type { BrokerView } from '../../../main/common/models.js';
import { brokerHeadline, brokerRows } from '../../../renderer/channels/broker-model.js';

const check = (channel: string, mismatch: string | null = null) => ({
  channel,
  redis: 3,
  nodesSubscribed: 3,
  agentSubscribers: 40,
  mismatch,
});

const view = (fields: Partial<BrokerView>): BrokerView => ({
  time: 1_000,
  configured: true,
  kind: 'redis',
  address: 'redis://127.0.0.1:6379',
  reachable: true,
  problem: null,
  mapping: null,
  info: null,
  subscribers: [],
  ...fields,
});

describe('brokerHeadline', () => {
  it('tells apart not configured, unreachable, disagreeing and fine', () => {
    expect(brokerHeadline(view({ configured: false, kind: null, address: null, reachable: false }))).toEqual({
      tone: 'unconfigured',
      text: 'No broker configured',
    });
    expect(brokerHeadline(view({ reachable: false, problem: 'connect ECONNREFUSED' }))).toEqual({
      tone: 'error',
      text: 'Unreachable',
    });
    expect(
      brokerHeadline(
        view({ subscribers: [check('a'), check('b', 'Redis counts 2 nodes, 3 agents report subscribers')] }),
      ),
    ).toEqual({ tone: 'warning', text: '1 disagreement with the agents' });
    expect(brokerHeadline(view({ subscribers: [check('a')] }))).toEqual({
      tone: 'ok',
      text: 'Reachable, agrees with the agents',
    });
  });
});

describe('brokerRows', () => {
  it('puts disagreements first and otherwise keeps the console’s order', () => {
    const rows = brokerRows(
      view({ subscribers: [check('a'), check('b', 'x'), check('c'), check('d', 'y')] }),
    );
    expect(rows.map((row) => row.channel)).toEqual(['b', 'd', 'a', 'c']);
  });
});
