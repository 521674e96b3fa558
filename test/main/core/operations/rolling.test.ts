/**
 * A rolling drain over three real node processes, through the console core: the real drain
 * operations (agent commands, samples) and a real restart (the node's process stopped and
 * started again on its ports, so its agent comes back under a new `startedAt`). The fleet's
 * active nodes are sampled every 100 ms during the run: never fewer than two. The same roll
 * aborted midway leaves every node active, the one being drained undrained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { OperationRecord, ProvisionerInfo, RollPlan } from '../../../../main/common/models.js';
import { type ConsoleService, createConsoleService } from '../../../../main/core/console-service.js';
import { type FleetConfig, parseFleetFile } from '../../../../main/core/fleet-file.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import type { OperationsContext } from '../../../../main/core/operations/context.js';
import {
  createRolling,
  type Rolling,
  type RollProvisioning,
} from '../../../../main/core/operations/rolling.js';
import { closeClients, openClients } from '../../../helpers/clients.js';
import { fleetFileFor, NodeProcess } from '../../../helpers/processes.js';
import { waitFor } from '../../../helpers/wait.js';

const CLIENTS_PER_NODE = 20;

let nodes: NodeProcess[];
let fleet: FleetConfig;
let service: ConsoleService;
let rolling: Rolling;
let sockets: WebSocket[] = [];
const audit = new AuditLog(null);

/** The rolling module's view of the service, as createOperations wires it. */
function contextOf(target: ConsoleService): OperationsContext {
  return {
    fleet,
    store: target.store,
    audit,
    source: 'console',
    view: (id) => target.store.view(id),
    views: () => target.store.views(),
    command: () => Promise.reject(new Error('the roll sends no command itself')),
    addNode: (node) => target.addNode(node),
    removeNode: (id) => target.removeNode(id),
    subscribe: (listener) => target.subscribe(listener),
  };
}

/** A provisioner whose restart stops the node's process and starts it again on its ports. */
const processRestarter: RollProvisioning = {
  info: (): ProvisionerInfo => ({
    kind: 'command',
    canAdd: false,
    canRemove: false,
    canRestart: true,
    addFields: [],
  }),
  restart: async (nodeId, parentId) => {
    const node = nodes.find((candidate) => candidate.id === nodeId);
    if (!node) throw new Error(`no process for ${nodeId}`);
    const handle = await audit.start({
      action: 'restart',
      nodeId,
      args: {},
      source: 'console',
      fleet: fleet.name,
      parentId: parentId ?? null,
    });
    await node.stop();
    await node.restart();
    return handle.finish('succeeded', `restarted ${nodeId} (pid ${node.child?.pid})`);
  },
};

beforeAll(async () => {
  nodes = await Promise.all(['node-1', 'node-2', 'node-3'].map((id) => NodeProcess.start(id)));
  fleet = parseFleetFile(fleetFileFor(nodes, 'rolling test'), 'test');
  service = createConsoleService({ fleet, flushMs: 50, audit });
  rolling = createRolling(contextOf(service), service.operations.drain, processRestarter, null, {
    pollMs: 100,
  });
  await waitFor(
    () => service.store.views().every((view) => view.status === 'active'),
    'three active nodes',
    15_000,
  );
}, 60_000);

afterAll(async () => {
  rolling?.dispose();
  await closeClients(sockets);
  await service?.dispose();
  await Promise.all((nodes ?? []).map((node) => node.stop()));
}, 30_000);

/** Opens clients on every node and waits until the console counts them. */
async function connectClients(): Promise<void> {
  for (const node of nodes) sockets.push(...(await openClients(node.url, CLIENTS_PER_NODE)));
  await waitFor(
    () => service.store.views().every((view) => view.connections?.open === CLIENTS_PER_NODE),
    `${CLIENTS_PER_NODE} clients on every node`,
    10_000,
  );
}

/** Samples the active nodes and each step's phase every 100 ms until stopped. */
function watch() {
  let lowestActive = Number.POSITIVE_INFINITY;
  const phases: string[] = [];
  const timer = setInterval(() => {
    const active = service.store.views().filter((view) => view.status === 'active').length;
    lowestActive = Math.min(lowestActive, active);
    for (const step of rolling.current()?.steps ?? []) {
      const entry = `${step.nodeId} ${step.phase}`;
      if (!phases.includes(entry)) phases.push(entry);
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return { lowestActive, phases };
    },
  };
}

function startedAts(): Record<string, number | undefined> {
  return Object.fromEntries(service.store.views().map((view) => [view.id, view.identity?.startedAt]));
}

async function children(rollId: string): Promise<OperationRecord[]> {
  return (await audit.read()).entries.filter((entry) => entry.parentId === rollId);
}

describe('a rolling drain over real nodes', () => {
  it('rolls three nodes one at a time, never below two active, each back under a new run', async () => {
    await connectClients();
    const before = startedAts();
    const watcher = watch();
    const plan = await rolling.start({
      nodeIds: ['node-1', 'node-2', 'node-3'],
      concurrency: 1,
      deadlineMs: 2_000,
    });
    expect(plan.minActive).toBe(2);
    await rolling.settled();
    const { lowestActive, phases } = watcher.stop();
    const final = rolling.current() as RollPlan;
    const durations = final.steps.map(
      (step) => `${step.nodeId} ${((step.endedAt ?? 0) - (step.startedAt ?? 0)) / 1000} s`,
    );
    console.log(
      `roll: ${final.state} in ${((final.endedAt ?? 0) - final.startedAt) / 1000} s; steps ${durations.join(', ')}; lowest active ${lowestActive}; phases seen ${phases.join(' | ')}`,
    );
    expect(final.state).toBe('done');
    expect(final.steps.map((step) => step.phase)).toEqual(['done', 'done', 'done']);
    expect(lowestActive).toBe(2);
    // Each node went through every phase, in order.
    for (const id of ['node-1', 'node-2', 'node-3']) {
      const seen = phases
        .filter((entry) => entry.startsWith(`${id} `))
        .map((entry) => entry.split(' ')[1])
        .filter((phase) => phase !== 'pending');
      expect(seen).toEqual(['draining', 'restarting', 'rejoining', 'done']);
    }
    const after = startedAts();
    for (const id of ['node-1', 'node-2', 'node-3']) expect(after[id]).not.toBe(before[id]);
    expect(service.store.views().every((view) => view.status === 'active')).toBe(true);
    // The clients were moved off by the drains (code 1012), none were left open.
    expect(sockets.every((socket) => socket.readyState === socket.CLOSED)).toBe(true);
    const roll = (await audit.read()).entries.find((entry) => entry.id === plan.id);
    expect(roll).toMatchObject({ action: 'roll', outcome: 'succeeded' });
    const steps = await children(plan.id);
    expect(steps.map((entry) => `${entry.action} ${entry.nodeId} ${entry.outcome}`).sort()).toEqual([
      'drain node-1 succeeded',
      'drain node-2 succeeded',
      'drain node-3 succeeded',
      'restart node-1 succeeded',
      'restart node-2 succeeded',
      'restart node-3 succeeded',
    ]);
  }, 90_000);

  it('aborted midway: the node being drained is undrained and every node ends active', async () => {
    await closeClients(sockets);
    sockets = [];
    await connectClients();
    const before = startedAts();
    const watcher = watch();
    // A long deadline: node-2 is still draining when the abort comes.
    const plan = await rolling.start({
      nodeIds: ['node-1', 'node-2', 'node-3'],
      concurrency: 1,
      deadlineMs: 20_000,
    });
    await waitFor(
      () =>
        service.store.view('node-2')?.status === 'draining' &&
        (service.store.view('node-2')?.connections?.open ?? 0) > 0,
      'node-2 draining with clients left',
      60_000,
      50,
    );
    const aborting = await rolling.control(plan.id, 'abort');
    expect(aborting.state).toBe('aborting');
    await rolling.settled();
    const { lowestActive } = watcher.stop();
    const final = rolling.current() as RollPlan;
    expect(final.state).toBe('aborted');
    expect(final.steps.map((step) => step.phase)).toEqual(['done', 'undrained', 'skipped']);
    await waitFor(
      () => service.store.views().every((view) => view.status === 'active'),
      'every node active after the abort',
      5_000,
    );
    const after = startedAts();
    expect(after['node-1']).not.toBe(before['node-1']);
    // Undrained, not restarted; node-3 was never touched.
    expect(after['node-2']).toBe(before['node-2']);
    expect(after['node-3']).toBe(before['node-3']);
    expect(service.store.view('node-2')?.connections?.open).toBeGreaterThan(0);
    expect(service.store.view('node-3')?.connections?.open).toBe(CLIENTS_PER_NODE);
    expect(lowestActive).toBe(2);
    const roll = (await audit.read()).entries.find((entry) => entry.id === plan.id);
    expect(roll).toMatchObject({ outcome: 'aborted' });
    const steps = await children(plan.id);
    expect(steps.some((entry) => entry.action === 'undrain' && entry.nodeId === 'node-2')).toBe(true);
    expect(steps.find((entry) => entry.action === 'drain' && entry.nodeId === 'node-2')?.outcome).toBe(
      'aborted',
    );
  }, 90_000);
});
