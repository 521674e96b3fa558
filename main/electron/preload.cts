/**
 * The preload bridge: exposes {@link ConsoleApi} on `window.fleetdeck` and nothing more.
 * Sandboxed preloads are CommonJS and may require only 'electron', so the contract is
 * imported as types and the channel names are repeated here, checked against it.
 */
import electron = require('electron');

import type {
  BRIDGE_GLOBAL,
  ConsoleApi,
  ConsoleEvents,
  ConsoleHealthApi,
  ConsoleRequests,
  EventName,
  IPC_CHANNELS,
  RequestName,
  Unsubscribe,
} from '../common/console-api.js';

const { contextBridge, ipcRenderer } = electron;

const channels = {
  getFleet: 'fleetdeck:get-fleet',
  getHistory: 'fleetdeck:get-history',
  getAlerts: 'fleetdeck:get-alerts',
  getNodeDetail: 'fleetdeck:get-node-detail',
  getSparklines: 'fleetdeck:get-sparklines',
  listFleets: 'fleetdeck:list-fleets',
  openFleet: 'fleetdeck:open-fleet',
  previewDrain: 'fleetdeck:preview-drain',
  drainNode: 'fleetdeck:drain-node',
  undrainNode: 'fleetdeck:undrain-node',
  previewShed: 'fleetdeck:preview-shed',
  shedNode: 'fleetdeck:shed-node',
  addNode: 'fleetdeck:add-node',
  removeNode: 'fleetdeck:remove-node',
  startRoll: 'fleetdeck:start-roll',
  controlRoll: 'fleetdeck:control-roll',
  getOperations: 'fleetdeck:get-operations',
  getActivity: 'fleetdeck:get-activity',
  getBalancer: 'fleetdeck:get-balancer',
  setBalancerState: 'fleetdeck:set-balancer-state',
  getChannels: 'fleetdeck:get-channels',
  getChannel: 'fleetdeck:get-channel',
  getBroker: 'fleetdeck:get-broker',
  fleetDelta: 'fleetdeck:fleet-delta',
} as const satisfies typeof IPC_CHANNELS;

const bridgeGlobal: typeof BRIDGE_GLOBAL = 'fleetdeck';

function invoke<M extends RequestName>(
  name: M,
  ...args: ConsoleRequests[M]['args']
): Promise<ConsoleRequests[M]['result']> {
  return ipcRenderer.invoke(channels[name], ...args);
}

function on<E extends EventName>(name: E, listener: (payload: ConsoleEvents[E]) => void): Unsubscribe {
  // Only the payload crosses into the page: the IpcRendererEvent would hand it `sender`.
  const wrapper = (_event: electron.IpcRendererEvent, payload: ConsoleEvents[E]): void => listener(payload);
  ipcRenderer.on(channels[name], wrapper);
  return () => {
    ipcRenderer.removeListener(channels[name], wrapper);
  };
}

const api = {
  getFleet: () => invoke('getFleet'),
  getHistory: (scope, sinceMs) => invoke('getHistory', scope, sinceMs),
  getAlerts: () => invoke('getAlerts'),
  getNodeDetail: (nodeId) => invoke('getNodeDetail', nodeId),
  getSparklines: (nodeIds, series, points) => invoke('getSparklines', nodeIds, series, points),
  onFleetDelta: (listener) => on('fleetDelta', listener),
  listFleets: () => invoke('listFleets'),
  openFleet: (path) => invoke('openFleet', path),
  previewDrain: (nodeId, deadlineMs) => invoke('previewDrain', nodeId, deadlineMs),
  drainNode: (nodeId, deadlineMs) => invoke('drainNode', nodeId, deadlineMs),
  undrainNode: (nodeId) => invoke('undrainNode', nodeId),
  previewShed: (nodeId, amount, deadlineMs) => invoke('previewShed', nodeId, amount, deadlineMs),
  shedNode: (nodeId, amount, deadlineMs) => invoke('shedNode', nodeId, amount, deadlineMs),
  addNode: (request) => invoke('addNode', request),
  removeNode: (nodeId, deadlineMs) => invoke('removeNode', nodeId, deadlineMs),
  startRoll: (request) => invoke('startRoll', request),
  controlRoll: (rollId, action) => invoke('controlRoll', rollId, action),
  getOperations: () => invoke('getOperations'),
  getActivity: (limit) => invoke('getActivity', limit),
  getBalancer: () => invoke('getBalancer'),
  setBalancerState: (nodeId, state) => invoke('setBalancerState', nodeId, state),
  getChannels: (query) => invoke('getChannels', query),
  getChannel: (name) => invoke('getChannel', name),
  getBroker: () => invoke('getBroker'),
} satisfies ConsoleApi & ConsoleHealthApi;

contextBridge.exposeInMainWorld(bridgeGlobal, api);
