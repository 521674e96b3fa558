/**
 * The issue's must-show for the rolling drain, on the reference fleet: real Redis, real HAProxy
 * with agent-checks, three node processes started by the launcher, and 150 simulated users
 * (WebSocket and SSE, some publishing) coming in through HAProxy and reconnecting with resume.
 * The roll runs through the console core exactly as the app runs it (the launcher's `local`
 * provisioner restarts each node). It completes with the fleet never below two active nodes and
 * no user disconnected for longer than the drain deadline + 5 s (the users' own ground truth);
 * the same roll aborted midway leaves every node active, in the console and in HAProxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedFleet, launchFleet } from '../../../../fleet/launch.js';
import { startUsers, type Users, type UsersTruth } from '../../../../fleet/users.js';
import type { RollPlan } from '../../../../main/common/models.js';
import { type ConsoleService, createConsoleService } from '../../../../main/core/console-service.js';
import { loadFleetFile } from '../../../../main/core/fleet-file.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import { parseRuntimeApiAddress } from '../../../../main/core/operations/balancer-config.js';
import { HaproxyRuntime } from '../../../../main/core/operations/haproxy-runtime.js';
import { waitFor } from '../../../helpers/wait.js';

const USERS = 150;
const DEADLINE_MS = 5_000;
const IDS = ['node-1', 'node-2', 'node-3'];

let fleet: LaunchedFleet;
let service: ConsoleService;
let runtime: HaproxyRuntime;
let users: Users;
const audit = new AuditLog(null);

beforeAll(async () => {
  fleet = await launchFleet({
    nodes: 3,
    clients: 0,
    haproxy: 'on',
    redis: 'auto',
    checkIntervalMs: 300,
    intervalMs: 250,
    name: 'rolling fleet',
    log: () => {},
  });
  const address = parseRuntimeApiAddress(fleet.balancer.runtimeApi ?? '');
  if (address === null) throw new Error(`no runtime API in ${JSON.stringify(fleet.balancer)}`);
  runtime = new HaproxyRuntime({ address });
  service = createConsoleService({ fleet: await loadFleetFile(fleet.fleetFile), audit, flushMs: 50 });
  await waitFor(
    () => service.store.views().every((view) => view.status === 'active'),
    'three active nodes',
    15_000,
  );
  await haproxyAllUp();
  users = startUsers({
    url: fleet.balancer.url,
    clients: USERS,
    durationMs: 600_000,
    sseShare: 0.3,
    channels: 50,
    publisherShare: 0.1,
    publishEveryMs: 500,
  });
}, 90_000);

afterAll(async () => {
  await users?.stop();
  await service?.dispose();
  runtime?.dispose();
  await fleet?.stop();
}, 30_000);

function connected(truth: UsersTruth): number {
  return truth.connections.websocket + truth.connections.sse;
}

async function haproxyAllUp(timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const servers = await runtime.servers('nodes');
      return IDS.every((id) => servers.find((server) => server.server === id)?.status === 'UP')
        ? servers
        : null;
    },
    'every node UP in HAProxy',
    timeoutMs,
    100,
  );
}

/** Every user connected, by the users' count and by the agents'. */
async function everyoneConnected(timeoutMs: number) {
  await waitFor(
    () => {
      const open = service.store.views().reduce((sum, view) => sum + (view.connections?.open ?? 0), 0);
      return connected(users.truth()) === USERS && open === USERS;
    },
    `${USERS} users connected, by the users and by the agents`,
    timeoutMs,
    100,
  );
}

/** Samples the fleet's active nodes every 100 ms. */
function watchActive() {
  let lowest = Number.POSITIVE_INFINITY;
  const timer = setInterval(() => {
    lowest = Math.min(lowest, service.store.views().filter((view) => view.status === 'active').length);
  }, 100);
  return () => {
    clearInterval(timer);
    return lowest;
  };
}

function channelFigures(truth: UsersTruth) {
  return Object.values(truth.channels).reduce(
    (sum, channel) => ({
      published: sum.published + channel.published,
      received: sum.received + channel.received,
      missing: sum.missing + channel.missing,
      duplicates: sum.duplicates + channel.duplicates,
    }),
    { published: 0, received: 0, missing: 0, duplicates: 0 },
  );
}

describe('a rolling drain of the reference fleet with users', () => {
  it('completes over three nodes, never below two active, no user out longer than the deadline + 5 s', async () => {
    await everyoneConnected(20_000);
    const truthBefore = users.truth();
    const startedBefore = Object.fromEntries(
      service.store.views().map((view) => [view.id, view.identity?.startedAt]),
    );
    const stopWatching = watchActive();
    const plan = await service.operations.rolling.start({
      nodeIds: IDS,
      concurrency: 1,
      deadlineMs: DEADLINE_MS,
    });
    expect(plan.minActive).toBe(2);
    await service.operations.rolling.settled();
    const lowestActive = stopWatching();
    const final = service.operations.rolling.current() as RollPlan;
    // Clients of the last node reconnect within a second or so of its drain; let them land.
    await everyoneConnected(DEADLINE_MS + 5_000);
    const truthAfter = users.truth();
    const figures = channelFigures(truthAfter);
    console.log(
      [
        `roll ${final.state} in ${((final.endedAt ?? 0) - final.startedAt) / 1000} s: ${final.steps
          .map((step) => `${step.nodeId} ${((step.endedAt ?? 0) - (step.startedAt ?? 0)) / 1000} s`)
          .join(', ')}`,
        `  lowest active ${lowestActive}; users: outages ${truthAfter.outages - truthBefore.outages}, longest ${truthAfter.longestOutageMs} ms (limit ${DEADLINE_MS + 5_000}), reconnects ${truthAfter.reconnects - truthBefore.reconnects}`,
        `  channels ${JSON.stringify(figures)}, publish failures ${truthAfter.publishFailures}`,
      ].join('\n'),
    );
    expect(final.state).toBe('done');
    expect(final.steps.map((step) => step.phase)).toEqual(['done', 'done', 'done']);
    expect(lowestActive).toBeGreaterThanOrEqual(2);
    for (const view of service.store.views()) {
      expect(view.status).toBe('active');
      expect(view.identity?.startedAt).not.toBe(startedBefore[view.id]);
    }
    // Every user of every node was moved at least once: the roll really drained them all.
    expect(truthAfter.outages - truthBefore.outages).toBeGreaterThanOrEqual(USERS);
    expect(truthAfter.longestOutageMs).toBeLessThanOrEqual(DEADLINE_MS + 5_000);
    expect(connected(truthAfter)).toBe(USERS);
    // With resume from the broker's history, nobody missed a message.
    expect(figures.missing).toBe(0);
    await haproxyAllUp();
    const entries = (await audit.read()).entries;
    expect(entries.find((entry) => entry.id === plan.id)).toMatchObject({
      action: 'roll',
      outcome: 'succeeded',
    });
    expect(entries.filter((entry) => entry.parentId === plan.id && entry.action === 'restart')).toHaveLength(
      3,
    );
  }, 150_000);

  it('aborted midway: every node ends active, in the console and in HAProxy', async () => {
    await everyoneConnected(20_000);
    const stopWatching = watchActive();
    const plan = await service.operations.rolling.start({ nodeIds: IDS, concurrency: 1, deadlineMs: 20_000 });
    await waitFor(
      () => service.operations.rolling.current()?.steps[1]?.phase === 'draining',
      'node-2 draining',
      60_000,
      50,
    );
    // Let the drain get going: some of node-2's users have moved.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await service.operations.rolling.control(plan.id, 'abort');
    await service.operations.rolling.settled();
    const lowestActive = stopWatching();
    const final = service.operations.rolling.current() as RollPlan;
    expect(final.state).toBe('aborted');
    expect(final.steps.map((step) => step.phase)).toEqual(['done', 'undrained', 'skipped']);
    await waitFor(
      () => service.store.views().every((view) => view.status === 'active'),
      'every node active in the console',
      5_000,
    );
    await haproxyAllUp();
    expect(lowestActive).toBeGreaterThanOrEqual(2);
    await everyoneConnected(10_000);
    console.log(
      `abort: ${final.steps.map((step) => `${step.nodeId} ${step.phase}`).join(', ')}; reason ${final.stopReason}; longest outage so far ${users.truth().longestOutageMs} ms`,
    );
  }, 150_000);
});
