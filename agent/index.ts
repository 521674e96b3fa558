/** The Fleetdeck agent's public surface. See agent/README.md for the API reference. */
export { Agent, type AgentEvents, createAgent } from './agent.js';
export { type AgentOptions, DEFAULT_ADMIN_PORT, DEFAULT_INTERVAL_MS } from './options.js';
export {
  type AgentFrame,
  type CommandFrame,
  type ConnectionStats,
  type HealthStats,
  type HelloFrame,
  type NodeIdentity,
  type NodeState,
  PROTOCOL_VERSION,
  type Role,
  type SampleFrame,
  type TrafficStats,
} from './protocol.js';
