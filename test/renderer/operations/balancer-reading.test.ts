import { describe, expect, it } from 'vitest';
import type { BalancerServer, BalancerView } from '../../../main/common/models.js';
import { balancerReading, describeBalancerReading } from '../../../renderer/operations/balancer-reading.js';

function server(overrides: Partial<BalancerServer> = {}): BalancerServer {
  return {
    backend: 'nodes',
    name: 'node-2',
    nodeId: 'node-2',
    state: 'DRAIN',
    sessions: 0,
    weight: 0,
    checkStatus: null,
    ...overrides,
  };
}

function view(overrides: Partial<BalancerView> = {}): BalancerView {
  return {
    time: 0,
    configured: true,
    kind: 'haproxy',
    address: '127.0.0.1:9999',
    reachable: true,
    problem: null,
    servers: [server({ name: 'node-1', nodeId: 'node-1', state: 'UP', sessions: 12, weight: 100 }), server()],
    mismatches: [],
    ...overrides,
  };
}

describe('balancerReading', () => {
  it('finds the node’s server', () => {
    const reading = balancerReading(view(), 'node-2');
    expect(reading).toEqual({ state: 'server', server: server() });
    expect(describeBalancerReading(reading)).toBe('HAProxy: DRAIN · 0 sessions · weight 0');
    expect(describeBalancerReading(balancerReading(view(), 'node-1'))).toBe(
      'HAProxy: UP · 12 sessions · weight 100',
    );
    expect(describeBalancerReading({ state: 'server', server: server({ sessions: 1, state: 'UP' }) })).toBe(
      'HAProxy: UP · 1 session · weight 0',
    );
  });

  it('says when there is no balancer, it does not answer, or the node is not behind it', () => {
    const none = balancerReading(view({ configured: false, servers: [] }), 'node-2');
    expect(none).toEqual({ state: 'none' });
    expect(describeBalancerReading(none)).toBe(
      'No balancer configured: the fleet file names no balancer runtime API.',
    );
    const down = balancerReading(
      view({ reachable: false, problem: 'connect ECONNREFUSED 127.0.0.1:9999' }),
      'node-2',
    );
    expect(describeBalancerReading(down)).toBe('HAProxy unreachable: connect ECONNREFUSED 127.0.0.1:9999');
    expect(describeBalancerReading(balancerReading(view({ reachable: false }), 'node-2'))).toBe(
      'HAProxy unreachable: its runtime API does not answer',
    );
    expect(describeBalancerReading(balancerReading(view(), 'node-9'))).toBe(
      'HAProxy has no server for this node.',
    );
    expect(describeBalancerReading({ state: 'failed', error: 'No fleet is open' })).toBe(
      'HAProxy: could not read it (No fleet is open)',
    );
    expect(describeBalancerReading({ state: 'loading' })).toBe('HAProxy: reading…');
  });
});
