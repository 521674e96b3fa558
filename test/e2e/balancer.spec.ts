import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { type LaunchedFleet, launchFleet } from '../../fleet/launch.js';
import type { OperationRecord } from '../../main/common/models.js';
import { auditRecords as readAudit } from '../helpers/audit.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { stop } from '../helpers/processes.js';
import { spawnWebConsole, startWebConsoleFleet, type WebConsoleFleet } from './web-console.js';

const USERS = 30;
const NODE_IDS = ['node-1', 'node-2', 'node-3'] as const;

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

const owner = new FleetOwner();
let fleet: LaunchedFleet;
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

const row = (page: Page, server: string) => page.locator(`.balancer-table tr[data-server="${server}"]`);
const cell = (page: Page, server: string, column: string) =>
  row(page, server).locator(`td[data-column="${column}"]`);
const mismatches = (page: Page) => page.locator('.balancer-mismatches');

/** Each server's HAProxy sessions and its agent's connections, as the table shows them. */
async function sessionsAndConnections(page: Page): Promise<Array<[number, number]>> {
  return Promise.all(
    NODE_IDS.map(async (id) => [
      Number(await cell(page, id, 'sessions').textContent()),
      Number(await cell(page, id, 'agent-connections').textContent()),
    ]),
  ) as Promise<Array<[number, number]>>;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-balancer-e2e-'));
  fleet = owner.own(
    await launchFleet({
      nodes: 3,
      clients: USERS,
      haproxy: 'on',
      redis: 'auto',
      name: 'balancer e2e fleet',
      out: join(dataDir, 'fleet.json'),
      log: () => {},
    }),
    (running) => running.stop(),
    'the launched fleet',
  );
  expect(fleet.balancer.kind).toBe('haproxy');
  expect(fleet.balancer.runtimeApi).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  consoleUrl = await startConsole();
});

test.afterAll(async () => {
  await owner.dispose();
});

test('lists HAProxy’s servers beside the agents, sessions matching connections, no mismatch', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await page.goto(`${consoleUrl}#/balancer`);
  await expect(page.getByRole('heading', { name: 'Balancer', level: 2 })).toBeVisible();
  for (const id of NODE_IDS) {
    await expect(cell(page, id, 'balancer-state')).toHaveText('UP', { timeout: 15_000 });
    await expect(cell(page, id, 'agent-state')).toHaveText('active');
    await expect(row(page, id).getByRole('link', { name: id })).toHaveAttribute('href', `#/nodes/${id}`);
  }
  // The users all came in through HAProxy: its sessions are the agents' connections, node by node.
  await expect
    .poll(
      async () => {
        const figures = await sessionsAndConnections(page);
        const sessions = figures.reduce((sum, [count]) => sum + count, 0);
        return sessions === USERS && figures.every(([count, open]) => count === open && count > 0);
      },
      { timeout: 20_000, message: `${USERS} sessions, each server's equal to its agent's connections` },
    )
    .toBe(true);
  await expect(page.getByText('HAProxy agrees with every agent.')).toBeVisible();
  await expect(mismatches(page)).toHaveCount(0);
  await expect(page.locator('.balancer-summary')).toContainText(
    `HAProxy runtime API at ${fleet.balancer.runtimeApi?.replace('tcp://', '')} · 3 servers`,
  );
  await page.screenshot({ path: test.info().outputPath('balancer.png') });
});

test('sets node-2 to MAINT through the confirm dialog, warns, and sets it ready by keyboard; audited', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await page.goto(`${consoleUrl}#/balancer`);
  await expect(cell(page, 'node-2', 'balancer-state')).toHaveText('UP', { timeout: 15_000 });
  // The current state's button is disabled: node-2 is already ready.
  await expect(page.getByRole('button', { name: 'Set ready node-2 at HAProxy' })).toBeDisabled();

  const maint = page.getByRole('button', { name: 'Maint node-2 at HAProxy' });
  await maint.click();
  const dialog = page.getByRole('dialog', { name: 'Put node-2 into maintenance at HAProxy?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(
    'HAProxy sends no new connections to nodes/node-2 and stops checking it.',
  );
  await expect(dialog).toContainText('Its agent-check is paused');
  // Cancel has the focus: Enter alone changes nothing.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.screenshot({ path: test.info().outputPath('balancer-dialog.png') });
  await dialog.getByRole('button', { name: 'Set maint' }).click();
  await expect(dialog).toBeHidden();
  await expect(maint).toBeFocused();

  await expect(cell(page, 'node-2', 'balancer-state')).toHaveText('MAINT');
  await expect(cell(page, 'node-2', 'agent-state')).toHaveText('active');
  await expect(mismatches(page)).toHaveAttribute('role', 'alert');
  await expect(mismatches(page)).toContainText('HAProxy keeps node-2 out although its agent is active');
  await expect(page.locator('.balancer-done')).toContainText(
    'HAProxy server nodes/node-2 set to maint; its agent-check is paused until it is set ready',
  );
  // Several agent-check intervals later, the agent's `ready` has not taken it back.
  await page.waitForTimeout(2_500);
  await expect(cell(page, 'node-2', 'balancer-state')).toHaveText('MAINT');
  await expect(cell(page, 'node-2', 'checks')).toHaveText('paused');
  await page.screenshot({ path: test.info().outputPath('balancer-maint.png') });

  // Keyboard only: focus the ready button, open, Tab from Cancel to the action, Enter.
  const ready = page.getByRole('button', { name: 'Set ready node-2 at HAProxy' });
  await ready.focus();
  await page.keyboard.press('Enter');
  const readyDialog = page.getByRole('dialog', { name: 'Set node-2 ready at HAProxy?' });
  await expect(readyDialog).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(readyDialog.getByRole('button', { name: 'Set ready' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(readyDialog).toBeHidden();
  await expect(cell(page, 'node-2', 'balancer-state')).toHaveText('UP', { timeout: 5_000 });
  await expect(mismatches(page)).toHaveCount(0);
  await expect(cell(page, 'node-2', 'checks')).toHaveText('L7OK · agent L7OK', { timeout: 5_000 });

  // Escape cancels without a change.
  await page.getByRole('button', { name: 'Drain node-1 at HAProxy' }).click();
  await expect(page.getByRole('dialog', { name: 'Drain node-1 at HAProxy?' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(cell(page, 'node-1', 'balancer-state')).toHaveText('UP');

  const records = auditRecords().filter((record) => record.action === 'balancer-state');
  expect(records.map((record) => [record.nodeId, record.args.state, record.outcome, record.source])).toEqual([
    ['node-2', 'maint', 'succeeded', 'console'],
    ['node-2', 'ready', 'succeeded', 'console'],
  ]);
});

test('the node detail shows the balancer line', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes/node-3`);
  const line = page.locator('.balancer-line');
  await expect(line).toContainText(/^Balancer: UP · \d+ sessions? · weight \d+/, { timeout: 10_000 });
  await expect(line.getByRole('link', { name: 'Balancer view' })).toHaveAttribute('href', '#/balancer');
  await page.screenshot({ path: test.info().outputPath('balancer-node-detail.png') });
});

test('without a balancer runtime API, the view says how to configure one', async ({ page }) => {
  const plain: WebConsoleFleet = await startWebConsoleFleet(1, 'no balancer fleet');
  try {
    await page.goto(`${plain.url}#/balancer`);
    await expect(page.getByText('This fleet file names no HAProxy runtime API')).toBeVisible();
    await expect(page.locator('.balancer-empty pre').first()).toContainText(
      '"runtimeApi": "tcp://127.0.0.1:9999"',
    );
    await expect(page.locator('.balancer-empty')).toContainText(
      'stats socket ipv4@127.0.0.1:9999 level admin',
    );
    await page.screenshot({ path: test.info().outputPath('balancer-empty.png') });
    // No balancer: the node detail has no balancer line.
    await page.goto(`${plain.url}#/nodes/node-1`);
    await expect(page.locator('.identity-panel')).toBeVisible();
    await expect(page.locator('.balancer-line')).toHaveCount(0);
  } finally {
    await plain.stop();
  }
});
