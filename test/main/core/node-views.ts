/** Synthetic node views for the fleet-health tests, with the fields a test cares about overridden. */
import type { HealthStats, NodeRates, NodeView } from '../../../main/common/models.js';

/** Health figures of a quiet node. */
export const QUIET_HEALTH: HealthStats = {
  rssBytes: 100 * 1024 * 1024,
  heapUsedBytes: 1,
  heapTotalBytes: 1,
  cpu: 0.1,
  loopDelayP50Ms: 1,
  loopDelayP99Ms: 5,
  loopDelayMaxMs: 10,
  errors: 0,
};

/** Rates of an idle node. */
export const IDLE_RATES: NodeRates = {
  bytesInPerSec: 0,
  bytesOutPerSec: 0,
  messagesInPerSec: 0,
  messagesOutPerSec: 0,
  opensPerSec: 0,
  closesPerSec: 0,
  abnormalClosesPerSec: 0,
};

/** An active node `id` with `open` WebSocket connections, quiet health, and `overrides` on top. */
export function nodeView(id: string, open = 0, overrides: Partial<NodeView> = {}): NodeView {
  return {
    id,
    adminUrl: `ws://127.0.0.1:1/${id}`,
    publicUrl: null,
    status: 'active',
    identity: { nodeId: id, name: id, version: '1', host: 'h', pid: 1, startedAt: 1, labels: {} },
    connections: { open, opened: open, closed: 0 },
    rates: IDLE_RATES,
    health: QUIET_HEALTH,
    lastSampleAt: 1,
    statusSince: 0,
    problem: null,
    droppedFrames: 0,
    lastDropReason: null,
    openByTransport: { websocket: open, sse: 0, 'long-polling': 0 },
    dependencies: {},
    ...overrides,
  };
}
