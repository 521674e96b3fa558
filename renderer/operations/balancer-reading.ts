/** What the load balancer says about one node, for the drain progress. Pure. */
import type { BalancerServer, BalancerView } from '../../main/common/models.js';

/** The balancer's word on one node, or why there is none. */
export type BalancerReading =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: string }
  | { readonly state: 'none' }
  | { readonly state: 'unreachable'; readonly problem: string }
  | { readonly state: 'absent' }
  | { readonly state: 'server'; readonly server: BalancerServer };

/** Reads `view` for one node: its server, or none configured, unreachable, not behind it. */
export function balancerReading(view: BalancerView, nodeId: string): BalancerReading {
  if (!view.configured) return { state: 'none' };
  if (!view.reachable)
    return { state: 'unreachable', problem: view.problem ?? 'its runtime API does not answer' };
  const server = view.servers.find((candidate) => candidate.nodeId === nodeId);
  return server ? { state: 'server', server } : { state: 'absent' };
}

/** One line for the reading: "HAProxy: DRAIN · 0 sessions · weight 0". */
export function describeBalancerReading(reading: BalancerReading, kind: string | null = 'HAProxy'): string {
  const name = kind ?? 'Balancer';
  switch (reading.state) {
    case 'loading':
      return `${name}: reading…`;
    case 'failed':
      return `${name}: could not read it (${reading.error})`;
    case 'none':
      return 'No balancer configured: the fleet file names no balancer runtime API.';
    case 'unreachable':
      return `${name} unreachable: ${reading.problem}`;
    case 'absent':
      return `${name} has no server for this node.`;
    case 'server': {
      const { state, sessions, weight } = reading.server;
      return `${name}: ${state} · ${sessions} session${sessions === 1 ? '' : 's'} · weight ${weight}`;
    }
  }
}
