/** Live fleet health end to end in one process: a real agent, the real core, default timers. */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { Alert, FleetDelta, HistoryScope } from '../../../main/common/models.js';
import { createConsoleService } from '../../../main/core/console-service.js';
import { closeClients, openClients } from '../../helpers/clients.js';
import { HOST_TOKENS, startTestHost } from '../../helpers/host.js';
import { waitFor } from '../../helpers/wait.js';

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

describe('console service fleet health', () => {
  it('shows a real agent in the fleet history, raises its alerts through deltas, and unreachable within 3 s of a kill', async () => {
    const host = await startTestHost({ nodeId: 'node-a', intervalMs: 100 });
    disposers.push(() => host.close());
    // Default tick (1 s) and flush (250 ms): the 3-second promise must hold as shipped.
    const service = createConsoleService({
      fleet: {
        name: 'health',
        nodes: [{ id: 'node-a', adminUrl: host.adminUrl, publicUrl: null, token: HOST_TOKENS.operate }],
      },
    });
    disposers.push(() => service.dispose());
    const deltas: Array<{ at: number; delta: FleetDelta }> = [];
    service.subscribe((delta) => deltas.push({ at: Date.now(), delta }));
    expect(deltas[0]?.delta).toMatchObject({
      reset: true,
      totals: null,
      history: null,
      alerts: { activeCount: 0 },
    });

    let clients: WebSocket[] = [];
    disposers.push(() => closeClients(clients));
    clients = await openClients(host.wsUrl, 3);

    const fleet = await waitFor(async () => {
      const history = await service.handlers.getHistory({ kind: 'fleet' });
      return history.kind === 'fleet' && history.series.connectionsOpen.at(-1) === 3 ? history : null;
    }, 'three connections in the fleet history');
    expect(fleet.series.nodesActive.at(-1)).toBe(1);
    expect(fleet.series.openWebsocket.at(-1)).toBe(3);
    expect(fleet.series.balanceMean.at(-1)).toBe(3);
    expect(fleet.times.length).toBe(fleet.series.bytesInPerSec.length);
    const node = await service.handlers.getHistory({ kind: 'node', nodeId: 'node-a' });
    expect(node.kind === 'node' && node.series.connectionsOpen.at(-1)).toBe(3);
    expect(node.kind === 'node' && node.series.rssBytes.at(-1)).toBeGreaterThan(1_000_000);

    // Deltas carry each new fleet point once, with the totals. The store has a point as soon as
    // the tick adds it; the delta that carries it goes out at the next flush (250 ms).
    await waitFor(
      () => deltas.some(({ delta }) => delta.totals?.connectionsOpen === 3),
      'the three connections in a delta’s totals',
      1_000,
    );
    const carried = deltas.flatMap(({ delta }) => delta.history?.times ?? []);
    expect(new Set(carried).size).toBe(carried.length);
    const since = fleet.times.at(-1) as number;
    await waitFor(
      async () => (await service.handlers.getHistory({ kind: 'fleet' }, since)).times.length > 0,
      'a newer fleet point',
    );

    const alertsIn = (from: number) =>
      deltas.slice(from).flatMap(({ delta }) => delta.alerts?.upserted ?? ([] as Alert[]));
    const beforeBroker = deltas.length;
    host.agent.dependency('broker', false, 'redis://127.0.0.1:1 connection refused');
    await waitFor(
      () => alertsIn(beforeBroker).find((alert) => alert.id === 'dependency-down:node-a:broker'),
      'a broker alert in a delta',
      3_000,
    );
    expect((await service.handlers.getAlerts()).active.map((alert) => alert.kind)).toEqual([
      'dependency-down',
    ]);

    const beforeKill = deltas.length;
    const killedAt = Date.now();
    await host.agent.close();
    await waitFor(
      () => alertsIn(beforeKill).find((alert) => alert.id === 'node-unreachable:node-a'),
      'an unreachable alert in a delta',
      3_000,
    );
    const arrived = deltas
      .slice(beforeKill)
      .find(({ delta }) => delta.alerts?.upserted.some((alert) => alert.id === 'node-unreachable:node-a'));
    const latency = (arrived?.at ?? Number.POSITIVE_INFINITY) - killedAt;
    console.log(`unreachable alert reached the delta stream ${latency} ms after the kill`);
    expect(latency).toBeLessThan(3_000);
    // The broker alert needed live figures; the unreachable alert stands in for it.
    expect(
      deltas
        .slice(beforeKill)
        .flatMap(({ delta }) => delta.alerts?.resolved ?? [])
        .map((alert) => alert.id),
    ).toContain('dependency-down:node-a:broker');
    const alerts = await service.handlers.getAlerts();
    expect(alerts.active).toMatchObject([
      { id: 'node-unreachable:node-a', severity: 'critical', resolvedAt: null },
    ]);
    expect(alerts.recent[0]).toMatchObject({ id: 'dependency-down:node-a:broker' });
    expect(
      deltas.every(
        ({ delta }, index) => index === 0 || delta.version === (deltas[index - 1]?.delta.version ?? 0) + 1,
      ),
    ).toBe(true);
  });

  it('checks request arguments, which reach it unchecked from the web transport', async () => {
    const service = createConsoleService({ fleet: { name: 'empty', nodes: [] } });
    disposers.push(() => service.dispose());
    await expect(service.handlers.getHistory({ kind: 'cluster' } as unknown as HistoryScope)).rejects.toThrow(
      /scope must be/,
    );
    await expect(service.handlers.getHistory({ kind: 'node', nodeId: 'ghost' })).rejects.toThrow(
      /no node "ghost"/,
    );
    // JSON turns a missing sinceMs into null.
    await expect(
      service.handlers.getHistory({ kind: 'fleet' }, null as unknown as number),
    ).resolves.toMatchObject({
      kind: 'fleet',
    });
    await expect((service.handlers.getAlerts as (...args: unknown[]) => Promise<unknown>)(1)).rejects.toThrow(
      /no arguments/,
    );
    await service.dispose();
    await service.dispose();
  });
});
