/** The console core end to end in one process: real agents, real links, batched deltas. */
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

describe('console service', () => {
  it('drops and counts a bad agent frame per node, never crashing, and keeps other nodes live', async () => {
    const agent = createAgent({ nodeId: 'good', token, intervalMs: 100, admin: { port: 0 } });
    disposers.push(() => agent.close());
    const good = await agent.ready();

    const bad = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => bad.once('listening', () => resolve()));
    disposers.push(() => new Promise((resolve) => bad.close(resolve)));
    bad.on('connection', (socket) => {
      socket.send('this is not json');
      socket.send(JSON.stringify({ type: 'hello', protocol: 1 })); // missing every other field
      socket.send(JSON.stringify({ type: 'sample', seq: -1 }));
    });

    const service = createConsoleService({
      fleet: {
        name: 'mixed',
        nodes: [
          { id: 'good', adminUrl: `ws://127.0.0.1:${good?.port}`, publicUrl: null, token },
          {
            id: 'bad',
            adminUrl: `ws://127.0.0.1:${(bad.address() as AddressInfo).port}`,
            publicUrl: null,
            token,
          },
        ],
      },
      flushMs: 50,
    });
    disposers.push(() => service.dispose());
    const deltas: FleetDelta[] = [];
    service.subscribe((delta) => deltas.push(delta));
    expect(deltas[0]?.reset).toBe(true);

    const node = (id: string) => service.store.snapshot().nodes.find((view) => view.id === id);
    await waitFor(() => node('bad')?.droppedFrames === 3, 'three dropped frames on the bad node');
    await waitFor(() => node('good')?.rates, 'rates on the good node');
    expect(node('good')?.status).toBe('active');
    expect(node('bad')?.status).toBe('connecting');
    // Deltas are batched: far fewer than one per sample per node.
    const upserts = deltas.slice(1).reduce((total, delta) => total + delta.upserted.length, 0);
    expect(upserts).toBeGreaterThan(0);
    expect(
      deltas.every((delta, index) => index === 0 || delta.version === (deltas[index - 1]?.version ?? 0) + 1),
    ).toBe(true);
    await expect(service.handlers.getFleet()).resolves.toMatchObject({ fleetName: 'mixed' });
    await service.dispose();
    await service.dispose();
  });
});
