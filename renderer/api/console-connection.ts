import type { ConsoleApi, Unsubscribe } from '../../main/common/console-api.js';
import { withValidHealthFields } from './web-messages.js';

/**
 * The state of the link to the console. `reason` is a sentence for the operator, or null when
 * there is nothing to say. `closed` with `willRetry: false` is final: only a reload helps.
 */
export type ConnectionStatus =
  | { readonly state: 'connecting'; readonly reason: string | null }
  | { readonly state: 'open'; readonly reason: null }
  | { readonly state: 'closed'; readonly reason: string; readonly willRetry: boolean };

/** The console API plus what the UI needs to show about the link carrying it. */
export interface ConsoleConnection extends ConsoleApi {
  /** The current status; a new object on every change, so it can feed useSyncExternalStore. */
  getStatus(): ConnectionStatus;
  /** Calls `listener` after every status change. */
  onStatus(listener: () => void): Unsubscribe;
  /** Closes the link and rejects what is pending. Safe to call twice. */
  dispose(): void;
}

/** The status of a link that is always up (the Electron bridge). */
export const OPEN_STATUS: ConnectionStatus = { state: 'open', reason: null };

/** Wraps the preload bridge: IPC to the main process has no connection to lose. */
export function connectionFromBridge(bridge: ConsoleApi): ConsoleConnection {
  return {
    getFleet: () => bridge.getFleet(),
    getHistory: (scope, sinceMs) => bridge.getHistory(scope, sinceMs),
    getAlerts: () => bridge.getAlerts(),
    getNodeDetail: (nodeId) => bridge.getNodeDetail(nodeId),
    getSparklines: (nodeIds, series, points) => bridge.getSparklines(nodeIds, series, points),
    listFleets: () => bridge.listFleets(),
    openFleet: (path) => bridge.openFleet(path),
    previewDrain: (nodeId, deadlineMs) => bridge.previewDrain(nodeId, deadlineMs),
    drainNode: (nodeId, deadlineMs) => bridge.drainNode(nodeId, deadlineMs),
    undrainNode: (nodeId) => bridge.undrainNode(nodeId),
    previewShed: (nodeId, amount, deadlineMs) => bridge.previewShed(nodeId, amount, deadlineMs),
    shedNode: (nodeId, amount, deadlineMs) => bridge.shedNode(nodeId, amount, deadlineMs),
    addNode: (request) => bridge.addNode(request),
    removeNode: (nodeId, deadlineMs) => bridge.removeNode(nodeId, deadlineMs),
    startRoll: (request) => bridge.startRoll(request),
    controlRoll: (rollId, action) => bridge.controlRoll(rollId, action),
    getOperations: () => bridge.getOperations(),
    getActivity: (limit) => bridge.getActivity(limit),
    getBalancer: () => bridge.getBalancer(),
    setBalancerState: (nodeId, state) => bridge.setBalancerState(nodeId, state),
    getChannels: (query) => bridge.getChannels(query),
    getChannel: (name) => bridge.getChannel(name),
    getBroker: () => bridge.getBroker(),
    // The same health-field checks as web mode: a bad field is dropped, the node update kept.
    onFleetDelta: (listener) => bridge.onFleetDelta((delta) => listener(withValidHealthFields(delta))),
    getStatus: () => OPEN_STATUS,
    onStatus: () => () => {},
    dispose: () => {},
  };
}

/** A connection that never opens, for pages that have no console to talk to; says why. */
export function unavailableConnection(reason: string): ConsoleConnection {
  const status: ConnectionStatus = { state: 'closed', reason, willRetry: false };
  return {
    getFleet: () => Promise.reject(new Error(reason)),
    getHistory: () => Promise.reject(new Error(reason)),
    getAlerts: () => Promise.reject(new Error(reason)),
    getNodeDetail: () => Promise.reject(new Error(reason)),
    getSparklines: () => Promise.reject(new Error(reason)),
    listFleets: () => Promise.reject(new Error(reason)),
    openFleet: () => Promise.reject(new Error(reason)),
    previewDrain: () => Promise.reject(new Error(reason)),
    drainNode: () => Promise.reject(new Error(reason)),
    undrainNode: () => Promise.reject(new Error(reason)),
    previewShed: () => Promise.reject(new Error(reason)),
    shedNode: () => Promise.reject(new Error(reason)),
    addNode: () => Promise.reject(new Error(reason)),
    removeNode: () => Promise.reject(new Error(reason)),
    startRoll: () => Promise.reject(new Error(reason)),
    controlRoll: () => Promise.reject(new Error(reason)),
    getOperations: () => Promise.reject(new Error(reason)),
    getActivity: () => Promise.reject(new Error(reason)),
    getBalancer: () => Promise.reject(new Error(reason)),
    setBalancerState: () => Promise.reject(new Error(reason)),
    getChannels: () => Promise.reject(new Error(reason)),
    getChannel: () => Promise.reject(new Error(reason)),
    getBroker: () => Promise.reject(new Error(reason)),
    onFleetDelta: () => () => {},
    getStatus: () => status,
    onStatus: () => () => {},
    dispose: () => {},
  };
}
