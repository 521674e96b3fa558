/**
 * Capacity limits from the fleet file's `capacity` block, which the drain and shed previews
 * check the remaining nodes against.
 *
 *   "capacity": { "maxConnectionsPerNode": 20000, "maxCpu": 0.8 }
 */
import type { CapacityLimits } from '../../common/models.js';

/** Limits when the fleet file sets none: no connection limit, 80 % of a core. */
export const DEFAULT_CAPACITY: CapacityLimits = { maxConnectionsPerNode: null, maxCpu: 0.8 };

/** Validates a fleet file's `capacity` block (undefined: the defaults). */
export function parseCapacity(value: unknown, fail: (message: string) => never): CapacityLimits {
  if (value === undefined) return DEFAULT_CAPACITY;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('"capacity" must be an object, e.g. { "maxConnectionsPerNode": 20000, "maxCpu": 0.8 }');
  }
  const { maxConnectionsPerNode, maxCpu, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    fail(`capacity.${unknown[0]} is not known; the keys are maxConnectionsPerNode, maxCpu`);
  if (
    maxConnectionsPerNode !== undefined &&
    !(Number.isSafeInteger(maxConnectionsPerNode) && (maxConnectionsPerNode as number) > 0)
  ) {
    fail('capacity.maxConnectionsPerNode must be a whole number of connections above 0');
  }
  if (maxCpu !== undefined && !(typeof maxCpu === 'number' && maxCpu > 0 && Number.isFinite(maxCpu))) {
    fail('capacity.maxCpu must be a share of one core above 0, e.g. 0.8 for 80 %');
  }
  return {
    maxConnectionsPerNode: (maxConnectionsPerNode as number | undefined) ?? null,
    maxCpu: (maxCpu as number | undefined) ?? DEFAULT_CAPACITY.maxCpu,
  };
}
