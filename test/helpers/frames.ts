/** Valid protocol frames for tests, with the fields a test cares about overridden. */
import type { HelloFrame, SampleFrame } from '../../agent/protocol.js';

/** A hello from node `nodeId`, started at `startedAt`. */
export function helloFrame(nodeId = 'n1', startedAt = 1, intervalMs = 100): HelloFrame {
  return {
    type: 'hello',
    protocol: 1,
    role: 'operate',
    intervalMs,
    capabilities: [],
    node: { nodeId, name: nodeId, version: '1', host: 'h', pid: 1, startedAt, labels: {} },
  };
}

/** A sample with zero figures, `seq` and `time` as given, and `overrides` merged over the top level. */
export function sampleFrame(seq: number, time: number, overrides: Partial<SampleFrame> = {}): SampleFrame {
  return {
    type: 'sample',
    seq,
    time,
    state: 'active',
    connections: {
      open: 0,
      opened: 0,
      closed: 0,
      byTransport: {
        websocket: { open: 0, opened: 0, closed: 0 },
        sse: { open: 0, opened: 0, closed: 0 },
        'long-polling': { open: 0, opened: 0, closed: 0 },
      },
      closeCodes: {},
    },
    traffic: {
      bytesIn: 0,
      bytesOut: 0,
      messagesIn: 0,
      messagesOut: 0,
      socketBytesRead: 0,
      socketBytesWritten: 0,
    },
    health: {
      rssBytes: 1,
      heapUsedBytes: 1,
      heapTotalBytes: 1,
      cpu: 0,
      loopDelayP50Ms: 0,
      loopDelayP99Ms: 0,
      loopDelayMaxMs: 0,
      errors: 0,
    },
    channels: {
      intervalMs: 1000,
      top: [],
      totals: { published: 0, delivered: 0, bytesIn: 0, bytesOut: 0 },
      subscribedChannels: 0,
      subscribers: 0,
      rejected: 0,
    },
    drain: null,
    dependencies: {},
    ...overrides,
  };
}
