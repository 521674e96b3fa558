/**
 * `fleetdeck drain | undrain | shed` as a script runs them, against real node processes and real
 * clients: `drain --wait` exits 0 only once the node is empty, the audit log has the CLI's entry,
 * a read-only token exits 4 with a clear message, and a killed node exits 3.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { OperationRecord } from '../../../main/common/models.js';
import { type ConsoleService, createConsoleService } from '../../../main/core/console-service.js';
import { parseFleetFile } from '../../../main/core/fleet-file.js';
import { closeClients, openClients } from '../../helpers/clients.js';
import { fleetFileFor, NodeProcess, ROOT, TEST_TOKENS } from '../../helpers/processes.js';
import { waitFor } from '../../helpers/wait.js';

let nodes: NodeProcess[];
let dir: string;
let fleetFile: string;
let readOnlyFleetFile: string;
let watcher: ConsoleService;
const sockets: WebSocket[] = [];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function fleetdeck(...args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'main/cli/fleetdeck.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, FLEETDECK_DATA_DIR: dir } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

function auditRecords(): OperationRecord[] {
  return readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OperationRecord);
}

beforeAll(async () => {
  nodes = await Promise.all([NodeProcess.start('node-1'), NodeProcess.start('node-2')]);
  dir = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-drain-'));
  fleetFile = join(dir, 'fleet.json');
  readOnlyFleetFile = join(dir, 'read-only.json');
  writeFileSync(fleetFile, JSON.stringify(fleetFileFor(nodes)));
  writeFileSync(
    readOnlyFleetFile,
    JSON.stringify({ ...fleetFileFor(nodes), tokens: { read: TEST_TOKENS.read } }),
  );
  // The test's own view of the fleet, to check what the CLI says against the agents' figures.
  watcher = createConsoleService({ fleet: parseFleetFile(fleetFileFor(nodes), 'test'), flushMs: 50 });
  await waitFor(
    () => nodes.every((node) => watcher.store.view(node.id)?.status === 'active'),
    'both nodes linked',
  );
}, 60_000);

afterAll(async () => {
  await watcher?.dispose();
  await closeClients(sockets);
  await Promise.all(nodes.map((node) => node.stop()));
});

describe('fleetdeck drain, undrain and shed', () => {
  it('drain --wait exits 0 only once the node is empty, with a progress line and an audited cli entry', async () => {
    const clients = await openClients(nodes[0]?.url as string, 50);
    sockets.push(...clients);
    await waitFor(() => watcher.store.view('node-1')?.connections?.open === 50, '50 clients on node-1');

    const run = await fleetdeck(
      'drain',
      '--fleet',
      fleetFile,
      '--node',
      'node-1',
      '--deadline-ms',
      '4000',
      '--wait',
      '--json',
    );
    expect(run.stderr).not.toMatch(/fleetdeck:/);
    expect(run.code).toBe(0);
    const final = JSON.parse(run.stdout) as OperationRecord;
    expect(final).toMatchObject({ action: 'drain', nodeId: 'node-1', source: 'cli', outcome: 'succeeded' });
    expect(final.message).toMatch(/^drained 50 connections in /);
    // Exit 0 means empty: every client was closed, and the agent says drained with 0 open.
    expect(clients.every((client) => client.readyState !== WebSocket.OPEN)).toBe(true);
    await waitFor(() => watcher.store.view('node-1')?.status === 'drained', 'node-1 drained');
    expect(watcher.store.view('node-1')?.connections?.open).toBe(0);
    // The progress line (one line per change on a pipe): connections left, closed/total, rate, ETA.
    expect(run.stderr).toMatch(
      /node-1: draining · \d+ connections left · \d+\/50 closed · [\d.]+ closes\/s · ETA \d+ s/,
    );
    console.log(
      `drain --wait of 50 over 4000 ms: exit ${run.code} after ${run.ms} ms (CLI start-up included); ${final.message}`,
    );

    const lines = auditRecords().filter((record) => record.id === final.id);
    expect(lines.map((line) => [line.source, line.outcome])).toEqual([
      ['cli', 'running'],
      ['cli', 'succeeded'],
    ]);
    expect(lines[0]?.args).toEqual({ deadlineMs: 4000, connections: 50 });

    const undrain = await fleetdeck('undrain', '--fleet', fleetFile, '--node', 'node-1');
    expect(undrain.code).toBe(0);
    expect(undrain.stdout).toMatch(/node-1 is active again/);
    await waitFor(() => watcher.store.view('node-1')?.status === 'active', 'node-1 active again');
  });

  it('drain without --wait returns once the agent accepted, and the agent finishes by itself', async () => {
    const clients = await openClients(nodes[1]?.url as string, 10);
    sockets.push(...clients);
    await waitFor(() => watcher.store.view('node-2')?.connections?.open === 10, '10 clients on node-2');
    const run = await fleetdeck(
      'drain',
      '--fleet',
      fleetFile,
      '--node',
      'node-2',
      '--deadline-ms',
      '2000',
      '--json',
    );
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout) as OperationRecord;
    expect(record).toMatchObject({ action: 'drain', source: 'cli', outcome: 'succeeded' });
    expect(record.message).toBe('the agent drains node-2 (10 connections over 2 s) and carries on by itself');
    await waitFor(() => watcher.store.view('node-2')?.status === 'drained', 'node-2 drained', 10_000);
    expect(clients.every((client) => client.readyState !== WebSocket.OPEN)).toBe(true);
    expect((await fleetdeck('undrain', '--fleet', fleetFile, '--node', 'node-2')).code).toBe(0);
    await waitFor(() => watcher.store.view('node-2')?.status === 'active', 'node-2 active again');
  });

  it('shed --wait closes exactly N and exits 0', async () => {
    const clients = await openClients(nodes[0]?.url as string, 20);
    sockets.push(...clients);
    await waitFor(() => watcher.store.view('node-1')?.connections?.open === 20, '20 clients on node-1');
    const run = await fleetdeck(
      'shed',
      '--fleet',
      fleetFile,
      '--node',
      'node-1',
      '--count',
      '7',
      '--deadline-ms',
      '2000',
      '--wait',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^node-1: shed 7 connections in /);
    expect(clients.filter((client) => client.readyState === WebSocket.OPEN)).toHaveLength(13);
    expect(watcher.store.view('node-1')?.status).toBe('active');
  });

  it('exits 4 with a clear message when the fleet file gives only the read token', async () => {
    const run = await fleetdeck('drain', '--fleet', readOnlyFleetFile, '--node', 'node-2', '--wait');
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      'fleetdeck: This fleet file gives only the read token; draining needs the operate token (tokens.operate)',
    );
    expect(watcher.store.view('node-2')?.status).toBe('active');
    const refused = auditRecords().filter(
      (record) => record.nodeId === 'node-2' && record.action === 'drain',
    );
    expect(refused.at(-1)).toMatchObject({ source: 'cli', outcome: 'failed' });
  });

  it('exits 2 for bad arguments', async () => {
    const run = await fleetdeck('shed', '--fleet', fleetFile, '--node', 'node-1');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give either --count N or --percent P');
  });

  it('drain --wait exits 3 when the node dies mid-drain, once the deadline + grace has passed', async () => {
    const clients = await openClients(nodes[1]?.url as string, 20);
    sockets.push(...clients);
    await waitFor(() => watcher.store.view('node-2')?.connections?.open === 20, '20 clients on node-2');
    const running = fleetdeck(
      'drain',
      '--fleet',
      fleetFile,
      '--node',
      'node-2',
      '--deadline-ms',
      '2000',
      '--wait',
    );
    try {
      await waitFor(() => (watcher.store.view('node-2')?.drain?.closed ?? 0) >= 1, 'a first close', 10_000);
      await nodes[1]?.kill();
      const run = await running;
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /fleetdeck: node-2 is unreachable \(.+\); its drain did not finish within 12 s/,
      );
      const record = auditRecords()
        .filter((entry) => entry.nodeId === 'node-2' && entry.action === 'drain')
        .at(-1);
      expect(record).toMatchObject({ source: 'cli', outcome: 'failed' });
    } finally {
      await nodes[1]?.restart();
      await waitFor(() => watcher.store.view('node-2')?.status === 'active', 'node-2 back', 10_000);
    }
  });

  it('exits 3 for a killed node', async () => {
    await nodes[1]?.kill();
    try {
      const run = await fleetdeck('drain', '--fleet', fleetFile, '--node', 'node-2', '--wait');
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/fleetdeck: node-2 is not reachable: connection refused/);
    } finally {
      await nodes[1]?.restart();
    }
  });
});
