import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { type LaunchedFleet, launchFleet } from '../../fleet/launch.js';
import type { OperationRecord } from '../../main/common/models.js';
import { parseRuntimeApiAddress } from '../../main/core/operations/balancer-config.js';
import { HaproxyRuntime } from '../../main/core/operations/haproxy-runtime.js';
import { auditRecords as readAudit } from '../helpers/audit.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { stop } from '../helpers/processes.js';
import { spawnWebConsole } from './web-console.js';

const USERS = 30;
const IDS = ['node-1', 'node-2', 'node-3'];

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

const owner = new FleetOwner();
let fleet: LaunchedFleet;
let runtime: HaproxyRuntime;
let dataDir: string;
let consoleUrl = '';

/** The audit file's records merged by id (the last line of each wins). */
const auditRecords = (): OperationRecord[] => readAudit(dataDir);

async function haproxyStatuses(): Promise<Record<string, string>> {
  const servers = await runtime.servers('nodes');
  return Object.fromEntries(servers.map((server) => [server.server, server.status]));
}

/** Records, in the page, every phase each step row shows, as it changes (sampled every 50 ms). */
async function recordPhases(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    (window as unknown as { rollPhases: typeof seen }).rollPhases = seen;
    setInterval(() => {
      document.querySelectorAll<HTMLElement>('.roll-steps tr[data-node]').forEach((row) => {
        const node = row.dataset.node as string;
        const phase = row.dataset.phase as string;
        const list = seen[node] ?? [];
        seen[node] = list;
        if (list.at(-1) !== phase) list.push(phase);
      });
    }, 50);
  });
}

function phasesSeen(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(() => (window as unknown as { rollPhases: Record<string, string[]> }).rollPhases);
}

const stepRow = (page: Page, id: string) => page.locator(`.roll-steps tr[data-node="${id}"]`);

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-roll-e2e-'));
  fleet = owner.own(
    await launchFleet({
      nodes: 3,
      clients: USERS,
      haproxy: 'on',
      redis: 'auto',
      checkIntervalMs: 500,
      intervalMs: 250,
      name: 'rolling drain e2e fleet',
      out: join(dataDir, 'fleet.json'),
      log: () => {},
    }),
    (running) => running.stop(),
    'the launched fleet',
  );
  const address = parseRuntimeApiAddress(fleet.balancer.runtimeApi ?? '');
  if (address === null) throw new Error(`no runtime API in ${JSON.stringify(fleet.balancer)}`);
  runtime = owner.own(
    new HaproxyRuntime({ address }),
    (client) => client.dispose(),
    'the runtime API client',
  );
  const { child, url } = await spawnWebConsole(['--fleet', fleet.fleetFile], dataDir);
  owner.defer('the web console', () => stop(child));
  consoleUrl = url;
});

test.afterAll(async () => {
  await owner.dispose();
});

test('rolls three nodes from the Rolling drain view: each step pending → draining → restarting → rejoining → done', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto(`${consoleUrl}#/roll`);
  await expect(page.getByRole('heading', { level: 2, name: 'Rolling drain' })).toBeVisible();
  const planner = page.locator('.roll-planner');
  // Every node is chosen by default, once the nodes are active.
  for (const id of IDS) {
    await expect(planner.getByRole('checkbox', { name: new RegExp(`^${id}\\b`) })).toBeChecked({
      timeout: 15_000,
    });
  }
  await planner.getByLabel('Drain deadline per node (seconds)').fill('3');
  await expect(planner.locator('.roll-batches li')).toHaveText(IDS);
  await expect(planner).toContainText(
    'At least 2 of 3 active nodes stay active throughout; 1 node at a time. Each drain has 3 s.',
  );
  await page.screenshot({ path: test.info().outputPath('roll-plan.png') });
  await planner.getByRole('button', { name: 'Start rolling drain…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Roll 3 nodes?' });
  await expect(confirm).toContainText('node-1 → node-2 → node-3');
  await page.screenshot({ path: test.info().outputPath('roll-confirm.png') });
  await expect(confirm).toContainText('Each node is drained over 3 s');
  await expect(confirm).toContainText('restarted by the local provisioner');
  await confirm.getByRole('button', { name: 'Start rolling drain' }).click();

  const progress = page.locator('.roll-progress');
  await expect(progress).toBeVisible();
  await recordPhases(page);
  await expect(progress.locator('.roll-state')).toHaveText('Running');
  await expect(progress.getByRole('progressbar', { name: 'Roll progress' })).toBeVisible();
  await expect(progress.getByRole('button', { name: 'Pause' })).toBeVisible();
  await expect(progress.getByRole('button', { name: 'Abort…' })).toBeVisible();

  // Mid-roll: node-1 done, node-2 on its way.
  await expect(stepRow(page, 'node-1')).toHaveAttribute('data-phase', 'done', { timeout: 40_000 });
  // A step is done only once HAProxy takes the restarted node back in.
  expect((await haproxyStatuses())['node-1']).toBe('UP');
  await expect(stepRow(page, 'node-2')).toHaveAttribute('data-phase', 'draining', { timeout: 10_000 });
  // The agent's drain shows in the step while it runs.
  await expect(stepRow(page, 'node-2').locator('.roll-step-message')).toContainText(
    /Closed \d+ of \d+ connections/,
  );
  await expect(progress.getByRole('progressbar', { name: 'Roll progress' })).toHaveAttribute(
    'aria-valuetext',
    '1 of 3 nodes rolled',
  );
  await page.screenshot({ path: test.info().outputPath('roll.png') });

  await expect(progress.locator('.roll-state')).toHaveText('Done', { timeout: 60_000 });
  await expect(progress.getByRole('progressbar', { name: 'Roll progress' })).toHaveAttribute(
    'aria-valuenow',
    '100',
  );
  await expect(progress.getByRole('progressbar', { name: 'Roll progress' })).toHaveAttribute(
    'aria-valuetext',
    '3 of 3 nodes rolled',
  );
  await page.screenshot({ path: test.info().outputPath('roll-done.png') });
  const seen = await phasesSeen(page);
  console.log(`roll: phases seen in the UI ${JSON.stringify(seen)}`);
  for (const id of IDS) {
    // node-1 may already be draining by the first paint: the roll starts it at once.
    const phases = (seen[id] ?? []).filter((phase, index) => !(index === 0 && phase === 'pending'));
    expect(phases).toEqual(['draining', 'restarting', 'rejoining', 'done']);
  }
  expect(seen['node-3']?.[0]).toBe('pending');
  for (const id of IDS) {
    await expect(stepRow(page, id).locator('.roll-step-message')).toContainText('back, active and healthy');
  }

  const records = auditRecords();
  const roll = records.find((record) => record.action === 'roll');
  expect(roll).toMatchObject({
    outcome: 'succeeded',
    source: 'console',
    args: { nodeIds: IDS, concurrency: 1, deadlineMs: 3_000, minActive: 2 },
  });
  const children = records.filter((record) => record.parentId === roll?.id);
  expect(children.map((record) => `${record.action} ${record.nodeId} ${record.outcome}`).sort()).toEqual([
    'drain node-1 succeeded',
    'drain node-2 succeeded',
    'drain node-3 succeeded',
    'restart node-1 succeeded',
    'restart node-2 succeeded',
    'restart node-3 succeeded',
  ]);
  await expect
    .poll(haproxyStatuses, { timeout: 10_000 })
    .toEqual({ 'node-1': 'UP', 'node-2': 'UP', 'node-3': 'UP' });
});

test('the same roll aborted midway leaves every node active', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`${consoleUrl}#/roll`);
  // The last roll is summarised above a fresh planner.
  await expect(page.locator('.roll-last')).toContainText('Last roll: done');
  const planner = page.locator('.roll-planner');
  for (const id of IDS) {
    await expect(planner.getByRole('checkbox', { name: new RegExp(`^${id}\\b`) })).toBeChecked({
      timeout: 15_000,
    });
  }
  await planner.getByLabel('Drain deadline per node (seconds)').fill('15');
  // By keyboard: Start, then confirm with Enter.
  await planner.getByRole('button', { name: 'Start rolling drain…' }).focus();
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('dialog', { name: 'Roll 3 nodes?' });
  await expect(confirm).toBeVisible();
  await confirm.getByRole('button', { name: 'Start rolling drain' }).focus();
  await page.keyboard.press('Enter');

  const progress = page.locator('.roll-progress');
  await expect(stepRow(page, 'node-2')).toHaveAttribute('data-phase', 'draining', { timeout: 60_000 });
  // Let the drain move some of node-2's users first.
  await page.waitForTimeout(2_000);
  await progress.getByRole('button', { name: 'Abort…' }).focus();
  await page.keyboard.press('Enter');
  const abort = page.getByRole('dialog', { name: 'Abort the rolling drain?' });
  await expect(abort).toContainText('node-2 is undrained and takes new connections again');
  await page.screenshot({ path: test.info().outputPath('roll-abort-confirm.png') });
  await abort.getByRole('button', { name: 'Abort roll' }).click();

  await expect(progress.locator('.roll-state')).toHaveText('Aborted', { timeout: 30_000 });
  await expect(stepRow(page, 'node-1')).toHaveAttribute('data-phase', 'done');
  await expect(stepRow(page, 'node-2')).toHaveAttribute('data-phase', 'undrained');
  await expect(stepRow(page, 'node-3')).toHaveAttribute('data-phase', 'skipped');
  await expect(progress.locator('.roll-reason')).toHaveText('Aborted by the operator.');
  await page.screenshot({ path: test.info().outputPath('roll-aborted.png') });

  // Every node active: in the table and in HAProxy.
  await page.getByRole('link', { name: 'Nodes', exact: true }).click();
  for (const id of IDS) {
    await expect(page.locator(`.nodes-table tr[data-node-id="${id}"] .status-label`)).toHaveText('active', {
      timeout: 10_000,
    });
  }
  await expect
    .poll(haproxyStatuses, { timeout: 10_000 })
    .toEqual({ 'node-1': 'UP', 'node-2': 'UP', 'node-3': 'UP' });

  const records = auditRecords();
  const roll = records
    .filter((record) => record.action === 'roll')
    .sort((a, b) => b.startedAt - a.startedAt)[0];
  expect(roll).toMatchObject({ outcome: 'aborted' });
  const children = records.filter((record) => record.parentId === roll?.id);
  expect(children.find((record) => record.action === 'undrain')).toMatchObject({
    nodeId: 'node-2',
    outcome: 'succeeded',
  });
  expect(children.find((record) => record.action === 'drain' && record.nodeId === 'node-2')?.outcome).toBe(
    'aborted',
  );
});
