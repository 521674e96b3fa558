/**
 * `fleetdeck undrain --fleet FILE --node ID [--json]`
 *
 * Returns the node to `active` at any point of a drain (connections already closed stay
 * closed) and records it in the audit log. Exit 3 when the node is unreachable, 4 for a
 * read-only token.
 */
import type { ParsedArgs } from '../../../fleet/args.js';
import { EXIT, requireFleet, withFleet } from '../operate.js';
import { report, requireNode } from './drain.js';

/** Flags of `undrain`. */
export const UNDRAIN_FLAGS = { valued: ['fleet', 'node'], switches: ['json'] } as const;

/** `fleetdeck undrain`. */
export async function undrainCommand(args: ParsedArgs, usage: (message: string) => Error): Promise<number> {
  const fleetFile = requireFleet(args, usage);
  const nodeId = requireNode(args, usage);
  return withFleet(fleetFile, [nodeId], async (service) => {
    const drain = service.operations.drain;
    try {
      const record = await drain.undrain(nodeId);
      report(record, args.switches.has('json'), record.message ?? `${nodeId} is active`);
      return EXIT.ok;
    } finally {
      await drain.flushed();
    }
  });
}
