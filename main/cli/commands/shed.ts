/**
 * `fleetdeck shed --fleet FILE --node ID (--count N | --percent P) [--deadline-ms 30000] [--wait] [--json]`
 *
 * Closes N connections (or P % of the open ones) at a pace spread over the deadline, without
 * draining, so their clients reconnect through the balancer to other nodes. With `--wait` it
 * shows a progress line and exits 0 once the agent has closed them.
 */
import { integerArg, numberArg, type ParsedArgs } from '../../../fleet/args.js';
import type { ShedAmount } from '../../common/models.js';
import { EXIT, requireFleet, withFleet } from '../operate.js';
import { deadlineOf, follow, report, requireNode, WAIT_GRACE_MS, waitOutcome } from './drain.js';

/** Flags of `shed`. */
export const SHED_FLAGS = {
  valued: ['fleet', 'node', 'count', 'percent', 'deadline-ms'],
  switches: ['wait', 'json'],
} as const;

function amountOf(args: ParsedArgs, usage: (message: string) => Error): ShedAmount {
  const count = args.values.has('count');
  const percent = args.values.has('percent');
  if (count === percent) throw usage('give either --count N or --percent P');
  if (count) return { count: integerArg(args, 'count', 1, 1, Number.MAX_SAFE_INTEGER) };
  const share = numberArg(args, 'percent', 10, 0, 100);
  if (share <= 0) throw usage('--percent must be above 0');
  return { percent: share };
}

/** `fleetdeck shed`. */
export async function shedCommand(args: ParsedArgs, usage: (message: string) => Error): Promise<number> {
  const fleetFile = requireFleet(args, usage);
  const nodeId = requireNode(args, usage);
  const amount = amountOf(args, usage);
  const deadlineMs = deadlineOf(args);
  const json = args.switches.has('json');
  return withFleet(fleetFile, [nodeId], async (service) => {
    const drain = service.operations.drain;
    try {
      const preview = await drain.previewShed(nodeId, amount, deadlineMs);
      if (!json) {
        console.error(
          `shedding ${preview.connections} connections of ${nodeId} over ${deadlineMs / 1000} s, about ${preview.closesPerSec.toFixed(1)} closes/s`,
        );
        for (const warning of preview.warnings) console.error(`warning: ${warning}`);
      }
      const record = await drain.shed(nodeId, amount, deadlineMs);
      if (!args.switches.has('wait')) {
        const handedOver = await drain.detach(
          record.id,
          'succeeded',
          `the agent sheds ${preview.connections} connections of ${nodeId} over ${deadlineMs / 1000} s and carries on by itself`,
        );
        report(handedOver ?? record, json, `${nodeId} is shedding ${preview.connections} connections`);
        return EXIT.ok;
      }
      const timeoutMs = deadlineMs + WAIT_GRACE_MS;
      const final = await waitOutcome(service, record, await follow(service, record, timeoutMs), timeoutMs);
      report(final, json, `${nodeId}: ${final.message ?? 'shed done'}`);
      return EXIT.ok;
    } finally {
      await drain.flushed();
    }
  });
}
