/** The console host with real agents, real fleet files, a real data directory and a real launcher. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../../agent/index.js';
import type { FleetDelta } from '../../../main/common/models.js';
import { createConsoleHost, NO_FLEET_OPEN } from '../../../main/core/console-host.js';
import { firstLine, runTs, stop } from '../../helpers/processes.js';
import { waitFor } from '../../helpers/wait.js';

const token = 'operate-token-0123456789';
const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  disposers.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeFleet(
  dir: string,
  file: string,
  name: string,
  nodes: Array<{ id: string; admin: string }>,
): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ name, tokens: { operate: token }, nodes }));
  return path;
}

async function startAgent(nodeId: string): Promise<string> {
  const agent = createAgent({ nodeId, token, intervalMs: 100, admin: { port: 0 } });
  disposers.push(() => agent.close());
  const address = await agent.ready();
  return `ws://127.0.0.1:${address?.port}`;
}

function newHost(dataDir: string, launcherDir: string, warnings: string[] = []) {
  const host = createConsoleHost({
    dataDir,
    launcherDir,
    serviceOptions: { flushMs: 50 },
    warn: (message) => warnings.push(message),
  });
  disposers.push(() => host.dispose());
  return host;
}

describe('console host', () => {
  it('answers "No fleet is open" until a fleet opens, then switches every subscriber with a reset delta', async () => {
    const dir = tempDir('fleetdeck-host-');
    const fleetA = writeFleet(dir, 'a.json', 'fleet A', [{ id: 'a-1', admin: await startAgent('a-1') }]);
    const fleetB = writeFleet(dir, 'b.json', 'fleet B', [
      { id: 'b-1', admin: await startAgent('b-1') },
      { id: 'b-2', admin: await startAgent('b-2') },
    ]);
    const host = newHost(join(dir, 'data'), dir);

    await expect(host.handlers.getFleet()).rejects.toThrow(NO_FLEET_OPEN);
    await expect(host.handlers.getAlerts()).rejects.toThrow(NO_FLEET_OPEN);
    expect(await host.handlers.listFleets()).toEqual({ current: null, recent: [], discovered: [] });

    const first: FleetDelta[] = [];
    const second: FleetDelta[] = [];
    host.subscribe((delta) => first.push(delta));
    host.subscribe((delta) => second.push(delta));
    expect(first).toEqual([]);

    const snapshotA = await host.handlers.openFleet(fleetA);
    expect(snapshotA.fleetName).toBe('fleet A');
    for (const deltas of [first, second]) {
      expect(deltas[0]).toMatchObject({ reset: true, fleetName: 'fleet A' });
      expect(deltas[0]?.upserted.map((node) => node.id)).toEqual(['a-1']);
    }
    await waitFor(
      async () => (await host.handlers.getFleet()).nodes[0]?.status === 'active',
      'fleet A active',
    );

    const snapshotB = await host.open(fleetB);
    expect(snapshotB.nodes.map((node) => node.id).sort()).toEqual(['b-1', 'b-2']);
    for (const deltas of [first, second]) {
      const resets = deltas.filter((delta) => delta.reset);
      expect(resets.map((delta) => delta.fleetName)).toEqual(['fleet A', 'fleet B']);
    }
    const switchedAt = first.findIndex((delta) => delta.reset && delta.fleetName === 'fleet B');
    await waitFor(
      async () => (await host.handlers.getFleet()).nodes.every((node) => node.status === 'active'),
      'fleet B active',
    );
    // After the switch only the new fleet speaks, and versions follow on from its reset.
    const after = first.slice(switchedAt);
    expect(after.length).toBeGreaterThan(1);
    expect(after.every((delta) => delta.fleetName === 'fleet B')).toBe(true);
    expect(
      after.every((delta, index) => index === 0 || delta.version === (after[index - 1]?.version ?? 0) + 1),
    ).toBe(true);
    // A late subscriber gets the open fleet at once.
    const late: FleetDelta[] = [];
    host.subscribe((delta) => late.push(delta));
    expect(late[0]).toMatchObject({ reset: true, fleetName: 'fleet B' });
    expect(host.resetDelta()?.fleetName).toBe('fleet B');

    const listed = await host.handlers.listFleets();
    expect(listed.current).toMatchObject({
      path: fleetB,
      name: 'fleet B',
      nodeCount: 2,
      source: 'file',
      problem: null,
    });
    expect(listed.recent).toEqual([
      expect.objectContaining({ path: fleetA, name: 'fleet A', nodeCount: 1, source: 'file', problem: null }),
    ]);
    expect(listed.discovered).toEqual([]);
  });

  it('refuses a file that does not load with a readable message and keeps the open fleet', async () => {
    const dir = tempDir('fleetdeck-host-');
    const fleetA = writeFleet(dir, 'a.json', 'fleet A', [{ id: 'a-1', admin: await startAgent('a-1') }]);
    const notJson = join(dir, 'notes.txt');
    writeFileSync(notJson, 'these are not the nodes you are looking for');
    const noName = join(dir, 'no-name.json');
    writeFileSync(noName, JSON.stringify({ nodes: [] }));
    const host = newHost(join(dir, 'data'), dir);
    await host.open(fleetA);
    const deltas: FleetDelta[] = [];
    host.subscribe((delta) => deltas.push(delta));

    await expect(host.handlers.openFleet(join(dir, 'missing.json'))).rejects.toThrow(
      `fleet file not found: ${join(dir, 'missing.json')}`,
    );
    await expect(host.handlers.openFleet(notJson)).rejects.toThrow(`${notJson}: not valid JSON`);
    await expect(host.handlers.openFleet(noName)).rejects.toThrow(
      `${noName}: "name" must be a non-empty string`,
    );
    await expect(host.handlers.openFleet('   ')).rejects.toThrow('Enter the path of a fleet file');
    await expect((host.handlers.openFleet as (...args: unknown[]) => Promise<unknown>)(42)).rejects.toThrow(
      'openFleet takes one fleet file path',
    );
    await expect((host.handlers.listFleets as (...args: unknown[]) => Promise<unknown>)('x')).rejects.toThrow(
      'listFleets takes no arguments',
    );

    expect(host.current()?.path).toBe(fleetA);
    expect((await host.handlers.getFleet()).fleetName).toBe('fleet A');
    expect(deltas.filter((delta) => delta.reset)).toHaveLength(1);
    const recent = JSON.parse(readFileSync(join(dir, 'data', 'recent-fleets.json'), 'utf8'));
    expect(recent.fleets.map((fleet: { path: string }) => fleet.path)).toEqual([fleetA]);
  });

  it('remembers the last ten fleets in the data directory and reopens the most recent', async () => {
    const dir = tempDir('fleetdeck-host-');
    const dataDir = join(dir, 'data');
    const paths = Array.from({ length: 12 }, (_, index) =>
      writeFleet(dir, `fleet-${index + 1}.json`, `fleet ${index + 1}`, []),
    );
    const host = newHost(dataDir, dir);
    for (const path of paths) await host.open(path);
    await host.dispose();

    const stored = JSON.parse(readFileSync(join(dataDir, 'recent-fleets.json'), 'utf8'));
    expect(stored.version).toBe(1);
    expect(stored.fleets.map((fleet: { name: string }) => fleet.name)).toEqual(
      Array.from({ length: 10 }, (_, index) => `fleet ${12 - index}`),
    );

    rmSync(paths[10] as string);
    const again = newHost(dataDir, dir);
    const listed = await again.handlers.listFleets();
    expect(listed.current).toBeNull();
    expect(listed.recent.map((fleet) => fleet.name)).toEqual(
      stored.fleets.map((fleet: { name: string }) => fleet.name),
    );
    expect(listed.recent[1]).toMatchObject({
      path: paths[10],
      name: 'fleet 11',
      nodeCount: null,
      problem: `fleet file not found: ${paths[10]}`,
    });
    expect(listed.recent[0]?.lastOpenedAt).toBeGreaterThanOrEqual(listed.recent[1]?.lastOpenedAt ?? 0);

    expect(await again.openStartupFleet()).toBe(paths[11]);
    expect((await again.handlers.getFleet()).fleetName).toBe('fleet 12');
  });

  it('ignores a corrupt recent-fleets file with a warning and rewrites it', async () => {
    const dir = tempDir('fleetdeck-host-');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'recent-fleets.json'), '{"fleets": [{"path": 7}');
    const warnings: string[] = [];
    const host = newHost(dataDir, dir, warnings);

    expect((await host.handlers.listFleets()).recent).toEqual([]);
    expect(warnings).toEqual([
      `fleetdeck: ${join(dataDir, 'recent-fleets.json')} is not a list of recent fleets; ignoring it and starting a new one`,
    ]);
    expect(JSON.parse(readFileSync(join(dataDir, 'recent-fleets.json'), 'utf8'))).toEqual({
      version: 1,
      fleets: [],
    });

    const path = writeFleet(dir, 'a.json', 'fleet A', []);
    await host.open(path);
    const stored = JSON.parse(readFileSync(join(dataDir, 'recent-fleets.json'), 'utf8'));
    expect(stored.fleets).toEqual([{ path, name: 'fleet A', lastOpenedAt: expect.any(Number) }]);
    expect(warnings).toHaveLength(1);
  });

  it("finds a running launcher's fleet file, skips a dead launcher's, and opens it when nothing is recent", async () => {
    const launcherDir = tempDir('fleetdeck-launchers-');
    // A launcher that is gone: its pid no longer runs, its file was left behind.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const deadFile = join(launcherDir, `fleetdeck-fleet-${dead.pid}-${Date.now() - 60_000}.json`);
    writeFileSync(deadFile, JSON.stringify({ name: 'gone', tokens: { operate: token }, nodes: [] }));
    writeFileSync(join(launcherDir, 'fleetdeck-fleet-notes.json'), '{}');

    // The real launcher, writing where it always does: its tmpdir(), here pointed at our folder.
    const launcher = runTs(
      'fleet/launch.ts',
      ['--nodes', '1', '--no-redis', '--no-haproxy', '--name', 'launched'],
      {
        TMPDIR: launcherDir,
      },
    );
    disposers.push(() => stop(launcher));
    const fleetFile = await firstLine(
      launcher,
      (line) => /^fleet ready: 1 nodes, fleet file (\S+)$/.exec(line)?.[1] ?? null,
      45_000,
    );
    expect(fleetFile).toMatch(new RegExp(`^${launcherDir}/fleetdeck-fleet-${launcher.pid}-\\d+\\.json$`));

    const host = newHost(tempDir('fleetdeck-data-'), launcherDir);
    const listed = await host.handlers.listFleets();
    expect(listed.discovered).toEqual([
      {
        path: fleetFile,
        name: 'launched',
        nodeCount: 1,
        source: 'launcher',
        lastOpenedAt: null,
        problem: null,
      },
    ]);

    expect(await host.openStartupFleet()).toBe(fleetFile);
    await waitFor(
      async () => (await host.handlers.getFleet()).nodes[0]?.status === 'active',
      "the launcher's node active",
      15_000,
    );
    expect((await host.handlers.listFleets()).current).toMatchObject({
      source: 'launcher',
      name: 'launched',
    });

    // The launcher deletes its file on exit; the open fleet stays listed as current, now with nothing to find.
    await stop(launcher);
    const after = await host.handlers.listFleets();
    expect(after.discovered).toEqual([]);
    expect(after.recent).toEqual([]);
  }, 60_000);

  it('starts with no fleet when nothing is recent and no launcher runs', async () => {
    const dir = tempDir('fleetdeck-host-');
    const host = newHost(join(dir, 'data'), dir);
    expect(await host.openStartupFleet()).toBeNull();
    expect(host.current()).toBeNull();
    expect(host.resetDelta()).toBeNull();
  });
});
