/**
 * What the operating commands (drain, undrain, shed, add, remove, roll) share: the fleet's core
 * opened with the CLI as the audited source, the audit log in the same data directory as the
 * app's, waiting for the nodes' links, exit codes scripts can trust, and a progress line.
 */
import type { ParsedArgs } from '../../fleet/args.js';
import type { NodeView } from '../common/models.js';
import { type ConsoleService, createConsoleService } from '../core/console-service.js';
import { defaultDataDir } from '../core/data-dir.js';
import { loadFleetFile } from '../core/fleet-file.js';
import { AuditLog } from '../core/operations/audit-log.js';

/** Exit codes of the operating commands; documented in README.md and the usage text. */
export const EXIT = {
  ok: 0,
  /** The action failed (the agent refused, a provisioner command failed…). */
  failed: 1,
  /** Bad arguments. */
  usage: 2,
  /** The node (or a node the action needs) is not reachable. */
  unreachable: 3,
  /** Refused: the fleet file gives only the read token, which may not operate. */
  refused: 4,
  /** `--wait` ran out of time before the action finished. */
  timeout: 5,
} as const;

/** An error that ends the command with a given exit code and a readable message. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** How long to wait for the nodes' links before acting, ms. */
const LINK_WAIT_MS = 5_000;

/**
 * Opens the fleet file's core with the CLI as source (audit log in the data directory, or
 * FLEETDECK_DATA_DIR), waits until the named nodes (all when none is named) have linked or are
 * known unreachable, runs `action`, and closes the core.
 */
export async function withFleet<T>(
  fleetFile: string,
  nodeIds: readonly string[],
  action: (service: ConsoleService) => Promise<T>,
): Promise<T> {
  const fleet = await loadFleetFile(fleetFile);
  const service = createConsoleService({
    fleet,
    source: 'cli',
    audit: AuditLog.inDirectory(defaultDataDir()),
  });
  try {
    await service.discovered();
    const deadline = Date.now() + LINK_WAIT_MS;
    const linked = (node: NodeView) => node.status !== 'connecting';
    const watched = () => {
      const nodes = service.store.snapshot().nodes;
      return nodeIds.length === 0 ? nodes : nodes.filter((node) => nodeIds.includes(node.id));
    };
    while (!watched().every(linked) && Date.now() < deadline) await sleep(50);
    for (const id of nodeIds) {
      const node = service.store.view(id);
      if (node === null) throw new CommandError(`no node "${id}" in ${fleetFile}`, EXIT.failed);
      if (node.status === 'unreachable' || node.status === 'connecting') {
        throw new CommandError(
          `${id} is not reachable${node.problem ? `: ${node.problem}` : ''}`,
          EXIT.unreachable,
        );
      }
    }
    return await action(service);
  } finally {
    await service.dispose();
  }
}

/** The exit code an error from an operation means: a refusal, unreachable, or a plain failure. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommandError) return error.exitCode;
  const message = error instanceof Error ? error.message : String(error);
  if (/forbidden|read token|operate token/i.test(message)) return EXIT.refused;
  if (/unreachable|not reachable|did not answer/i.test(message)) return EXIT.unreachable;
  return EXIT.failed;
}

/**
 * A progress line on stderr: rewritten in place on a terminal, one line per change otherwise
 * (so logs and CI output stay readable). Call `done()` to end the line.
 */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): {
  update(text: string): void;
  done(): void;
} {
  let last = '';
  return {
    update(text) {
      if (text === last) return;
      last = text;
      if (stream.isTTY) stream.write(`\r\x1b[2K${text}`);
      else stream.write(`${text}\n`);
    },
    done() {
      if (stream.isTTY && last !== '') stream.write('\n');
      last = '';
    },
  };
}

/** The `--fleet` value (or FLEETDECK_FLEET); a usage error without it. */
export function requireFleet(args: ParsedArgs, usage: (message: string) => Error): string {
  const path = args.values.get('fleet') ?? process.env.FLEETDECK_FLEET;
  if (!path) throw usage('--fleet FILE is required');
  return path;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
