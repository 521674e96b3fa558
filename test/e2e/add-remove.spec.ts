import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import type { WebSocket } from 'ws';
import { type LaunchedFleet, type LocalFleetFile, launchFleet } from '../../fleet/launch.js';
import type { OperationRecord } from '../../main/common/models.js';
import { parseRuntimeApiAddress } from '../../main/core/operations/balancer-config.js';
import { HaproxyRuntime } from '../../main/core/operations/haproxy-runtime.js';
import { auditRecords as readAudit } from '../helpers/audit.js';
import { closeClients } from '../helpers/clients.js';
import { connectAndWelcome } from '../helpers/fleet-balancer.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { stop } from '../helpers/processes.js';
import { isAlive } from '../helpers/redis.js';
import { spawnWebConsole } from './web-console.js';

const USERS = 30;
const DEADLINE_S = 5;

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

const owner = new FleetOwner();
let fleet: LaunchedFleet;
let runtime: HaproxyRuntime;
let dataDir: string;
let consoleUrl = '';

/** Starts `fleetdeck web` over the launcher's fleet file; resolves with its URL. */
async function startConsole(): Promise<string> {
  const { child, url } = await spawnWebConsole(['--fleet', fleet.fleetFile], dataDir);
  owner.defer('the web console', () => stop(child));
  return url;
}

/** The audit file's records merged by id (the last line of each wins). */
const auditRecords = (): OperationRecord[] => readAudit(dataDir);

/** HAProxy's `nodes` backend, server by server: its status text and current sessions. */
async function haproxyServers(): Promise<Map<string, { status: string; sessions: number }>> {
  const servers = await runtime.servers('nodes');
  return new Map(
    servers.map((server) => [server.server, { status: server.status, sessions: server.sessions }]),
  );
}

const launcherFile = () => JSON.parse(readFileSync(fleet.fleetFile, 'utf8')) as LocalFleetFile;
const tableRow = (page: Page, id: string) => page.locator(`.nodes-table tr[data-node-id="${id}"]`);

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-add-remove-e2e-'));
  fleet = owner.own(
    await launchFleet({
      nodes: 3,
      clients: USERS,
      haproxy: 'on',
      redis: 'auto',
      checkIntervalMs: 500,
      name: 'add and remove e2e fleet',
      out: join(dataDir, 'fleet.json'),
      log: () => {},
    }),
    (running) => running.stop(),
    'the launched fleet',
  );
  expect(fleet.balancer.kind).toBe('haproxy');
  expect(fleet.broker.kind).toBe('redis');
  const address = parseRuntimeApiAddress(fleet.balancer.runtimeApi ?? '');
  if (address === null) throw new Error(`no runtime API in ${JSON.stringify(fleet.balancer)}`);
  runtime = owner.own(
    new HaproxyRuntime({ address }),
    (client) => client.dispose(),
    'the runtime API client',
  );
  consoleUrl = await startConsole();
});

test.afterAll(async () => {
  await owner.dispose();
});

test('removes node-3 from its detail view: drained with progress, stopped, gone from HAProxy and the table', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const node3Pid = launcherFile().local.nodes.find((node) => node.id === 'node-3')?.pid ?? 0;
  expect(isAlive(node3Pid)).toBe(true);
  await page.goto(`${consoleUrl}#/nodes/node-3`);
  await expect(page.getByRole('heading', { level: 2, name: 'node-3' })).toBeVisible();
  await expect(page.locator('.node-detail-header .status-label')).toHaveText('active', { timeout: 15_000 });
  // The users are spread over the three nodes, node-3 included.
  await expect
    .poll(async () => (await haproxyServers()).get('node-3')?.sessions ?? 0, { timeout: 20_000 })
    .toBeGreaterThan(0);
  await expect
    .poll(
      async () => Number(await page.locator('[data-chart="connections"] .node-chart-value').textContent()),
      {
        timeout: 10_000,
      },
    )
    .toBeGreaterThan(0);

  // The confirm says what will happen before it happens, by keyboard.
  const removeButton = page.getByRole('button', { name: 'Remove node…' });
  await removeButton.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Remove node-3?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Drain over 30 s: node-3 stops taking new connections');
  await expect(dialog).toContainText(
    'Stop it through the local launcher, which also takes it out of the balancer',
  );
  await expect(dialog).toContainText('Forget it: it leaves this console.');
  await dialog.getByLabel('Deadline (seconds)').fill(String(DEADLINE_S));
  await expect(dialog).toContainText(`Drain over ${DEADLINE_S} s`);
  await page.screenshot({ path: test.info().outputPath('remove-node-confirm.png') });
  const started = Date.now();
  await dialog.getByRole('button', { name: 'Drain, stop and remove node-3' }).click();

  // Progress: the drain's bar and figures, and HAProxy routing around it.
  const progress = page.getByRole('dialog', { name: 'Removing node-3' });
  await expect(progress.getByRole('progressbar', { name: 'Drain progress of node-3' })).toBeVisible({
    timeout: 5_000,
  });
  await expect(progress.locator('[data-step="drain"]')).toHaveAttribute('data-state', 'current');
  await expect
    .poll(async () => (await haproxyServers()).get('node-3')?.status ?? '', {
      timeout: 3_000,
      intervals: [100],
    })
    .toMatch(/^DRAIN/);
  await expect(progress.locator('[data-figure="left"] dd')).not.toHaveText('');
  await page.screenshot({ path: test.info().outputPath('remove-node.png') });

  // The end: drained, stopped, forgotten.
  const done = page.getByRole('dialog', { name: 'node-3 removed' });
  await expect(done).toBeVisible({ timeout: (DEADLINE_S + 30) * 1_000 });
  const removedAfterMs = Date.now() - started;
  await expect(done).toContainText('node-3 was drained, stopped and removed; stopped through the launcher');
  for (const step of ['drain', 'stop', 'forget']) {
    await expect(done.locator(`[data-step="${step}"]`)).toHaveAttribute('data-state', 'done');
  }
  await page.screenshot({ path: test.info().outputPath('remove-node-done.png') });
  expect(isAlive(node3Pid)).toBe(false);
  const servers = await haproxyServers();
  expect([...servers.keys()].sort()).toEqual(['node-1', 'node-2']);
  expect(launcherFile().nodes.map((node) => node.id)).toEqual(['node-1', 'node-2']);
  // Every user came back through HAProxy, to the two nodes left.
  await expect
    .poll(
      async () => [...(await haproxyServers()).values()].reduce((sum, server) => sum + server.sessions, 0),
      { timeout: 10_000 },
    )
    .toBe(USERS);

  // Gone from the table.
  await done.getByRole('link', { name: 'Back to the nodes' }).click();
  await expect(tableRow(page, 'node-1')).toBeVisible();
  await expect(tableRow(page, 'node-2')).toBeVisible();
  await expect(tableRow(page, 'node-3')).toHaveCount(0);

  const records = auditRecords();
  const remove = records.find((record) => record.action === 'remove');
  expect(remove).toMatchObject({
    nodeId: 'node-3',
    outcome: 'succeeded',
    source: 'console',
    args: { deadlineMs: DEADLINE_S * 1_000, provisioner: 'local' },
  });
  expect(records.find((record) => record.action === 'drain')).toMatchObject({
    nodeId: 'node-3',
    outcome: 'succeeded',
    parentId: remove?.id,
  });
  console.log(`remove: node-3 drained, stopped and removed ${removedAfterMs} ms after the confirm`);
});

test('adds a node from the nodes view: it appears, turns active, and new connections land on it', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.goto(`${consoleUrl}#/nodes`);
  await expect(tableRow(page, 'node-1')).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Add node…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a node' });
  await expect(dialog).toContainText('The local launcher starts a new reference node');
  await dialog.getByRole('button', { name: 'Add node' }).click();

  const added = page.getByRole('dialog', { name: 'Added node-4' });
  await expect(added).toContainText('node-4 is active and takes new connections', { timeout: 20_000 });
  await page.screenshot({ path: test.info().outputPath('add-node.png') });
  await added.getByRole('button', { name: 'Done' }).click();
  await expect(added).toHaveCount(0);
  await expect(tableRow(page, 'node-4')).toBeVisible();
  await expect(tableRow(page, 'node-4').locator('.status-label')).toHaveText('active');

  // HAProxy takes it in once its checks pass; then new connections through it land on node-4.
  await expect
    .poll(async () => (await haproxyServers()).get('node-4')?.status ?? '', { timeout: 10_000 })
    .toBe('UP');
  const sockets: WebSocket[] = [];
  try {
    const wsUrl = `${fleet.balancer.url.replace(/^http/, 'ws')}/ws`;
    const welcomes: string[] = [];
    for (let index = 0; index < 12; index++) welcomes.push(await connectAndWelcome(wsUrl, sockets));
    const onNode4 = welcomes.filter((node) => node === 'node-4').length;
    console.log(`add: 12 new connections through HAProxy: ${JSON.stringify(welcomes)}`);
    expect(onNode4).toBeGreaterThan(0);
    // The console sees them too.
    await expect
      .poll(
        async () =>
          Number(await tableRow(page, 'node-4').locator('td[data-column="connections"]').textContent()),
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThanOrEqual(onNode4);
    await page.screenshot({ path: test.info().outputPath('add-node-table.png') });
  } finally {
    await closeClients(sockets);
  }
  expect(launcherFile().nodes.map((node) => node.id)).toEqual(['node-1', 'node-2', 'node-4']);
  expect(auditRecords().find((record) => record.action === 'add')).toMatchObject({
    outcome: 'succeeded',
    source: 'console',
    args: { provisioner: 'local' },
  });
});
