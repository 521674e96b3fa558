/** The launcher as a user runs it: `npm run fleet` is `tsx fleet/launch.ts`. */

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { closeClients } from '../helpers/clients.js';
import { firstLine, runTs, stop } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

let launcher: ChildProcess | undefined;
afterEach(async () => {
  if (launcher) await stop(launcher, 'SIGKILL');
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('fleet launcher', () => {
  it('starts N nodes, writes the fleet file, prints one ready line, and stops everything on SIGTERM', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fleetdeck-test-')), 'fleet.json');
    launcher = runTs('fleet/launch.ts', ['--nodes', '2', '--clients', '4', '--out', out]);
    const line = await firstLine(launcher, (text) => (text.startsWith('fleet ready:') ? text : null));
    expect(line).toBe(`fleet ready: 2 nodes, fleet file ${out}`);

    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.name).toEqual(expect.any(String));
    expect(file.tokens.operate.length).toBeGreaterThanOrEqual(16);
    expect(file.tokens.read.length).toBeGreaterThanOrEqual(16);
    expect(file.nodes.map((node: { id: string }) => node.id)).toEqual(['node-1', 'node-2']);
    for (const node of file.nodes) {
      expect(node.admin).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(node.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    }
    // The public endpoint is a real pub/sub node.
    const client = new WebSocket(file.nodes[0].url);
    // Listen before 'open': the welcome can arrive in the same read as the handshake.
    const welcome = await new Promise((resolve, reject) => {
      client.once('message', (data) => resolve(JSON.parse(data.toString())));
      client.once('error', reject);
    });
    expect(welcome).toEqual({ op: 'welcome', node: 'node-1', transport: 'websocket' });
    await closeClients([client]);

    const pids: number[] = file.local.nodes.map((node: { pid: number }) => node.pid);
    expect(pids.every(isAlive)).toBe(true);
    await stop(launcher);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'every node process to exit');
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a bad option with a clear message and exit code 2', async () => {
    launcher = runTs('fleet/launch.ts', ['--nodes', 'many']);
    let stderr = '';
    launcher.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => launcher?.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--nodes must be an integer from 1 to 64 (got many)');
  });
});
