/** Synthetic node views for the nodes-table tests: a quiet active node with the fields a test names. */
import type { HealthStats, NodeView } from '../../../main/common/models.js';

/** Figures a node view is built from; anything left out keeps a quiet default. */
export interface NodeFigures {
  readonly status?: NodeView['status'];
  readonly connections?: number | null;
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  readonly messagesIn?: number;
  readonly messagesOut?: number;
  readonly health?: Partial<HealthStats> | null;
  readonly version?: string;
  readonly host?: string;
  readonly startedAt?: number;
  readonly hasIdentity?: boolean;
  readonly hasRates?: boolean;
  readonly problem?: string | null;
}

const QUIET_HEALTH: HealthStats = {
  rssBytes: 80_000_000,
  heapUsedBytes: 1,
  heapTotalBytes: 1,
  cpu: 0.05,
  loopDelayP50Ms: 1,
  loopDelayP99Ms: 4,
  loopDelayMaxMs: 9,
  errors: 0,
};

/** A node view named `id`. */
export function node(id: string, figures: NodeFigures = {}): NodeView {
  const connections = figures.connections === undefined ? 0 : figures.connections;
  return {
    id,
    adminUrl: `ws://127.0.0.1:1/${id}`,
    publicUrl: null,
    status: figures.status ?? 'active',
    identity:
      figures.hasIdentity === false
        ? null
        : {
            nodeId: id,
            name: id,
            version: figures.version ?? '1.0.0',
            host: figures.host ?? 'host-a',
            pid: 1,
            startedAt: figures.startedAt ?? 0,
            labels: {},
          },
    connections: connections === null ? null : { open: connections, opened: connections, closed: 0 },
    rates:
      figures.hasRates === false
        ? null
        : {
            bytesInPerSec: figures.bytesIn ?? 0,
            bytesOutPerSec: figures.bytesOut ?? 0,
            messagesInPerSec: figures.messagesIn ?? 0,
            messagesOutPerSec: figures.messagesOut ?? 0,
            opensPerSec: 0,
            closesPerSec: 0,
            abnormalClosesPerSec: 0,
          },
    health: figures.health === null ? null : { ...QUIET_HEALTH, ...figures.health },
    lastSampleAt: 1,
    statusSince: 0,
    problem: figures.problem ?? null,
    droppedFrames: 0,
    lastDropReason: null,
  };
}

/** The ids, in order. */
export function ids(nodes: readonly NodeView[]): string[] {
  return nodes.map((view) => view.id);
}
