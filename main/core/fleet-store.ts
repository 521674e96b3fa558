/**
 * The fleet store: every node's latest state, rates derived from cumulative counters, and
 * the batching of changes into deltas. Each change replaces a node's immutable view; the
 * ids that changed since the last flush are the next delta.
 */
import type { EventFrame, HelloFrame, SampleFrame } from '../../agent/protocol.js';
import type { FleetDelta, FleetSnapshot, NodeRates, NodeView } from '../common/models.js';
import type { FleetNodeConfig } from './fleet-file.js';

interface NodeRecord {
  view: NodeView;
  /** The previous sample of the same agent run: the baseline for rates. */
  baseline: SampleFrame | null;
}

/** Rates between two samples of one agent run, or null when they cannot be compared. */
export function deriveRates(previous: SampleFrame, current: SampleFrame): NodeRates | null {
  const seconds = (current.time - previous.time) / 1000;
  if (seconds <= 0 || current.seq <= previous.seq) return null;
  const rate = (now: number, before: number) => (now >= before ? (now - before) / seconds : 0);
  return {
    bytesInPerSec: rate(current.traffic.bytesIn, previous.traffic.bytesIn),
    bytesOutPerSec: rate(current.traffic.bytesOut, previous.traffic.bytesOut),
    messagesInPerSec: rate(current.traffic.messagesIn, previous.traffic.messagesIn),
    messagesOutPerSec: rate(current.traffic.messagesOut, previous.traffic.messagesOut),
    opensPerSec: rate(current.connections.opened, previous.connections.opened),
    closesPerSec: rate(current.connections.closed, previous.connections.closed),
  };
}

/** Holds the fleet's state and turns changes into batched deltas. */
export class FleetStore {
  private readonly records = new Map<string, NodeRecord>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private version = 0;

  constructor(
    readonly fleetName: string,
    nodes: readonly FleetNodeConfig[],
    private readonly now: () => number = Date.now,
  ) {
    for (const node of nodes) this.add(node);
  }

  /** Adds a node in the `connecting` state. */
  add(node: FleetNodeConfig): void {
    this.removed.delete(node.id);
    this.records.set(node.id, {
      baseline: null,
      view: {
        id: node.id,
        adminUrl: node.adminUrl,
        publicUrl: node.publicUrl,
        status: 'connecting',
        identity: null,
        connections: null,
        rates: null,
        health: null,
        lastSampleAt: null,
        statusSince: this.now(),
        problem: null,
        droppedFrames: 0,
        lastDropReason: null,
      },
    });
    this.dirty.add(node.id);
  }

  /** Forgets a node. */
  remove(nodeId: string): void {
    if (this.records.delete(nodeId)) {
      this.dirty.delete(nodeId);
      this.removed.add(nodeId);
    }
  }

  /** A link said hello. A new `startedAt` means the agent restarted: the baseline resets. */
  hello(nodeId: string, frame: HelloFrame): void {
    this.update(nodeId, (record) => {
      if (record.view.identity?.startedAt !== frame.node.startedAt) record.baseline = null;
      return { identity: frame.node, problem: null };
    });
  }

  /** A sample arrived. */
  sample(nodeId: string, frame: SampleFrame): void {
    this.update(nodeId, (record) => {
      const rates = record.baseline ? deriveRates(record.baseline, frame) : null;
      record.baseline = frame;
      return {
        status: frame.state,
        connections: frame.connections,
        rates,
        health: frame.health,
        lastSampleAt: frame.time,
        problem: null,
      };
    });
  }

  /** An agent event; kept for the activity view in a later version. */
  event(_nodeId: string, _frame: EventFrame): void {}

  /** The link is down: live figures are cleared so nobody reads stale numbers as current. */
  down(nodeId: string, problem: string): void {
    this.update(nodeId, (record) => {
      record.baseline = null;
      return { status: 'unreachable', connections: null, rates: null, problem };
    });
  }

  /** A frame from this node was dropped by validation. */
  dropped(nodeId: string, reason: string): void {
    this.update(nodeId, (record) => ({
      droppedFrames: record.view.droppedFrames + 1,
      lastDropReason: reason,
    }));
  }

  /** The whole fleet now. */
  snapshot(): FleetSnapshot {
    return {
      fleetName: this.fleetName,
      version: this.version,
      time: this.now(),
      nodes: [...this.records.values()].map((record) => record.view),
    };
  }

  /** The changes since the last flush, or null when nothing changed. */
  flush(): FleetDelta | null {
    if (this.dirty.size === 0 && this.removed.size === 0) return null;
    this.version++;
    const delta: FleetDelta = {
      fleetName: this.fleetName,
      version: this.version,
      time: this.now(),
      reset: false,
      upserted: [...this.dirty].map((id) => (this.records.get(id) as NodeRecord).view),
      removed: [...this.removed],
    };
    this.dirty.clear();
    this.removed.clear();
    return delta;
  }

  /** A delta that replaces a receiver's whole state with the current snapshot. */
  resetDelta(): FleetDelta {
    const { fleetName, version, time, nodes } = this.snapshot();
    return { fleetName, version, time, reset: true, upserted: nodes, removed: [] };
  }

  private update(nodeId: string, change: (record: NodeRecord) => Partial<Omit<NodeView, 'id'>>): void {
    const record = this.records.get(nodeId);
    if (!record) return;
    const next = { ...record.view, ...change(record) };
    if (next.status !== record.view.status) next.statusSince = this.now();
    record.view = next as NodeView;
    this.dirty.add(nodeId);
  }
}
