/**
 * `fleetdeck remove --fleet FILE --node ID [--deadline-ms 30000]`: drains the node, waits until it is
 * empty, stops it through the fleet's provisioner and forgets it, with a progress line. It always
 * waits for the end (`--wait` is accepted and changes nothing): the stop is this command's to make.
 */
import { integerArg, type ParsedArgs } from '../../../fleet/args.js';
import { DEADLINE_BOUNDS_MS } from '../../core/operations/args.js';
import { EXIT, exitCodeOf, progressLine, requireFleet, withFleet } from '../operate.js';
import { DEFAULT_DEADLINE_MS, requireNode } from './drain.js';

/** The usage line of `remove`. */
export const REMOVE_USAGE = `  fleetdeck remove  --fleet FILE --node ID [--deadline-ms 30000] [--wait]
                                                        drain the node, stop it through the provisioner and
                                                        forget it; always waits for the end`;

/** Flags of `remove`. */
export const REMOVE_FLAGS = { valued: ['fleet', 'node', 'deadline-ms'], switches: ['wait'] } as const;

/** Runs `remove`; resolves with the exit code. */
export async function removeCommand(args: ParsedArgs, usage: (message: string) => Error): Promise<number> {
  const fleetFile = requireFleet(args, usage);
  const nodeId = requireNode(args, usage);
  const deadlineMs = integerArg(
    args,
    'deadline-ms',
    DEFAULT_DEADLINE_MS,
    DEADLINE_BOUNDS_MS.min,
    DEADLINE_BOUNDS_MS.max,
  );
  return withFleet(fleetFile, [nodeId], async (service) => {
    const provisioning = service.operations.provisioning;
    const started = await provisioning.remove(nodeId, deadlineMs);
    const progress = progressLine();
    const show = () => {
      const phase = provisioning.phase(started.id);
      if (phase === 'draining') {
        const drain = service.store.view(nodeId)?.drain;
        const open = service.store.view(nodeId)?.connections?.open;
        const left = drain ? Math.max(0, Math.ceil((drain.deadlineAt - Date.now()) / 1000)) : null;
        progress.update(
          drain
            ? `${nodeId}: draining, ${drain.closed}/${drain.total} closed, ${open ?? '?'} open, deadline in ${left} s`
            : `${nodeId}: draining`,
        );
      } else if (phase === 'stopping') progress.update(`${nodeId}: drained; stopping it`);
      else if (phase === 'forgetting') progress.update(`${nodeId}: stopped; forgetting it`);
    };
    show();
    const timer = setInterval(show, 250);
    let record: Awaited<ReturnType<typeof provisioning.finished>>;
    try {
      record = await provisioning.finished(started.id);
    } finally {
      clearInterval(timer);
      progress.done();
    }
    if (record.outcome === 'succeeded') {
      console.log(record.message ?? `removed ${nodeId}`);
      return EXIT.ok;
    }
    const message = record.message ?? `removing ${nodeId} failed`;
    console.error(`fleetdeck: ${message}`);
    return exitCodeOf(new Error(message));
  });
}
