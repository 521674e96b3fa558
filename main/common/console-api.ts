/**
 * The console API: the one contract between the renderer and the main process.
 *
 * The renderer sees only {@link ConsoleApi}. Two transports carry it: Electron IPC through
 * the preload bridge (main/electron/), and one WebSocket in web mode (main/web/). Both are
 * built from the request and event maps below, so a method or payload typo is a compile
 * error on every side. Types only, plus the channel-name table: no Node, no DOM.
 */
import type {
  ActivityPage,
  AddNodeRequest,
  AlertsSnapshot,
  BalancerStateName,
  BalancerView,
  BrokerView,
  ChannelDetail,
  ChannelsQuery,
  ChannelsSnapshot,
  FleetDelta,
  FleetList,
  FleetSnapshot,
  HistoryResult,
  HistoryScope,
  MovePreview,
  NodeDetail,
  NodeSeriesName,
  OperationRecord,
  OperationsSnapshot,
  RollPlan,
  RollRequest,
  ShedAmount,
  Sparklines,
} from './models.js';

/** Request methods: name → arguments and result. */
export interface ConsoleRequests {
  getFleet: { args: []; result: FleetSnapshot };
  getHistory: { args: [scope: HistoryScope, sinceMs?: number]; result: HistoryResult };
  getAlerts: { args: []; result: AlertsSnapshot };
  getNodeDetail: { args: [nodeId: string]; result: NodeDetail };
  getSparklines: { args: [nodeIds: string[], series: NodeSeriesName, points: number]; result: Sparklines };
  listFleets: { args: []; result: FleetList };
  openFleet: { args: [path: string]; result: FleetSnapshot };
  previewDrain: { args: [nodeId: string, deadlineMs: number]; result: MovePreview };
  drainNode: { args: [nodeId: string, deadlineMs: number]; result: OperationRecord };
  undrainNode: { args: [nodeId: string]; result: OperationRecord };
  previewShed: { args: [nodeId: string, amount: ShedAmount, deadlineMs: number]; result: MovePreview };
  shedNode: { args: [nodeId: string, amount: ShedAmount, deadlineMs: number]; result: OperationRecord };
  addNode: { args: [request: AddNodeRequest]; result: OperationRecord };
  removeNode: { args: [nodeId: string, deadlineMs: number]; result: OperationRecord };
  startRoll: { args: [request: RollRequest]; result: RollPlan };
  controlRoll: { args: [rollId: string, action: 'pause' | 'resume' | 'abort']; result: RollPlan };
  getOperations: { args: []; result: OperationsSnapshot };
  getActivity: { args: [limit: number]; result: ActivityPage };
  getBalancer: { args: []; result: BalancerView };
  setBalancerState: { args: [nodeId: string, state: BalancerStateName]; result: OperationRecord };
  getChannels: { args: [query: ChannelsQuery]; result: ChannelsSnapshot };
  getChannel: { args: [name: string]; result: ChannelDetail };
  getBroker: { args: []; result: BrokerView };
}

/** Requests the console host answers itself, with or without an open fleet. */
export type HostRequestName = 'listFleets' | 'openFleet';
/** Requests about the open fleet; they reject with "No fleet is open" while none is. */
export type FleetRequestName = Exclude<RequestName, HostRequestName>;

/** Events pushed from main to the renderer: name → payload. */
export interface ConsoleEvents {
  fleetDelta: FleetDelta;
}

/** A request method's name. */
export type RequestName = keyof ConsoleRequests;
/** An event's name. */
export type EventName = keyof ConsoleEvents;

/** Removes a listener added with an `on…` method. */
export type Unsubscribe = () => void;

/** Hot channels: fleet-wide per-channel figures, a channel's drill-down, and the broker. */
export interface ConsoleChannelsApi {
  /** The hottest channels (optionally filtered by name, prefix or glob), the remainder and the totals. */
  getChannels(query: ChannelsQuery): Promise<ChannelsSnapshot>;
  /** One channel's history and per-node breakdown. */
  getChannel(name: string): Promise<ChannelDetail>;
  /** The broker's own figures (Redis INFO, PUBSUB NUMSUB) against the agents'. */
  getBroker(): Promise<BrokerView>;
}

/** What the renderer calls. Domain methods only; there is no generic `send`. */
export interface ConsoleApi extends ConsoleHealthApi, ConsoleOperationsApi, ConsoleChannelsApi {
  /** The whole fleet as it is now. */
  getFleet(): Promise<FleetSnapshot>;
  /**
   * Batched changes; the first delta after subscribing has `reset: true`, and so does the
   * first one after the console switches to another fleet.
   */
  onFleetDelta(listener: (delta: FleetDelta) => void): Unsubscribe;
  /** The open fleet, recently opened fleets and running local launchers' fleets. */
  listFleets(): Promise<FleetList>;
  /**
   * Switches the console to the fleet file at `path` and resolves with its first snapshot.
   * Rejects with a readable message (file missing or invalid) and keeps the open fleet.
   */
  openFleet(path: string): Promise<FleetSnapshot>;
}

/**
 * Live fleet health: history and alerts. Kept apart from {@link ConsoleApi} until the
 * renderer's connections implement it; then `ConsoleApi` should extend it. The preload bridge
 * already exposes both.
 */
export interface ConsoleHealthApi {
  /**
   * The fleet's or one node's history (15 minutes at 1 s by default), as columns; with
   * `sinceMs`, only the points after it. Rejects for a node the console keeps no history of.
   */
  getHistory(scope: HistoryScope, sinceMs?: number): Promise<HistoryResult>;
  /** Active alerts, recently resolved ones and the thresholds in force. */
  getAlerts(): Promise<AlertsSnapshot>;
  /** One node's close codes, busiest channels and the rest of what its detail view shows. Rejects for an unknown node. */
  getNodeDetail(nodeId: string): Promise<NodeDetail>;
  /**
   * The newest `points` values of one series for up to {@link MAX_SPARKLINE_NODES} nodes (the rows
   * on screen), from the same history as `getHistory`.
   */
  getSparklines(nodeIds: string[], series: NodeSeriesName, points: number): Promise<Sparklines>;
}

/**
 * Operator workflows. Every action is audited (who, what, which node, arguments, outcome,
 * times) and needs the fleet's operate token; with only the read token they reject with a
 * readable refusal.
 */
export interface ConsoleOperationsApi {
  /** What draining the node would do: connections to move, where, at what pace, capacity warnings. */
  previewDrain(nodeId: string, deadlineMs: number): Promise<MovePreview>;
  /** Starts draining; resolves with the running audit record (it ends when the node is empty). */
  drainNode(nodeId: string, deadlineMs: number): Promise<OperationRecord>;
  /** Stops a drain or shed and accepts connections again. */
  undrainNode(nodeId: string): Promise<OperationRecord>;
  previewShed(nodeId: string, amount: ShedAmount, deadlineMs: number): Promise<MovePreview>;
  /** Closes some of a node's connections at a pace, without draining it. */
  shedNode(nodeId: string, amount: ShedAmount, deadlineMs: number): Promise<OperationRecord>;
  /** Adds a node through the fleet's provisioner. */
  addNode(request: AddNodeRequest): Promise<OperationRecord>;
  /** Drains, stops and forgets a node through the fleet's provisioner. */
  removeNode(nodeId: string, deadlineMs: number): Promise<OperationRecord>;
  startRoll(request: RollRequest): Promise<RollPlan>;
  controlRoll(rollId: string, action: 'pause' | 'resume' | 'abort'): Promise<RollPlan>;
  /** Running operations, the roll, and what this fleet can do (provisioner, balancer, limits). */
  getOperations(): Promise<OperationsSnapshot>;
  /** The audit log, newest first. */
  getActivity(limit: number): Promise<ActivityPage>;
  /** The balancer's servers beside the agents' states, with mismatches. */
  getBalancer(): Promise<BalancerView>;
  /** Sets a node's server state at the balancer (ready, drain, maint). */
  setBalancerState(nodeId: string, state: BalancerStateName): Promise<OperationRecord>;
}

/** The main-process side: one async handler per request method. */
export type ConsoleHandlers = {
  [M in RequestName]: (...args: ConsoleRequests[M]['args']) => Promise<ConsoleRequests[M]['result']>;
};

/** The handlers of the requests about the open fleet: what one fleet's console service answers. */
export type FleetHandlers = Pick<ConsoleHandlers, FleetRequestName>;

/** Electron IPC channel names, one per request and event. The only place they are spelt. */
export const IPC_CHANNELS = {
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
} as const satisfies Record<RequestName | EventName, string>;

/** The name under which the preload exposes {@link ConsoleApi} on `window`. */
export const BRIDGE_GLOBAL = 'fleetdeck';

/**
 * Web mode, renderer → main. Generic over the method rather than a union of one shape per
 * method: a sender that is itself generic over the method (the renderer's `request<M>`) can
 * build it, which TypeScript cannot check against a union. The server validates method and
 * arguments at runtime anyway.
 */
export interface WebClientMessage<M extends RequestName = RequestName> {
  readonly type: 'request';
  readonly id: number;
  readonly method: M;
  readonly args: ConsoleRequests[M]['args'];
}

/** Web mode, main → renderer. */
export type WebServerMessage =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: string }
  | {
      [E in EventName]: { readonly type: 'event'; readonly name: E; readonly payload: ConsoleEvents[E] };
    }[EventName];

/** Path of the web-mode API WebSocket; the session token goes in the `token` query parameter. */
export const WEB_API_PATH = '/api';
