import { describe, expect, it } from 'vitest';
import { FleetStore } from '../../../main/core/fleet-store.js';
import { helloFrame, sampleFrame } from '../../helpers/frames.js';

const node = { id: 'n1', adminUrl: 'ws://127.0.0.1:1', publicUrl: null, token: 't' };
const hello = (startedAt: number) => helloFrame('n1', startedAt, 1000);
const sample = (seq: number, time: number, bytesIn: number, messagesIn: number) => {
  const base = sampleFrame(seq, time);
  return sampleFrame(seq, time, {
    connections: { ...base.connections, open: 3, opened: 3 },
    traffic: { ...base.traffic, bytesIn, bytesOut: bytesIn * 2, messagesIn },
  });
};

describe('FleetStore', () => {
  it('derives per-second rates from cumulative counters', () => {
    const store = new FleetStore('f', [node]);
    store.hello('n1', hello(100));
    store.sample('n1', sample(1, 10_000, 1_000, 10));
    expect(store.snapshot().nodes[0]?.rates).toBeNull();
    store.sample('n1', sample(2, 12_000, 5_000, 30));
    expect(store.snapshot().nodes[0]?.rates).toMatchObject({
      bytesInPerSec: 2_000,
      bytesOutPerSec: 4_000,
      messagesInPerSec: 10,
    });
  });

  it('resets the baseline when the agent restarts (new startedAt)', () => {
    const store = new FleetStore('f', [node]);
    store.hello('n1', hello(100));
    store.sample('n1', sample(5, 10_000, 9_000, 90));
    store.hello('n1', hello(200));
    store.sample('n1', sample(1, 11_000, 100, 1));
    // Without the reset the counters would look like they went backwards.
    expect(store.snapshot().nodes[0]?.rates).toBeNull();
    store.sample('n1', sample(2, 12_000, 600, 6));
    expect(store.snapshot().nodes[0]?.rates?.bytesInPerSec).toBe(500);
  });

  it('clears live figures when the node is unreachable', () => {
    const store = new FleetStore('f', [node]);
    store.hello('n1', hello(100));
    store.sample('n1', sample(1, 10_000, 1, 1));
    store.down('n1', 'connection refused');
    expect(store.snapshot().nodes[0]).toMatchObject({
      status: 'unreachable',
      connections: null,
      rates: null,
      problem: 'connection refused',
    });
  });

  it('batches changes into versioned deltas', () => {
    const store = new FleetStore('f', [node, { ...node, id: 'n2' }]);
    const first = store.flush();
    expect(first?.upserted.map((view) => view.id)).toEqual(['n1', 'n2']);
    expect(store.flush()).toBeNull();
    store.sample('n1', sample(1, 1, 1, 1));
    store.sample('n1', sample(2, 2, 2, 2));
    const second = store.flush();
    expect(second?.version).toBe((first?.version ?? 0) + 1);
    expect(second?.upserted.map((view) => view.id)).toEqual(['n1']);
    store.remove('n2');
    expect(store.flush()?.removed).toEqual(['n2']);
  });
});
