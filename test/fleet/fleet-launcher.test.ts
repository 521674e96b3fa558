/**
 * The launcher as a user runs it, with Redis and HAProxy installed: `fleet/launch.ts --nodes
 * 3 --clients 300` starts redis-server, three node processes, HAProxy and the simulated
 * users, and writes a fleet file saying so; the nodes end up holding the 300 users; `add`
 * puts a fourth node in the fleet file and in `fleetdeck status`; `remove --node node-1`
 * drains it and its users reconnect to the others within deadline + 5 s; SIGTERM stops every
 * process the launcher started and removes the fleet file.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalFleetFile } from '../../fleet/launch.js';
import { type AgentWatch, watchAgent } from '../helpers/fleet-agent.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { firstLine, runTs, stop } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const USERS = 300;
const REMOVE_DEADLINE_MS = 3_000;
const COMMAND_TIMEOUT_MS = 30_000;

let owner = new FleetOwner();
afterEach(async () => {
  const current = owner;
  owner = new FleetOwner();
  await current.dispose();
});

/** Runs a command to its end; resolves with its exit code and output, kills it after `timeoutMs`. */
function finish(child: ChildProcess, timeoutMs = COMMAND_TIMEOUT_MS) {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The launcher's direct children: pid and command line. */
function childrenOf(pid: number): Array<{ pid: number; command: string }> {
  let output = '';
  try {
    output = execFileSync('pgrep', ['-P', String(pid), '-a'], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when there is none
  }
  return output
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(' ');
      return { pid: Number(line.slice(0, space)), command: normalize(line.slice(space + 1)) };
    });
}

function readFleet(path: string): LocalFleetFile {
  return JSON.parse(readFileSync(path, 'utf8')) as LocalFleetFile;
}

/** `fleetdeck status --json`, from source. */
async function status(fleetFile: string) {
  const result = await finish(runTs('main/cli/fleetdeck.ts', ['status', '--fleet', fleetFile, '--json']));
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Array<{ id: string; state: string; connections: number | null }>;
}

describe('the launcher with Redis and HAProxy', () => {
  it('runs, grows, shrinks and stops a fleet of 300 users', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fleetdeck-launcher-'));
    owner.defer('temp directory', () => rmSync(directory, { recursive: true, force: true }));
    const out = join(directory, 'fleet.json');
    const started = Date.now();
    // REDIS_URL empty: 'auto' must start its own redis-server, whatever the caller's environment says.
    const launcher = runTs('fleet/launch.ts', ['--nodes', '3', '--clients', String(USERS), '--out', out], {
      REDIS_URL: '',
    });
    // Every process the launcher starts is recorded here, so the cleanup can stop any that outlive it.
    const seen = new Map<number, string>();
    owner.defer('launcher and its children', () => stopLauncher(launcher, seen));
    const remember = () => {
      for (const child of childrenOf(launcher.pid as number)) seen.set(child.pid, child.command);
    };
    const ready = await firstLine(
      launcher,
      (line) => (line.startsWith('fleet ready:') ? line : null),
      45_000,
    );
    const readyMs = Date.now() - started;
    expect(ready).toBe(`fleet ready: 3 nodes, fleet file ${out}`);

    const fleet = readFleet(out);
    expect(fleet.broker.kind).toBe('redis');
    expect(fleet.balancer.kind).toBe('haproxy');
    expect(fleet.nodes.map((node) => node.id)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(fleet.local.launcherPid).toBe(launcher.pid);
    // The users-main child is spawned right after the ready line's fleet file: wait for it.
    const children = await waitFor(
      () => {
        const list = childrenOf(launcher.pid as number);
        return list.some((child) => child.command.includes('users-main')) ? list : null;
      },
      'the users process',
      5_000,
      100,
    );
    remember();
    const redisPort = new URL(fleet.broker.url).port;
    const redisChild = children.find((child) => /redis-server/.test(child.command));
    const haproxyChild = children.find((child) => /haproxy/.test(child.command));
    expect(redisChild?.command, JSON.stringify(children)).toContain(`:${redisPort}`);
    expect(haproxyChild, JSON.stringify(children)).toBeDefined();
    const nodeMains = children.filter((child) => child.command.includes('node-main'));
    expect(nodeMains.map((child) => child.pid).sort()).toEqual(
      fleet.local.nodes.map((node) => node.pid).sort(),
    );

    const operateToken = fleet.tokens?.operate;
    if (!operateToken) throw new Error('the fleet file has no operate token');
    const agents = new Map<string, AgentWatch>();
    const watch = (id: string, admin: string) => {
      const agent = owner.own(watchAgent(admin, operateToken), (w) => w.close(), `${id} admin`);
      agents.set(id, agent);
      return agent.ready;
    };
    await Promise.all(fleet.nodes.map((node) => watch(node.id, node.admin)));
    const openOn = (ids: readonly string[]) =>
      ids.map((id) => agents.get(id)?.latest()?.connections.open ?? 0).reduce((sum, open) => sum + open, 0);
    const perNode = (ids: readonly string[]) =>
      Object.fromEntries(ids.map((id) => [id, agents.get(id)?.latest()?.connections.open ?? null]));
    await waitFor(
      () => openOn(['node-1', 'node-2', 'node-3']) === USERS,
      `${USERS} users on the 3 nodes`,
      20_000,
      100,
    );
    const usersMs = Date.now() - started;
    const spreadAtStart = perNode(['node-1', 'node-2', 'node-3']);
    const statusAtStart = await status(out);
    expect(statusAtStart.map((row) => row.id)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(statusAtStart.every((row) => row.state === 'active')).toBe(true);
    expect(statusAtStart.reduce((sum, row) => sum + (row.connections ?? 0), 0)).toBe(USERS);

    // add: a fourth node, in the fleet file, in the balancer and in status.
    const added = await finish(runTs('fleet/launch.ts', ['add', '--fleet', out]));
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('added node-4');
    const grown = readFleet(out);
    expect(grown.nodes.map((node) => node.id)).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    remember();
    const node4 = grown.nodes.find((node) => node.id === 'node-4');
    await watch('node-4', node4?.admin as string);
    const statusGrown = await status(out);
    expect(statusGrown.map((row) => [row.id, row.state])).toEqual([
      ['node-1', 'active'],
      ['node-2', 'active'],
      ['node-3', 'active'],
      ['node-4', 'active'],
    ]);

    // remove node-1: drained over 3 s, its users come back through HAProxy on the others.
    const node1Pid = grown.local.nodes.find((node) => node.id === 'node-1')?.pid as number;
    const node1Users = agents.get('node-1')?.latest()?.connections.open ?? 0;
    const removing = finish(
      runTs('fleet/launch.ts', [
        'remove',
        '--fleet',
        out,
        '--node',
        'node-1',
        '--deadline-ms',
        String(REMOVE_DEADLINE_MS),
      ]),
    );
    const drainEvent = await waitFor(
      () =>
        agents
          .get('node-1')
          ?.events.find(
            (event) => event.name === 'state' && (event.data as { to?: string }).to === 'draining',
          ),
      'node-1 draining',
      15_000,
      50,
    );
    const rest = ['node-2', 'node-3', 'node-4'];
    const settleBudgetMs = drainEvent.time + REMOVE_DEADLINE_MS + 5_000 - Date.now();
    await waitFor(
      () => openOn(rest) === USERS,
      `${USERS} users on node-2..4`,
      Math.max(0, settleBudgetMs),
      100,
    );
    const settledMs = Date.now() - drainEvent.time;
    const spreadAfterRemove = perNode(rest);
    const removed = await removing;
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('removed node-1');
    const shrunk = readFleet(out);
    expect(shrunk.nodes.map((node) => node.id)).toEqual(rest);
    expect(isRunning(node1Pid)).toBe(false);
    const statusShrunk = await status(out);
    expect(statusShrunk.map((row) => row.id)).toEqual(rest);
    expect(statusShrunk.reduce((sum, row) => sum + (row.connections ?? 0), 0)).toBe(USERS);

    // SIGTERM: everything the launcher started exits, and the fleet file goes.
    remember();
    const alive = [...seen].filter(([pid]) => isRunning(pid));
    expect(alive.some(([, command]) => /redis-server/.test(command))).toBe(true);
    expect(alive.some(([, command]) => /haproxy/.test(command))).toBe(true);
    expect(alive.filter(([, command]) => command.includes('node-main'))).toHaveLength(3);
    expect(alive.some(([, command]) => command.includes('users-main'))).toBe(true);
    const stoppingAt = Date.now();
    const exited = finish(launcher, 20_000);
    launcher.kill('SIGTERM');
    const { code } = await exited;
    await waitFor(
      () => alive.every(([pid]) => !isRunning(pid)),
      'every launched process to exit',
      10_000,
      50,
    );
    const stopMs = Date.now() - stoppingAt;
    expect(code).toBe(0);
    expect(existsSync(out)).toBe(false);
    console.log(
      [
        `launcher: ready after ${readyMs} ms; ${USERS} users on the nodes after ${usersMs} ms: ${JSON.stringify(spreadAtStart)}`,
        `  children: ${alive.map(([pid, command]) => `${pid} ${command.split(' ').slice(0, 4).join(' ')}`).join(' | ')}`,
        `  status at start: ${JSON.stringify(statusAtStart.map((row) => [row.id, row.state, row.connections]))}`,
        `  after add: ${JSON.stringify(statusGrown.map((row) => [row.id, row.state, row.connections]))}`,
        `  remove node-1 (${node1Users} users, deadline ${REMOVE_DEADLINE_MS} ms): all ${USERS} back on node-2..4 ${settledMs} ms after the drain began: ${JSON.stringify(spreadAfterRemove)}`,
        `  status after remove: ${JSON.stringify(statusShrunk.map((row) => [row.id, row.state, row.connections]))}`,
        `  SIGTERM: launcher exited ${code}, ${alive.length} processes gone in ${stopMs} ms, fleet file removed`,
      ].join('\n'),
    );
  }, 120_000);

  it('leaves nothing running when the launcher itself is SIGKILLed', async () => {
    // node-main and users-main stop when the launcher's end of their stdin closes, and
    // redis-server has a parent-death signal: a crashed launcher (or a test runner that kills
    // it) must not leave HAProxy, or anything else, holding ports either.
    const directory = mkdtempSync(join(tmpdir(), 'fleetdeck-launcher-'));
    owner.defer('temp directory', () => rmSync(directory, { recursive: true, force: true }));
    const out = join(directory, 'fleet.json');
    const launcher = runTs('fleet/launch.ts', ['--nodes', '1', '--clients', '2', '--out', out], {
      REDIS_URL: '',
    });
    const seen = new Map<number, string>();
    owner.defer('launcher and its children', () => stopLauncher(launcher, seen));
    await firstLine(launcher, (line) => (line.startsWith('fleet ready:') ? line : null), 45_000);
    const children = await waitFor(
      () => {
        const list = childrenOf(launcher.pid as number);
        return list.some((child) => child.command.includes('users-main')) ? list : null;
      },
      'the users process',
      5_000,
      100,
    );
    for (const child of children) seen.set(child.pid, child.command);
    expect(children).toHaveLength(4); // redis-server, node-1, haproxy, users

    await stop(launcher, 'SIGKILL');
    await waitFor(
      () => children.every((child) => !isRunning(child.pid)),
      'every child to exit',
      5_000,
      100,
    ).catch(() => null);
    const survivors = children.filter((child) => isRunning(child.pid));
    console.log(
      `launcher SIGKILLed: children ${children.map((child) => child.command.split(' ').slice(0, 3).join(' ')).join(' | ')}; still running after 5 s: ${survivors.map((child) => `${child.pid} ${child.command}`).join(' | ') || 'none'}`,
    );
    expect(survivors.map((child) => child.command)).toEqual([]);
  }, 60_000);
});

/**
 * Stops the launcher (SIGTERM, SIGKILL after 10 s), then whatever it left running: by pid,
 * and only while that pid still runs the command line recorded for it, so a recycled pid is
 * never someone else's process. A left-over HAProxy's config directory goes too.
 */
async function stopLauncher(launcher: ChildProcess, seen: ReadonlyMap<number, string>): Promise<void> {
  const exited = stop(launcher);
  const kill = setTimeout(() => launcher.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(kill);
  for (const [pid, command] of seen) {
    if (!isRunning(pid) || commandOf(pid) !== command) continue;
    process.kill(pid, 'SIGKILL');
    const config = / -f (\S+)\/haproxy\.cfg/.exec(command)?.[1];
    if (config?.startsWith(join(tmpdir(), 'fleetdeck-haproxy-')))
      rmSync(config, { recursive: true, force: true });
  }
}

/** A process's command line as pgrep -a prints it, or null when it is gone. */
function commandOf(pid: number): string | null {
  try {
    return normalize(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
  } catch {
    return null;
  }
}

/** One space between words: redis-server pads its rewritten title, pgrep and /proc differ in trailing blanks. */
function normalize(command: string): string {
  return command.replace(/\s+/g, ' ').trim();
}

/** Running, not merely present: a zombie still answers kill(pid, 0). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
