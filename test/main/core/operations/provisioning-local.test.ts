/**
 * The `local` provisioner against the reference fleet's launcher (real node processes behind a
 * real HAProxy): add puts a new node behind HAProxy and the console links to it; restart brings
 * a node back on the same address; remove drains, takes the node out of HAProxy, stops it, and
 * the launcher's fleet file forgets it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedFleet, type LocalFleetFile, launchFleet } from '../../../../fleet/launch.js';
import { type ConsoleService, createConsoleService } from '../../../../main/core/console-service.js';
import { loadFleetFile } from '../../../../main/core/fleet-file.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import { parseRuntimeApiAddress } from '../../../../main/core/operations/balancer-config.js';
import { HaproxyRuntime } from '../../../../main/core/operations/haproxy-runtime.js';
import { isAlive } from '../../../helpers/redis.js';
import { waitFor } from '../../../helpers/wait.js';

let fleet: LaunchedFleet;
let service: ConsoleService;
let runtime: HaproxyRuntime;
const audit = new AuditLog(null);

const launcherFile = () => JSON.parse(readFileSync(fleet.fleetFile, 'utf8')) as LocalFleetFile;
const haproxyServers = async () =>
  new Map((await runtime.servers('nodes')).map((server) => [server.server, server.status]));

beforeAll(async () => {
  fleet = await launchFleet({
    nodes: 2,
    haproxy: 'on',
    redis: 'off',
    checkIntervalMs: 300,
    name: 'local provisioning',
    log: () => {},
  });
  const address = parseRuntimeApiAddress(fleet.balancer.runtimeApi ?? '');
  if (address === null) throw new Error(`no runtime API in ${JSON.stringify(fleet.balancer)}`);
  runtime = new HaproxyRuntime({ address });
  service = createConsoleService({ fleet: await loadFleetFile(fleet.fleetFile), audit });
  await waitFor(
    () => service.store.views().every((view) => view.status === 'active'),
    'node-1 and node-2 active',
    10_000,
  );
}, 60_000);

afterAll(async () => {
  await service?.dispose();
  runtime?.dispose();
  await fleet?.stop();
}, 30_000);

describe('the local provisioner', () => {
  it('adds, restarts and removes nodes through the launcher, HAProxy included', async () => {
    const provisioning = service.operations.provisioning;
    expect(provisioning.info()).toEqual({
      kind: 'local',
      canAdd: true,
      canRemove: true,
      canRestart: true,
      addFields: [],
    });
    await expect(provisioning.add({ id: 'mine' })).rejects.toThrow(
      "the local launcher picks the new node's id, host and port itself: give none",
    );

    const added = await provisioning.add({});
    expect(added).toMatchObject({ action: 'add', nodeId: 'node-3', outcome: 'succeeded' });
    expect(added.message).toMatch(/^added node-3 \(ws:\/\/127\.0\.0\.1:\d+, pid \d+\) through the launcher$/);
    await waitFor(() => service.store.view('node-3')?.status === 'active', 'node-3 active', 10_000);
    await waitFor(
      async () => (await haproxyServers()).get('node-3') === 'UP',
      'node-3 UP in HAProxy',
      10_000,
    );
    expect(launcherFile().nodes.map((node) => node.id)).toEqual(['node-1', 'node-2', 'node-3']);

    const before = service.store.view('node-2');
    const restarted = await provisioning.restart('node-2');
    expect(restarted).toMatchObject({ action: 'restart', nodeId: 'node-2', outcome: 'succeeded' });
    await waitFor(
      () => {
        const view = service.store.view('node-2');
        return view?.status === 'active' && view.identity?.pid !== before?.identity?.pid;
      },
      'node-2 active again as a new process',
      15_000,
    );
    // Same address: the console's link and HAProxy's server found it where it was.
    expect(service.store.view('node-2')?.adminUrl).toBe(before?.adminUrl);
    expect(isAlive(before?.identity?.pid ?? 0)).toBe(false);
    await waitFor(
      async () => (await haproxyServers()).get('node-2') === 'UP',
      'node-2 UP in HAProxy',
      10_000,
    );

    const node3Pid = service.store.view('node-3')?.identity?.pid ?? 0;
    const running = await provisioning.remove('node-3', 2_000);
    expect(running.outcome).toBe('running');
    const removed = await provisioning.finished(running.id);
    expect(removed).toMatchObject({ outcome: 'succeeded', nodeId: 'node-3' });
    expect(removed.message).toBe('node-3 was drained, stopped and removed; stopped through the launcher');
    expect(service.store.view('node-3')).toBeNull();
    expect(isAlive(node3Pid)).toBe(false);
    expect([...(await haproxyServers()).keys()]).toEqual(['node-1', 'node-2']);
    expect(launcherFile().nodes.map((node) => node.id)).toEqual(['node-1', 'node-2']);
    const actions = (await audit.read()).entries.map((entry) => `${entry.action} ${entry.outcome}`);
    expect(actions.sort()).toEqual([
      'add succeeded',
      'drain succeeded',
      'remove succeeded',
      'restart succeeded',
    ]);
  }, 90_000);
});
