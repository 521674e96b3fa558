/**
 * `fleetdeck add --fleet FILE [--id ID] [--host HOST] [--port N] [--wait] [--timeout-ms N]`: adds a
 * node through the fleet's provisioner (the launcher of a local fleet, or the fleet file's `add`
 * command). With `--wait`, returns only once the new node reports `active`.
 */
import { integerArg, type ParsedArgs } from '../../../fleet/args.js';
import { parseAddNodeArgs } from '../../core/operations/args.js';
import { CommandError, EXIT, progressLine, requireFleet, withFleet } from '../operate.js';

/** The usage line of `add`. */
export const ADD_USAGE = `  fleetdeck add     --fleet FILE [--id ID] [--host HOST] [--port N] [--wait] [--timeout-ms 60000]
                                                        add a node through the fleet's provisioner;
                                                        --wait: until it is active`;

/** Flags of `add`. */
export const ADD_FLAGS = {
  valued: ['fleet', 'id', 'host', 'port', 'timeout-ms'],
  switches: ['wait'],
} as const;

/** Runs `add`; resolves with the exit code. */
export async function addCommand(args: ParsedArgs, usage: (message: string) => Error): Promise<number> {
  const fleetFile = requireFleet(args, usage);
  const port = args.values.get('port');
  let request: ReturnType<typeof parseAddNodeArgs>[0];
  try {
    [request] = parseAddNodeArgs([
      {
        ...(args.values.has('id') ? { id: args.values.get('id') } : {}),
        ...(args.values.has('host') ? { host: args.values.get('host') } : {}),
        ...(port !== undefined ? { port: /^\d+$/.test(port) ? Number(port) : port } : {}),
      },
    ]);
  } catch (error) {
    throw usage((error as Error).message.replace(/^addNode /, '--'));
  }
  const timeoutMs = integerArg(args, 'timeout-ms', 60_000, 1_000, 3_600_000);
  return withFleet(fleetFile, [], async (service) => {
    const progress = progressLine();
    progress.update('adding a node through the provisioner…');
    let record: Awaited<ReturnType<typeof service.operations.provisioning.add>>;
    try {
      record = await service.operations.provisioning.add(request);
    } finally {
      progress.done();
    }
    console.log(record.message ?? `added ${record.nodeId}`);
    const nodeId = record.nodeId;
    if (!args.switches.has('wait') || nodeId === null) return EXIT.ok;
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const view = service.store.view(nodeId);
        progress.update(`${nodeId}: ${view?.status ?? 'gone'}${view?.problem ? ` (${view.problem})` : ''}`);
        if (view?.status === 'active') return EXIT.ok;
        if (Date.now() >= deadline) {
          throw new CommandError(
            `${nodeId} was added but is not active after ${timeoutMs} ms (${view?.status ?? 'gone'}${view?.problem ? `: ${view.problem}` : ''})`,
            EXIT.timeout,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      progress.done();
    }
  });
}
