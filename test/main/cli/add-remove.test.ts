/**
 * `fleetdeck add` and `fleetdeck remove` as scripts run them, against the reference fleet's
 * launcher: exit codes, the progress line, the final line, and the audit log in the data
 * directory with the CLI as its source; the read token and bad arguments are refused clearly.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedFleet, type LocalFleetFile, launchFleet } from '../../../fleet/launch.js';
import { ROOT } from '../../helpers/processes.js';
import { isAlive } from '../../helpers/redis.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-data-'));
let fleet: LaunchedFleet;

async function fleetdeck(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'main/cli/fleetdeck.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, FLEETDECK_DATA_DIR: dataDir } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const auditEntries = () =>
  readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as { action: string; nodeId: string | null; outcome: string; source: string },
    );

beforeAll(async () => {
  fleet = await launchFleet({ nodes: 2, haproxy: 'off', redis: 'off', name: 'cli fleet', log: () => {} });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
}, 30_000);

describe('fleetdeck add and remove', () => {
  it('adds a node and waits until it is active, then removes it: drained, stopped, forgotten', async () => {
    const added = await fleetdeck('add', '--fleet', fleet.fleetFile, '--wait');
    expect(added.stderr).toContain('adding a node through the provisioner…');
    expect(added.stderr).toMatch(/node-3: active/);
    expect(added.stdout).toMatch(
      /^added node-3 \(ws:\/\/127\.0\.0\.1:\d+, pid \d+\) through the launcher\n$/,
    );
    expect(added.code).toBe(0);
    const file = () => JSON.parse(readFileSync(fleet.fleetFile, 'utf8')) as LocalFleetFile;
    const node3 = file().local.nodes.find((node) => node.id === 'node-3');
    expect(node3).toBeDefined();
    expect(isAlive(node3?.pid ?? 0)).toBe(true);

    const removed = await fleetdeck(
      'remove',
      '--fleet',
      fleet.fleetFile,
      '--node',
      'node-3',
      '--deadline-ms',
      '2000',
    );
    expect(removed.stderr).toContain('node-3: draining');
    expect(removed.stderr).toContain('node-3: drained; stopping it');
    expect(removed.stdout).toBe('node-3 was drained, stopped and removed; stopped through the launcher\n');
    expect(removed.code).toBe(0);
    expect(file().nodes.map((node) => node.id)).toEqual(['node-1', 'node-2']);
    expect(isAlive(node3?.pid ?? 0)).toBe(false);

    expect(auditEntries().filter((entry) => entry.outcome !== 'running')).toEqual([
      expect.objectContaining({ action: 'add', outcome: 'succeeded', source: 'cli' }),
      expect.objectContaining({ action: 'drain', nodeId: 'node-3', outcome: 'succeeded', source: 'cli' }),
      expect.objectContaining({ action: 'remove', nodeId: 'node-3', outcome: 'succeeded', source: 'cli' }),
    ]);
  }, 60_000);

  it('refuses the read token with exit code 4 and says which token is missing', async () => {
    const readOnly = join(mkdtempSync(join(tmpdir(), 'fleetdeck-cli-read-')), 'fleet.json');
    const file = JSON.parse(readFileSync(fleet.fleetFile, 'utf8')) as LocalFleetFile;
    writeFileSync(readOnly, JSON.stringify({ ...file, tokens: { read: file.tokens?.read } }));
    const add = await fleetdeck('add', '--fleet', readOnly);
    expect(add.code).toBe(4);
    expect(add.stderr).toContain(
      'fleetdeck: adding a node needs the operate token: the fleet file gives only the read token (set "tokens.operate")',
    );
    const remove = await fleetdeck('remove', '--fleet', readOnly, '--node', 'node-2');
    expect(remove.code).toBe(4);
    expect(remove.stderr).toContain('fleetdeck: removing node-2 needs the operate token');
  }, 30_000);

  it('says what is wrong with the arguments, the node or the fleet', async () => {
    const badPort = await fleetdeck('add', '--fleet', fleet.fleetFile, '--port', 'http');
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('fleetdeck: --port must be 1–65535');
    const noNode = await fleetdeck('remove', '--fleet', fleet.fleetFile);
    expect(noNode.code).toBe(2);
    expect(noNode.stderr).toContain('fleetdeck: --node ID is required');
    const unknown = await fleetdeck('remove', '--fleet', fleet.fleetFile, '--node', 'node-9');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`fleetdeck: no node "node-9" in ${fleet.fleetFile}`);
    const plain = join(mkdtempSync(join(tmpdir(), 'fleetdeck-cli-plain-')), 'fleet.json');
    const file = JSON.parse(readFileSync(fleet.fleetFile, 'utf8')) as LocalFleetFile;
    writeFileSync(plain, JSON.stringify({ name: 'plain', tokens: file.tokens, nodes: file.nodes }));
    const noProvisioner = await fleetdeck('add', '--fleet', plain);
    expect(noProvisioner.code).toBe(1);
    expect(noProvisioner.stderr).toContain(
      'fleetdeck: this fleet has no provisioner to add nodes with: add a "provisioner" block to its fleet file (docs/fleet.md)',
    );
  }, 60_000);
});
