/**
 * The local fleet launcher: starts N reference nodes as separate processes on free
 * loopback ports, optional simulated users, writes a fleet file, and stops everything
 * it started on Ctrl-C or SIGTERM.
 *
 *   npm run fleet -- --nodes 3 [--clients 60] [--duration-s 3600] [--out FILE]
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FleetFileJson } from '../main/core/fleet-file.js';
import { integerArg, parseArgs } from './args.js';
import { spawnScript } from './spawn-script.js';
import { MAX_USERS } from './users.js';

/** Options for {@link launchFleet}. */
export interface LaunchOptions {
  readonly nodes: number;
  readonly clients?: number;
  readonly durationS?: number;
  /** Where to write the fleet file. Default: a new file in the OS temp directory. */
  readonly out?: string;
  readonly name?: string;
  readonly intervalMs?: number;
  /** Where node and user processes write their stderr. Default: this process's stderr. */
  readonly log?: (line: string) => void;
}

/** One started node, as the fleet file records it. */
export interface LaunchedNode {
  readonly id: string;
  readonly url: string;
  readonly http: string;
  readonly admin: string;
  readonly pid: number;
}

/** A running local fleet. */
export interface LaunchedFleet {
  readonly fleetFile: string;
  readonly nodes: readonly LaunchedNode[];
  readonly tokens: { readonly operate: string; readonly read: string };
  /** Stops every process it started and removes the fleet file it created. Safe to call twice. */
  stop(): Promise<void>;
}

/** The most nodes one launcher starts on one machine. */
export const MAX_NODES = 64;
const READY_TIMEOUT_MS = 15_000;

function waitForReady(child: ChildProcess, id: string): Promise<LaunchedNode> {
  return new Promise((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(
      () => reject(new Error(`${id} did not start within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      try {
        const message = JSON.parse(line) as { event?: string } & LaunchedNode;
        if (message.event !== 'ready') return;
        clearTimeout(timer);
        resolveReady({
          id: message.id,
          url: message.url,
          http: message.http,
          admin: message.admin,
          pid: message.pid,
        });
      } catch {
        // Not a protocol line: ignore.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${id} exited with code ${code} before it was ready`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a local fleet and resolves when every node listens and the fleet file is written. */
export async function launchFleet(options: LaunchOptions): Promise<LaunchedFleet> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const tokens = {
    operate: randomBytes(24).toString('base64url'),
    read: randomBytes(24).toString('base64url'),
  };
  const children: ChildProcess[] = [];
  const fleetFile = resolve(
    options.out ?? join(tmpdir(), `fleetdeck-fleet-${process.pid}-${Date.now()}.json`),
  );
  let stopping: Promise<void> | null = null;

  const pipeStderr = (child: ChildProcess, prefix: string) => {
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      log(`[${prefix}] ${line}`),
    );
  };
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all(children.map(stopChild));
      await rm(fleetFile, { force: true });
    })();
    return stopping;
  };

  try {
    const starting = Array.from({ length: options.nodes }, (_, index) => {
      const id = `node-${index + 1}`;
      const child = spawnScript(
        'node-main',
        import.meta.url,
        ['--id', id, '--interval-ms', String(options.intervalMs ?? 1000)],
        {
          env: {
            ...process.env,
            FLEETDECK_TOKEN: tokens.operate,
            FLEETDECK_READ_TOKEN: tokens.read,
            FLEETDECK_EXIT_WITH_PARENT: '1',
          },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      pipeStderr(child, id);
      return waitForReady(child, id);
    });
    const nodes = await Promise.all(starting);

    const file: FleetFileJson & { local: { launcherPid: number; nodes: LaunchedNode[] } } = {
      name: options.name ?? 'local demo fleet',
      tokens,
      nodes: nodes.map((node) => ({ id: node.id, admin: node.admin, url: node.url })),
      local: { launcherPid: process.pid, nodes },
    };
    await mkdir(dirname(fleetFile), { recursive: true });
    await writeFile(fleetFile, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });

    const clients = options.clients ?? 0;
    if (clients > 0) {
      const users = spawnScript(
        'users-main',
        import.meta.url,
        [
          '--clients',
          String(clients),
          '--duration-s',
          String(options.durationS ?? 3_600),
          ...nodes.map((node) => node.url),
        ],
        { env: { ...process.env, FLEETDECK_EXIT_WITH_PARENT: '1' }, stdio: ['pipe', 'ignore', 'pipe'] },
      );
      children.push(users);
      pipeStderr(users, 'users');
    }
    return { fleetFile, nodes, tokens, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), [
    'nodes',
    'clients',
    'duration-s',
    'out',
    'name',
    'interval-ms',
  ]);
  const fleet = await launchFleet({
    nodes: integerArg(args, 'nodes', 3, 1, MAX_NODES),
    clients: integerArg(args, 'clients', 0, 0, MAX_USERS),
    durationS: integerArg(args, 'duration-s', 3_600, 1, 86_400),
    intervalMs: integerArg(args, 'interval-ms', 1_000, 100, 60_000),
    ...(args.values.has('out') ? { out: args.values.get('out') as string } : {}),
    ...(args.values.has('name') ? { name: args.values.get('name') as string } : {}),
  });
  const shutdown = () => void fleet.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  console.log(`fleet ready: ${fleet.nodes.length} nodes, fleet file ${fleet.fleetFile}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`fleet: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
