/** Adding and removing nodes at run time, with real agents and real links. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createAgent } from '../../../agent/index.js';
import type { FleetDelta } from '../../../main/common/models.js';
import { createConsoleService } from '../../../main/core/console-service.js';
import { waitFor } from '../../helpers/wait.js';

const token = 'operate-token-0123456789';
const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

describe('console service nodes at run time', () => {
  it('links to an added node, and closes the link of a removed one', async () => {
    const agent = createAgent({ nodeId: 'late', token, intervalMs: 100, admin: { port: 0 } });
    disposers.push(() => agent.close());
    const address = await agent.ready();
    const service = createConsoleService({ fleet: { name: 'growing', nodes: [] }, flushMs: 50 });
    disposers.push(() => service.dispose());
    const deltas: FleetDelta[] = [];
    service.subscribe((delta) => deltas.push(delta));

    const node = { id: 'late', adminUrl: `ws://127.0.0.1:${address?.port}`, publicUrl: null, token };
    service.addNode(node);
    expect(() => service.addNode(node)).toThrow('the fleet already has a node "late"');
    await waitFor(
      () => service.store.snapshot().nodes.find((view) => view.id === 'late')?.status === 'active',
      'the added node active',
    );
    // The store has it at once; deltas go out at the next flush.
    await waitFor(
      () => deltas.some((delta) => delta.upserted.some((view) => view.id === 'late')),
      'a delta with the added node',
      1_000,
    );

    expect(service.removeNode('late')).toBe(true);
    expect(service.removeNode('late')).toBe(false);
    expect(service.store.snapshot().nodes).toEqual([]);
    await waitFor(() => deltas.some((delta) => delta.removed.includes('late')), 'a delta removing the node');

    // The link itself goes: a bare endpoint sees the console connect, then leave for good.
    const endpoint = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => endpoint.once('listening', () => resolve()));
    disposers.push(() => new Promise((resolve) => endpoint.close(resolve)));
    let connections = 0;
    endpoint.on('connection', () => {
      connections += 1;
    });
    const port = (endpoint.address() as AddressInfo).port;
    service.addNode({ id: 'bare', adminUrl: `ws://127.0.0.1:${port}`, publicUrl: null, token });
    await waitFor(() => endpoint.clients.size === 1, 'the console linked to the endpoint');
    service.removeNode('bare');
    await waitFor(() => endpoint.clients.size === 0, 'the link closed');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(connections).toBe(1);

    await service.dispose();
    expect(() => service.addNode(node)).toThrow('the console service is closed');
  });
});
