import { describe, expect, it } from 'vitest';
import type { BalancerServer, BalancerView } from '../../main/common/models.js';
import {
  actionPlan,
  balancerRows,
  balancerTone,
  isCurrentState,
  nodeBalancerState,
  serverFigures,
} from '../../renderer/components/balancer/balancer-model.js';
import { nodeView } from '../main/core/node-views.js';

function server(name: string, state: string, overrides: Partial<BalancerServer> = {}): BalancerServer {
  return {
    backend: 'nodes',
    name,
    nodeId: name,
    state,
    sessions: 3,
    weight: 100,
    checkStatus: 'L7OK',
    ...overrides,
  };
}

function balancer(overrides: Partial<BalancerView> = {}): BalancerView {
  return {
    time: 1,
    configured: true,
    kind: 'haproxy',
    address: '127.0.0.1:9999',
    reachable: true,
    problem: null,
    servers: [],
    mismatches: [],
    ...overrides,
  };
}

describe('balancerTone', () => {
  it('reads HAProxy status texts by their first word', () => {
    expect(
      ['UP', 'UP 1/3', 'no check', 'DRAIN (agent)', 'MAINT (via nodes/x)', 'DOWN 1/2', 'NOLB', ''].map(
        balancerTone,
      ),
    ).toEqual(['up', 'up', 'up', 'drain', 'maint', 'down', 'other', 'other']);
  });

  it('disables only the action that is already in force', () => {
    expect(isCurrentState('UP', 'ready')).toBe(true);
    expect(isCurrentState('UP', 'maint')).toBe(false);
    expect(isCurrentState('DRAIN (agent)', 'drain')).toBe(true);
    expect(isCurrentState('DRAIN (agent)', 'ready')).toBe(false);
    expect(isCurrentState('MAINT', 'maint')).toBe(true);
    expect(isCurrentState('DOWN', 'ready')).toBe(false);
  });
});

describe('balancerRows', () => {
  it('puts servers first with their agents, then nodes that no server is, each with its warnings', () => {
    const view = balancer({
      servers: [server('node-1', 'UP'), server('stray', 'DOWN', { nodeId: null }), server('node-2', 'MAINT')],
      mismatches: [
        { nodeId: null, server: 'stray', message: 'HAProxy server stray is not in the fleet' },
        {
          nodeId: 'node-2',
          server: 'node-2',
          message: 'HAProxy keeps node-2 out although its agent is active',
        },
        { nodeId: 'node-3', server: null, message: 'node-3 is not behind HAProxy' },
      ],
    });
    const rows = balancerRows(view, [
      nodeView('node-1', 4),
      nodeView('node-2', 2),
      nodeView('node-3', 1, { status: 'draining' }),
    ]);
    expect(
      rows.map((row) => [row.key, row.nodeId, row.agentStatus, row.agentConnections, row.warnings]),
    ).toEqual([
      ['server:nodes/node-1', 'node-1', 'active', 4, []],
      ['server:nodes/stray', null, null, null, ['HAProxy server stray is not in the fleet']],
      [
        'server:nodes/node-2',
        'node-2',
        'active',
        2,
        ['HAProxy keeps node-2 out although its agent is active'],
      ],
      ['node:node-3', 'node-3', 'draining', 1, ['node-3 is not behind HAProxy']],
    ]);
    expect(rows[3]?.server).toBeNull();
  });
});

describe('actionPlan', () => {
  it('says what maint does, that sessions stay, that the agent-check pauses, and the warning to expect', () => {
    const plan = actionPlan(server('node-2', 'UP', { sessions: 12 }), 'maint', 'active');
    expect(plan.title).toBe('Put node-2 into maintenance at HAProxy?');
    expect(plan.confirmLabel).toBe('Set maint');
    expect(plan.effects).toEqual([
      'HAProxy sends no new connections to nodes/node-2 and stops checking it.',
      'Its 12 open sessions stay open: HAProxy does not close them. To move them, drain the node through its agent.',
      'Its agent-check is paused, so the agent cannot undo this, until you set it ready.',
      'Its agent stays active: this view will warn that HAProxy keeps it out.',
      'The change is recorded in the audit log.',
    ]);
  });

  it('warns that ready on a draining node goes back to DRAIN, and names a stray server by its name', () => {
    expect(actionPlan(server('node-2', 'MAINT'), 'ready', 'draining').effects[1]).toBe(
      'Its agent-check runs again; the agent is draining, so HAProxy puts it back into DRAIN at the next check.',
    );
    const stray = actionPlan(server('stray', 'UP', { nodeId: null, sessions: 1 }), 'drain', null);
    expect(stray.title).toBe('Drain stray at HAProxy?');
    expect(stray.effects[1]).toContain('Its 1 open session stays open');
    expect(actionPlan(server('x', 'UP', { sessions: 0 }), 'drain', 'active').effects[1]).toBe(
      'It has no open sessions now.',
    );
    expect(stray.effects).not.toContain(
      'Its agent stays active: this view will warn that HAProxy keeps it out.',
    );
  });
});

describe('nodeBalancerState', () => {
  it('is nothing without a balancer, the problem when unreachable, absent, or the server with its warnings', () => {
    expect(nodeBalancerState(null, 'node-1')).toEqual({ kind: 'none' });
    expect(nodeBalancerState(balancer({ configured: false }), 'node-1')).toEqual({ kind: 'none' });
    expect(nodeBalancerState(balancer({ reachable: false, problem: 'refused' }), 'node-1')).toEqual({
      kind: 'unreachable',
      problem: 'refused',
    });
    const view = balancer({
      servers: [server('node-2', 'DRAIN (agent)', { sessions: 12 })],
      mismatches: [{ nodeId: 'node-4', server: null, message: 'node-4 is not behind HAProxy' }],
    });
    expect(nodeBalancerState(view, 'node-4')).toEqual({
      kind: 'absent',
      warnings: ['node-4 is not behind HAProxy'],
    });
    const found = nodeBalancerState(view, 'node-2');
    expect(found).toMatchObject({ kind: 'server', warnings: [] });
    if (found.kind === 'server') expect(serverFigures(found.server)).toBe('12 sessions · weight 100');
    expect(serverFigures(server('x', 'UP', { sessions: 1, weight: 7 }))).toBe('1 session · weight 7');
  });
});
