/**
 * `fleetdeck roll` as a script runs it, against the reference fleet's launcher (two real node
 * processes, its `local` provisioner restarting them): usage errors exit 2, a dry run prints the
 * plan and changes nothing, `--wait` rolls every node with a line per step and exits 0, Ctrl-C
 * aborts (the node being drained is undrained, exit 1), and a read-only token exits 4.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedFleet, type LocalFleetFile, launchFleet } from '../../../fleet/launch.js';
import type { OperationRecord } from '../../../main/common/models.js';
import { type ConsoleService, createConsoleService } from '../../../main/core/console-service.js';
import { loadFleetFile } from '../../../main/core/fleet-file.js';
import { ROOT } from '../../helpers/processes.js';
import { waitFor } from '../../helpers/wait.js';

let fleet: LaunchedFleet;
let dir: string;
let watcher: ConsoleService;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const CLI = ['--import', 'tsx', join(ROOT, 'main/cli/fleetdeck.ts')];

function fleetdeck(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI, ...args],
      { cwd: ROOT, env: { ...process.env, FLEETDECK_DATA_DIR: dir } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function rolls(): OperationRecord[] {
  let text = '';
  try {
    text = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const byId = new Map<string, OperationRecord>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as OperationRecord;
    byId.set(record.id, record);
  }
  return [...byId.values()];
}

const allActive = () => watcher.store.views().every((view) => view.status === 'active');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-roll-'));
  fleet = await launchFleet({
    nodes: 2,
    clients: 20,
    haproxy: 'off',
    redis: 'off',
    intervalMs: 250,
    checkIntervalMs: 300,
    name: 'cli roll',
    out: join(dir, 'fleet.json'),
    log: () => {},
  });
  watcher = createConsoleService({ fleet: await loadFleetFile(fleet.fleetFile), flushMs: 50 });
  await waitFor(allActive, 'two active nodes', 15_000);
}, 60_000);

afterAll(async () => {
  await watcher?.dispose();
  await fleet?.stop();
}, 30_000);

describe('fleetdeck roll', () => {
  it('needs the nodes named, or --all, but not both', async () => {
    const neither = await fleetdeck('roll', '--fleet', fleet.fleetFile);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('fleetdeck: name the nodes to roll with --nodes a,b,c, or --all');
    const both = await fleetdeck('roll', '--fleet', fleet.fleetFile, '--all', '--nodes', 'node-1');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --nodes a,b,c or --all, not both');
  });

  it('without --wait prints the plan and changes nothing', async () => {
    const dry = await fleetdeck('roll', '--fleet', fleet.fleetFile, '--all', '--deadline-ms', '2000');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('2 nodes, 1 at a time, drain deadline 2.0 s, at least 1 active');
    expect(dry.stdout).toContain('  1. node-1: pending');
    expect(dry.stdout).toContain('  2. node-2: pending');
    expect(dry.stdout).toContain('dry run: nothing was changed; add --wait to run the roll');
    expect(rolls().filter((record) => record.action === 'roll')).toEqual([]);
    // A plan it cannot run says why and exits 1.
    const tooMany = await fleetdeck('roll', '--fleet', fleet.fleetFile, '--all', '--min-active', '2');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stdout).toContain(
      'cannot roll: Rolling any node would leave 1 active node, below the minimum of 2.',
    );
  });

  it('--wait rolls every node, a line per step, and exits 0 when all are back', async () => {
    const before = watcher.store.views().map((view) => view.identity?.startedAt);
    const run = await fleetdeck(
      'roll',
      '--fleet',
      fleet.fleetFile,
      '--all',
      '--deadline-ms',
      '1000',
      '--wait',
    );
    expect(run.stderr).toMatch(/node-1: draining/);
    expect(run.stderr).toMatch(/node-1: restarting/);
    expect(run.stderr).toMatch(/node-2: done [\d.]+ s · Rolled in/);
    expect(run.stdout).toContain('roll done');
    expect(run.code).toBe(0);
    const roll = rolls().find((record) => record.action === 'roll');
    expect(roll).toMatchObject({
      source: 'cli',
      outcome: 'succeeded',
      args: { nodeIds: ['node-1', 'node-2'] },
    });
    const steps = rolls().filter((record) => record.parentId === roll?.id);
    expect(steps.map((record) => `${record.action} ${record.nodeId}`).sort()).toEqual([
      'drain node-1',
      'drain node-2',
      'restart node-1',
      'restart node-2',
    ]);
    await waitFor(allActive, 'both nodes active', 5_000);
    const after = watcher.store.views().map((view) => view.identity?.startedAt);
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  }, 90_000);

  it('Ctrl-C aborts: the node being drained is undrained, exit 1', async () => {
    await waitFor(allActive, 'both nodes active', 10_000);
    // The node with the users first: its drain lasts long enough to be interrupted.
    const [first, second] = [...watcher.store.views()]
      .sort((a, b) => (b.connections?.open ?? 0) - (a.connections?.open ?? 0))
      .map((view) => view.id) as [string, string];
    expect(watcher.store.view(first)?.connections?.open).toBeGreaterThan(0);
    const child: ChildProcess = spawn(
      process.execPath,
      [
        ...CLI,
        'roll',
        '--fleet',
        fleet.fleetFile,
        '--nodes',
        `${first},${second}`,
        '--deadline-ms',
        '20000',
        '--wait',
      ],
      { cwd: ROOT, env: { ...process.env, FLEETDECK_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(() => watcher.store.view(first)?.status === 'draining', `${first} draining`, 30_000, 50);
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toContain('aborting the roll: undraining the node being drained');
    expect(stdout).toContain('roll aborted: Aborted by the command line.');
    expect(code).toBe(1);
    await waitFor(allActive, 'both nodes active after the abort', 5_000);
    const roll = rolls()
      .filter((record) => record.action === 'roll')
      .sort((a, b) => b.startedAt - a.startedAt)[0];
    expect(roll).toMatchObject({ outcome: 'aborted', source: 'cli' });
    expect(rolls().some((record) => record.action === 'undrain' && record.parentId === roll?.id)).toBe(true);
  }, 60_000);

  it('a read-only token exits 4 with a clear message', async () => {
    const file = JSON.parse(readFileSync(fleet.fleetFile, 'utf8')) as LocalFleetFile;
    const readOnly = join(dir, 'read-only.json');
    writeFileSync(readOnly, JSON.stringify({ ...file, tokens: { read: file.tokens?.read } }));
    const run = await fleetdeck(
      'roll',
      '--fleet',
      readOnly,
      '--nodes',
      'node-1',
      '--deadline-ms',
      '1000',
      '--wait',
    );
    console.log(`read-only roll: exit ${run.code}; ${run.stdout.trim().split('\n').at(-1)}`);
    expect(run.code).toBe(4);
    expect(`${run.stdout}${run.stderr}`).toMatch(/operate token/);
    expect(allActive()).toBe(true);
  }, 30_000);
});
