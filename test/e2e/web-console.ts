/** The e2e harness: reference nodes as processes and the web-mode console over them. */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstLine, fleetFileFor, NodeProcess, runTs, stop } from '../helpers/processes.js';

/** A running web console over its own nodes. */
export interface WebConsoleFleet {
  readonly nodes: NodeProcess[];
  /** The console's URL, session token included. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The line `fleetdeck web` prints once it serves, with the URL to open. */
const CONSOLE_LINE = /^Fleetdeck console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/;

/** A `fleetdeck web` process and the URL it serves. */
export interface WebConsoleProcess {
  readonly child: ChildProcess;
  readonly url: string;
}

/**
 * Spawns `fleetdeck web` with `args` (e.g. `['--fleet', file]`), its data directory (recent
 * fleets, audit log) in `dataDir`; resolves once it serves. The caller stops `child`.
 */
export async function spawnWebConsole(args: readonly string[], dataDir: string): Promise<WebConsoleProcess> {
  const child = runTs('main/cli/fleetdeck.ts', ['web', ...args], { FLEETDECK_DATA_DIR: dataDir });
  const url = await firstLine(child, (line) => CONSOLE_LINE.exec(line)?.[1] ?? null);
  return { child, url };
}

/**
 * Starts `nodeCount` nodes (node-1…) and `fleetdeck web` over them; resolves with the console URL.
 * `fileExtras` are merged into the fleet file, e.g. `{ alerts: { cpu: 0.0001 } }`.
 */
export async function startWebConsoleFleet(
  nodeCount: number,
  name: string,
  fileExtras: Record<string, unknown> = {},
): Promise<WebConsoleFleet> {
  const nodes = await Promise.all(
    Array.from({ length: nodeCount }, (_, index) => NodeProcess.start(`node-${index + 1}`)),
  );
  const fleetFile = join(mkdtempSync(join(tmpdir(), 'fleetdeck-e2e-')), 'fleet.json');
  writeFileSync(fleetFile, JSON.stringify({ ...fleetFileFor(nodes, name), ...fileExtras }));
  // Its recent-fleets list goes beside the fleet file, not into the user's ~/.config.
  const { child: consoleProcess, url } = await spawnWebConsole(
    ['--fleet', fleetFile],
    join(fleetFile, '..', 'data'),
  );
  return {
    nodes,
    url,
    async stop() {
      await stop(consoleProcess);
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
