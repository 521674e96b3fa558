/** The Fleetdeck agent's public surface. See agent/README.md for the API reference. */

export { CommandError } from './admin-server.js';
export {
  Agent,
  type AgentEvents,
  type ChannelReporter,
  createAgent,
  type DrainOptions,
  MAX_DEPENDENCIES,
  type ShedOptions,
} from './agent.js';
export type { CloseContext } from './drain.js';
export { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from './integrations/prometheus.js';
export { type AgentOptions, DEFAULT_ADMIN_PORT, DEFAULT_INTERVAL_MS } from './options.js';
export {
  type AgentFrame,
  type ChannelFigures,
  type ChannelStats,
  type CommandFrame,
  type ConnectionStats,
  type DependencyStatus,
  type DrainProgress,
  type EventFrame,
  type HealthStats,
  type HelloFrame,
  type NodeIdentity,
  type NodeState,
  PROTOCOL_VERSION,
  type Role,
  type SampleFrame,
  TRANSPORTS,
  type TrafficStats,
  type Transport,
} from './protocol.js';
export { type TrackableConnection, TrackedConnection } from './track.js';
