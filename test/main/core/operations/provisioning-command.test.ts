/**
 * The `command` provisioner end to end: a console service over a fleet file whose templates
 * start a real reference node (`node --import tsx fleet/node-main.ts`, in the background, pid
 * file beside the fleet file), restart it and kill it by its pid file. The added node is linked
 * and turns active, the fleet file gains and loses it (the rest kept), remove drains before it
 * stops, and failures, timeouts and a read-only token are readable refusals, all audited.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { type ConsoleService, createConsoleService } from '../../../../main/core/console-service.js';
import { loadFleetFile } from '../../../../main/core/fleet-file.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import { closeClients, openClients } from '../../../helpers/clients.js';
import { fleetFileFor, freePort, NodeProcess, ROOT, TEST_TOKENS } from '../../../helpers/processes.js';
import { isAlive } from '../../../helpers/redis.js';
import { waitFor } from '../../../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-provisioning-'));
const services: ConsoleService[] = [];
let seed: NodeProcess;

/** start-node.sh ID HOST PORT: starts a reference node in the background, prints its ready line. */
const START_NODE = `#!/bin/sh
set -e
cd "$(dirname "$0")"
admin=0
[ -f "$1.admin-port" ] && admin=$(cat "$1.admin-port")
FLEETDECK_TOKEN='${TEST_TOKENS.operate}' FLEETDECK_READ_TOKEN='${TEST_TOKENS.read}' \\
  nohup '${process.execPath}' --import '${join(ROOT, 'node_modules/tsx/dist/esm/index.mjs')}' '${join(ROOT, 'fleet/node-main.ts')}' \\
  --id "$1" --host "$2" --port "$3" --admin-port "$admin" > "$1.out" 2> "$1.err" < /dev/null &
echo $! > "$1.pid"
tries=0
until grep -q '"event":"ready"' "$1.out" 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -gt 300 ] || ! kill -0 "$(cat "$1.pid")" 2>/dev/null; then
    echo "node $1 did not start" >&2; cat "$1.err" >&2; exit 1
  fi
  sleep 0.1
done
sed -n 's/.*"admin":"ws:\\/\\/[^"]*:\\([0-9][0-9]*\\)".*/\\1/p' "$1.out" > "$1.admin-port"
echo "started $1 as pid $(cat "$1.pid")"
head -n 1 "$1.out"
`;

/** stop-node.sh ID: stops the node of that pid file and waits for it to exit. */
const STOP_NODE = `#!/bin/sh
cd "$(dirname "$0")"
pid=$(cat "$1.pid") || exit 1
kill "$pid" 2>/dev/null
tries=0
while kill -0 "$pid" 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -gt 100 ] && kill -9 "$pid"
  sleep 0.1
done
rm -f "$1.pid"
echo "stopped $1"
`;

const pidOf = (id: string) => Number(readFileSync(join(dir, `${id}.pid`), 'utf8'));
const readFleetFile = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** Writes a fleet file with the seed node and `extras`, and opens a console service over it. */
async function openFleet(name: string, extras: Record<string, unknown>) {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify({ ...fleetFileFor([seed], name), ...extras }, null, 2)}\n`, {
    mode: 0o600,
  });
  const audit = new AuditLog(join(dir, `${name}-audit.jsonl`));
  const service = createConsoleService({ fleet: await loadFleetFile(path), audit });
  services.push(service);
  await waitFor(() => service.store.view(seed.id)?.status === 'active', `${seed.id} active`, 10_000);
  return { path, audit, service, provisioning: service.operations.provisioning };
}

beforeAll(async () => {
  writeFileSync(join(dir, 'start-node.sh'), START_NODE);
  writeFileSync(join(dir, 'stop-node.sh'), STOP_NODE);
  seed = await NodeProcess.start('node-1');
}, 30_000);

afterAll(async () => {
  for (const service of services) await service.dispose();
  for (const id of ['node-2']) {
    if (existsSync(join(dir, `${id}.pid`))) process.kill(pidOf(id), 'SIGKILL');
  }
  await seed.stop();
});

describe('the command provisioner with real shell commands', () => {
  it('adds a real node, restarts it, and removes it (drained first) with the fleet file kept in step', async () => {
    const port = await freePort();
    const provisioner = {
      kind: 'command',
      add: 'sh ./start-node.sh {id} {host} {port}',
      remove: 'sh ./stop-node.sh {id}',
      restart: 'sh ./stop-node.sh {id} && sh ./start-node.sh {id} {host} {port}',
      timeoutMs: 30_000,
      publicUrl: 'ws://{host}:{port}/ws',
    };
    const { path, audit, service, provisioning } = await openFleet('real-nodes', {
      provisioner,
      alerts: { cpu: 0.95 },
    });
    expect(provisioning.info()).toEqual({
      kind: 'command',
      canAdd: true,
      canRemove: true,
      canRestart: true,
      addFields: ['id', 'host', 'port'],
    });
    await expect(provisioning.add({ host: '127.0.0.1' })).rejects.toThrow(
      "this provisioner needs the new node's port to add it",
    );

    // Add: the id is the next free one; the admin URL comes from the ready line the command printed.
    const added = await provisioning.add({ host: '127.0.0.1', port });
    expect(added).toMatchObject({ action: 'add', nodeId: 'node-2', outcome: 'succeeded' });
    expect(added.message).toMatch(/^added node-2 \(ws:\/\/127\.0\.0\.1:\d+\); the add command succeeded in/);
    const firstPid = pidOf('node-2');
    expect(isAlive(firstPid)).toBe(true);
    await waitFor(() => service.store.view('node-2')?.status === 'active', 'node-2 active', 10_000);
    const view = service.store.view('node-2');
    expect(view?.publicUrl).toBe(`ws://127.0.0.1:${port}/ws`);
    expect(view?.identity?.pid).toBe(firstPid);
    const file = readFleetFile(path);
    expect(file.nodes).toEqual([
      { id: 'node-1', admin: seed.adminUrl, url: seed.url },
      { id: 'node-2', admin: view?.adminUrl, url: `ws://127.0.0.1:${port}/ws`, host: '127.0.0.1', port },
    ]);
    // The rest of the file is as it was.
    expect(file.provisioner).toEqual(provisioner);
    expect(file.alerts).toEqual({ cpu: 0.95 });
    expect(file.tokens).toEqual(TEST_TOKENS);
    await expect(loadFleetFile(path)).resolves.toMatchObject({ nodes: [{ id: 'node-1' }, { id: 'node-2' }] });

    // Restart: a new process on the same ports; the console's link comes back by itself.
    const startedAt = view?.identity?.startedAt;
    const restarted = await provisioning.restart('node-2');
    expect(restarted).toMatchObject({ action: 'restart', nodeId: 'node-2', outcome: 'succeeded' });
    expect(restarted.message).toMatch(/^restarted node-2; the restart command succeeded in/);
    const secondPid = pidOf('node-2');
    expect(secondPid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);
    await waitFor(
      () => {
        const now = service.store.view('node-2');
        return now?.status === 'active' && now.identity?.startedAt !== startedAt;
      },
      'node-2 active again as a new run',
      15_000,
    );
    expect(service.store.view('node-2')?.identity?.pid).toBe(secondPid);

    // A restart that comes back elsewhere (its admin port forgotten: a new one) and says so:
    // the console follows it, and so does the fleet file.
    const oldAdmin = service.store.view('node-2')?.adminUrl;
    rmSync(join(dir, 'node-2.admin-port'));
    const moved = await provisioning.restart('node-2');
    const newAdmin = service.store.view('node-2')?.adminUrl;
    expect(newAdmin).not.toBe(oldAdmin);
    expect(moved.message).toContain(`restarted node-2, now at ${newAdmin}; the restart command succeeded in`);
    await waitFor(
      () => service.store.view('node-2')?.status === 'active',
      'node-2 active at its new address',
      15_000,
    );
    expect(readFleetFile(path).nodes[1]).toMatchObject({ id: 'node-2', admin: newAdmin });
    const thirdPid = pidOf('node-2');

    // Remove with clients on it: drained at a pace (close 1012), then stopped, then forgotten.
    const sockets: WebSocket[] = await openClients(`ws://127.0.0.1:${port}/ws`, 6);
    const closes = sockets.map((socket) => new Promise<number>((resolve) => socket.once('close', resolve)));
    await waitFor(
      () => service.store.view('node-2')?.connections?.open === 6,
      'node-2 with 6 clients',
      5_000,
    );
    const running = await provisioning.remove('node-2', 2_000);
    expect(running).toMatchObject({ action: 'remove', nodeId: 'node-2', outcome: 'running' });
    expect(provisioning.phase(running.id)).toBe('draining');
    await expect(provisioning.remove('node-2', 2_000)).rejects.toThrow('node-2 is already being removed');
    const removed = await provisioning.finished(running.id);
    expect(removed.outcome).toBe('succeeded');
    expect(removed.message).toMatch(
      /^node-2 was drained, stopped and removed; the remove command succeeded in/,
    );
    expect(await Promise.all(closes)).toEqual(Array(6).fill(1012));
    expect(isAlive(thirdPid)).toBe(false);
    expect(service.store.view('node-2')).toBeNull();
    expect(readFleetFile(path).nodes).toEqual([{ id: 'node-1', admin: seed.adminUrl, url: seed.url }]);
    expect(provisioning.phase(running.id)).toBeNull();
    await closeClients(sockets);

    // Audited: add, restart, remove, and the drain as the remove's step.
    const entries = (await audit.read()).entries;
    const byAction = (action: string) => entries.filter((entry) => entry.action === action);
    expect(byAction('add').map((entry) => entry.outcome)).toEqual(['succeeded']);
    expect(byAction('restart').map((entry) => entry.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(byAction('remove')).toEqual([
      expect.objectContaining({ outcome: 'succeeded', args: { deadlineMs: 2_000, provisioner: 'command' } }),
    ]);
    expect(byAction('drain')).toEqual([
      expect.objectContaining({ nodeId: 'node-2', parentId: running.id, outcome: 'succeeded' }),
    ]);
  }, 90_000);

  it('reports a failing command with its exit status and error output, and adds nothing', async () => {
    const { path, audit, service, provisioning } = await openFleet('failing', {
      provisioner: {
        kind: 'command',
        add: "echo 'creating {id}'; echo 'quota exceeded for project ws' >&2; exit 3",
        adminUrl: 'ws://127.0.0.1:9/{id}',
      },
    });
    const before = readFileSync(path, 'utf8');
    await expect(provisioning.add({ id: 'edge-1' })).rejects.toThrow(
      /^the add command exited with 3 after \d+\.\d s: quota exceeded for project ws$/,
    );
    expect(service.store.view('edge-1')).toBeNull();
    expect(readFileSync(path, 'utf8')).toBe(before);
    const [entry] = (await audit.read()).entries;
    expect(entry).toMatchObject({
      action: 'add',
      nodeId: 'edge-1',
      outcome: 'failed',
      args: { id: 'edge-1', provisioner: 'command' },
    });
    expect(entry?.message).toContain('quota exceeded');
    // What it cannot do is refused before anything runs.
    await expect(provisioning.remove('node-1', 5_000)).rejects.toThrow(
      'this fleet\'s provisioner has no "remove" command',
    );
    await expect(provisioning.add({ id: 'node-1' })).rejects.toThrow('the fleet already has a node "node-1"');
  });

  it('stops a hung command at the provisioner timeout', async () => {
    const { audit, provisioning } = await openFleet('hung', {
      provisioner: { kind: 'command', add: 'echo waiting for capacity; sleep 300', timeoutMs: 1_000 },
    });
    await expect(provisioning.add({})).rejects.toThrow(
      'the add command did not finish within 1000 ms and was stopped: waiting for capacity',
    );
    expect((await audit.read()).entries[0]).toMatchObject({
      action: 'add',
      nodeId: 'node-2',
      outcome: 'failed',
    });
  });

  it('passes an id with a space or ";" to the command as one word', async () => {
    const marker = join(dir, 'injected');
    const { service, provisioning } = await openFleet('quoting', {
      provisioner: {
        kind: 'command',
        add: `printf '%s' {id} > ./quoted-id; echo '{"admin": "ws://127.0.0.1:9"}'`,
      },
    });
    const hostile = `x y; touch ${marker}`;
    // The API's argument check refuses such an id; the provisioner must be safe without it.
    await provisioning.add({ id: hostile });
    expect(readFileSync(join(dir, 'quoted-id'), 'utf8')).toBe(hostile);
    expect(existsSync(marker)).toBe(false);
    expect(service.store.view(hostile)?.adminUrl).toBe('ws://127.0.0.1:9');
  });

  it('refuses to add with only the read token, and says so', async () => {
    const { provisioning } = await openFleet('read-only', {
      tokens: { read: TEST_TOKENS.read },
      nodes: [{ id: 'node-1', admin: seed.adminUrl, token: TEST_TOKENS.read }],
      provisioner: { kind: 'command', add: 'true', adminUrl: 'ws://127.0.0.1:9' },
    });
    await expect(provisioning.add({})).rejects.toThrow(
      'adding a node needs the operate token: the fleet file gives only the read token (set "tokens.operate")',
    );
    await expect(provisioning.remove('node-1', 5_000)).rejects.toThrow(
      'this fleet\'s provisioner has no "remove" command',
    );
  });
});
