#!/usr/bin/env node
/**
 * The fleetdeck command line, on the same core as the app.
 *
 *   fleetdeck status --fleet FILE [--json] [--wait-ms N]
 *   fleetdeck drain|undrain|shed --fleet FILE --node ID …   (see USAGE)
 *   fleetdeck add|remove --fleet FILE …                    (see USAGE)
 *   fleetdeck channels --fleet FILE [--top N] [--filter GLOB] [--json] [--wait-ms N]
 *   fleetdeck web    [--fleet FILE] [--port N]
 *   fleetdeck start  [--nodes N] [--clients N] [--web]
 *
 * Exit codes: 0 ok · 1 failure · 2 usage error · 3 a node is not reachable (status: some nodes)
 * · 4 refused (the fleet file gives only the read token) · 5 --wait ran out of time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, integerArg, type ParsedArgs, parseArgs } from '../../fleet/args.js';
import { launchFleet } from '../../fleet/launch.js';
import type { NodeView } from '../common/models.js';
import { createConsoleHost } from '../core/console-host.js';
import { createConsoleService } from '../core/console-service.js';
import { defaultDataDir } from '../core/data-dir.js';
import { loadFleetFile } from '../core/fleet-file.js';
import { electronBinary } from '../electron/locate-binary.js';
import { startWebServer } from '../web/server.js';
import { ADD_FLAGS, ADD_USAGE, addCommand } from './commands/add.js';
import { CHANNELS_FLAGS, CHANNELS_USAGE, channelsCommand } from './commands/channels.js';
import { DRAIN_FLAGS, drainCommand } from './commands/drain.js';
import { REMOVE_FLAGS, REMOVE_USAGE, removeCommand } from './commands/remove.js';
import { ROLL_FLAGS, rollCommand } from './commands/roll.js';
import { SHED_FLAGS, shedCommand } from './commands/shed.js';
import { UNDRAIN_FLAGS, undrainCommand } from './commands/undrain.js';
import { EXIT, exitCodeOf } from './operate.js';

const USAGE = `usage:
  fleetdeck status --fleet FILE [--json] [--wait-ms N]   each node's state and numbers
  fleetdeck drain   --fleet FILE --node ID [--deadline-ms 30000] [--wait] [--json]
                                                        drain a node at a pace; --wait: until it is empty
  fleetdeck undrain --fleet FILE --node ID [--json]     return a node to active
  fleetdeck shed    --fleet FILE --node ID (--count N | --percent P) [--deadline-ms 30000] [--wait] [--json]
                                                        move N connections (or P %) off a node
  fleetdeck roll    --fleet FILE (--nodes a,b,c | --all) [--concurrency 1] [--deadline-ms 30000]
                    [--min-active N] [--wait] [--json]   rolling drain + restart, N at a time; without
                                                        --wait it prints the plan and changes nothing
${ADD_USAGE}
${REMOVE_USAGE}
${CHANNELS_USAGE}
  fleetdeck web    [--fleet FILE] [--port N]             the console in a browser (web mode); without
                                                        --fleet it reopens the most recent fleet, else a
                                                        running "npm run fleet", else starts with none
  fleetdeck start  [--nodes N] [--clients N] [--port N] [--web]
                                                        a local demo fleet and the console`;

class UsageError extends ArgumentError {}

/** The stable JSON row of `status --json`. */
interface StatusRow {
  id: string;
  state: NodeView['status'];
  connections: number | null;
  bytesInPerSec: number | null;
  bytesOutPerSec: number | null;
  messagesPerSec: number | null;
  version: string | null;
  problem: string | null;
}

function optionalFleetPath(args: ParsedArgs): string | null {
  const path = args.values.get('fleet') ?? process.env.FLEETDECK_FLEET;
  return path ? path : null;
}

function fleetPath(args: ParsedArgs): string {
  const path = optionalFleetPath(args);
  if (path === null) throw new UsageError('--fleet FILE is required');
  return path;
}

/** The built renderer: dist/renderer, wherever this module runs from. */
function rendererDir(): string {
  const fromSource = extname(fileURLToPath(import.meta.url)) === '.ts';
  const dir = fileURLToPath(new URL(fromSource ? '../../dist/renderer' : '../../renderer', import.meta.url));
  if (!existsSync(`${dir}/index.html`)) {
    throw new Error(`the console UI is not built (${dir}/index.html is missing): run npm run build`);
  }
  return dir;
}

function toRow(node: NodeView): StatusRow {
  const rates = node.rates;
  return {
    id: node.id,
    state: node.status,
    connections: node.connections?.open ?? null,
    bytesInPerSec: rates ? Math.round(rates.bytesInPerSec) : null,
    bytesOutPerSec: rates ? Math.round(rates.bytesOutPerSec) : null,
    messagesPerSec: rates ? Math.round((rates.messagesInPerSec + rates.messagesOutPerSec) * 10) / 10 : null,
    version: node.identity?.version ?? null,
    problem: node.problem,
  };
}

function table(rows: StatusRow[]): string {
  const header = ['NODE', 'STATE', 'CONNECTIONS', 'IN B/S', 'OUT B/S', 'MSGS/S', 'PROBLEM'];
  const cells = rows.map((row) =>
    [
      row.id,
      row.state,
      row.connections,
      row.bytesInPerSec,
      row.bytesOutPerSec,
      row.messagesPerSec,
      row.problem ?? '',
    ].map((value) => (value === null ? '-' : String(value))),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...cells]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function status(args: ParsedArgs): Promise<number> {
  const fleet = await loadFleetFile(fleetPath(args));
  const waitMs = integerArg(args, 'wait-ms', 5_000, 0, 120_000);
  const service = createConsoleService({ fleet });
  try {
    const deadline = Date.now() + waitMs;
    // A DNS fleet has no nodes until its first lookup answers.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      service.discovered(),
      new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    // Wait until every node has a figure or is known unreachable, and rates if they come soon.
    const settled = () =>
      service.store
        .snapshot()
        .nodes.every(
          (node) => node.status === 'unreachable' || (node.connections !== null && node.rates !== null),
        );
    while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const rows = service.store.snapshot().nodes.map(toRow);
    const discoveryProblem = service.discoveryProblem();
    if (discoveryProblem !== null) console.error(`fleetdeck: ${discoveryProblem}`);
    console.log(args.switches.has('json') ? JSON.stringify(rows, null, 2) : table(rows));
    return rows.every((row) => row.state !== 'unreachable' && row.state !== 'connecting') ? 0 : 3;
  } finally {
    await service.dispose();
  }
}

/** Serves the console over `fleetFile`, or with none given, over the fleet the host finds to reopen. */
async function serveWeb(fleetFile: string | null, port: number): Promise<() => Promise<void>> {
  const staticDir = rendererDir();
  const host = createConsoleHost({ dataDir: defaultDataDir() });
  try {
    if (fleetFile !== null) await host.open(fleetFile);
    else {
      const reopened = await host.openStartupFleet();
      console.error(
        reopened === null
          ? 'fleetdeck: no fleet file given and none to reopen; open one in the console with "Switch fleet"'
          : `fleetdeck: opened ${reopened}`,
      );
    }
    const web = await startWebServer({ service: host, staticDir, port });
    console.log(`Fleetdeck console: ${web.url}`);
    return async () => {
      await web.close();
      await host.dispose();
    };
  } catch (error) {
    await host.dispose();
    throw error;
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function web(args: ParsedArgs): Promise<number> {
  const stop = await serveWeb(optionalFleetPath(args), integerArg(args, 'port', 0, 0, 65535));
  await untilSignal();
  await stop();
  return 0;
}

async function start(args: ParsedArgs): Promise<number> {
  const fleet = await launchFleet({
    nodes: integerArg(args, 'nodes', 3, 1, 64),
    clients: integerArg(args, 'clients', 60, 0, 10_000),
    name: 'local demo fleet',
  });
  console.log(`fleet ready: ${fleet.nodes.length} nodes, fleet file ${fleet.fleetFile}`);
  try {
    const electron = args.switches.has('web') ? { why: '--web was given' } : await electronBinary();
    if ('path' in electron) {
      const main = fileURLToPath(new URL('../electron/index.js', import.meta.url));
      const child = spawn(electron.path, [main, '--fleet', fleet.fleetFile], { stdio: 'inherit' });
      await new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        untilSignal().then(() => {
          child.kill('SIGTERM');
          resolve();
        });
      });
      return 0;
    }
    console.log(`Opening the console in web mode because ${electron.why}.`);
    const stop = await serveWeb(fleet.fleetFile, integerArg(args, 'port', 0, 0, 65535));
    await untilSignal();
    await stop();
    return 0;
  } finally {
    await fleet.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'status':
      return status(parseArgs(rest, ['fleet', 'wait-ms'], ['json']));
    case 'web':
      return web(parseArgs(rest, ['fleet', 'port']));
    case 'start':
      return start(parseArgs(rest, ['nodes', 'clients', 'port'], ['web']));
    case 'drain':
      return drainCommand(
        parseArgs(rest, DRAIN_FLAGS.valued, DRAIN_FLAGS.switches),
        (m) => new UsageError(m),
      );
    case 'undrain':
      return undrainCommand(
        parseArgs(rest, UNDRAIN_FLAGS.valued, UNDRAIN_FLAGS.switches),
        (m) => new UsageError(m),
      );
    case 'shed':
      return shedCommand(parseArgs(rest, SHED_FLAGS.valued, SHED_FLAGS.switches), (m) => new UsageError(m));
    case 'roll':
      return rollCommand(parseArgs(rest, ROLL_FLAGS.valued, ROLL_FLAGS.switches), (m) => new UsageError(m));
    case 'add':
      return addCommand(parseArgs(rest, ADD_FLAGS.valued, ADD_FLAGS.switches), (m) => new UsageError(m));
    case 'remove':
      return removeCommand(
        parseArgs(rest, REMOVE_FLAGS.valued, REMOVE_FLAGS.switches),
        (m) => new UsageError(m),
      );
    case 'channels':
      return channelsCommand(
        parseArgs(rest, CHANNELS_FLAGS.valued, CHANNELS_FLAGS.switches),
        (m) => new UsageError(m),
      );
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof ArgumentError;
    console.error(`fleetdeck: ${error instanceof Error ? error.message : String(error)}`);
    if (usage) console.error(USAGE);
    process.exit(usage ? EXIT.usage : exitCodeOf(error));
  },
);
