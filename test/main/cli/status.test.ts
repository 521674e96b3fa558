/** `fleetdeck status` against real node processes: counts, a killed node, a restarted node. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { closeClients, openClients } from '../../helpers/clients.js';
import { fleetFileFor, NodeProcess, ROOT } from '../../helpers/processes.js';

const run = promisify(execFile);
let nodes: NodeProcess[];
let fleetFile: string;
let sockets: WebSocket[] = [];

async function status(...extra: string[]): Promise<{ code: number; rows: Array<Record<string, unknown>> }> {
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'main/cli/fleetdeck.ts'),
    'status',
    '--fleet',
    fleetFile,
    '--json',
    ...extra,
  ];
  try {
    const { stdout } = await run(process.execPath, args, { cwd: ROOT });
    return { code: 0, rows: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, rows: JSON.parse(failed.stdout) };
  }
}

beforeAll(async () => {
  nodes = await Promise.all([NodeProcess.start('node-1'), NodeProcess.start('node-2')]);
  fleetFile = join(mkdtempSync(join(tmpdir(), 'fleetdeck-cli-')), 'fleet.json');
  writeFileSync(fleetFile, JSON.stringify(fleetFileFor(nodes)));
});

afterAll(async () => {
  await closeClients(sockets);
  await Promise.all(nodes.map((node) => node.stop()));
});

describe('fleetdeck status', () => {
  it('lists every node with its state and exact connection count', async () => {
    sockets = await openClients(nodes[0]?.url as string, 7);
    const { code, rows } = await status();
    expect(code).toBe(0);
    expect(rows.map((row) => [row.id, row.state, row.connections])).toEqual([
      ['node-1', 'active', 7],
      ['node-2', 'active', 0],
    ]);
    expect(rows[0]).toHaveProperty('bytesInPerSec');
  });

  it('shows a killed node as unreachable, with exit code 3, and a restarted one as active again', async () => {
    await nodes[1]?.kill();
    const started = Date.now();
    const down = await status('--wait-ms', '3000');
    expect(Date.now() - started).toBeLessThan(3_000 + 2_000); // the CLI's own start-up is the rest
    expect(down.code).toBe(3);
    expect(down.rows[1]).toMatchObject({ id: 'node-2', state: 'unreachable', connections: null });
    expect(String(down.rows[1]?.problem)).toMatch(/connection refused/);

    await nodes[1]?.restart();
    const up = await status();
    expect(up.code).toBe(0);
    expect(up.rows[1]).toMatchObject({ id: 'node-2', state: 'active', connections: 0 });
  });

  it('refuses a missing fleet file with a readable message', async () => {
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'main/cli/fleetdeck.ts'),
      'status',
      '--fleet',
      '/nonexistent/fleet.json',
    ];
    await expect(run(process.execPath, args, { cwd: ROOT })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('fleet file not found: /nonexistent/fleet.json'),
    });
  });
});
