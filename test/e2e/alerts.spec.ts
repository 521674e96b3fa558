/**
 * The Alerts view end to end: real nodes → console core (thresholds from the fleet file) → web
 * mode → the active list, the resolved list, the filter and the thresholds table in Chromium.
 */

import { expect, type Locator, type Page, test } from '@playwright/test';
import type { NodeProcess } from '../helpers/processes.js';
import { startWebConsoleFleet, type WebConsoleFleet } from './web-console.js';

let nodes: NodeProcess[];
let fleet: WebConsoleFleet;

// Every busy or idle node uses more than 0.01 % of a core, so each one raises a CPU warning.
const CPU_THRESHOLD = 0.0001;
const CLOCK = /^\d{2}:\d{2}:\d{2}$/;

test.use({ viewport: { width: 1280, height: 800 } });
test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  fleet = await startWebConsoleFleet(3, 'alerts fleet', { alerts: { cpu: CPU_THRESHOLD } });
  nodes = fleet.nodes;
});

test.afterAll(async () => {
  // Undefined when the fleet failed to start; the failure is reported by beforeAll.
  await fleet?.stop();
});

const activeRegion = (page: Page) => page.getByRole('region', { name: 'Alerts', exact: true });
const resolvedRegion = (page: Page) => page.getByRole('region', { name: 'Recently resolved' });
const activeAlert = (page: Page, kind: string, nodeId: string) =>
  activeRegion(page).locator(`.alert-item[data-alert-kind="${kind}"][data-alert-node="${nodeId}"]`);
const resolvedAlert = (page: Page, kind: string, nodeId: string) =>
  resolvedRegion(page).locator(
    `.resolved-alert-item[data-alert-kind="${kind}"][data-alert-node="${nodeId}"]`,
  );
const navCount = (page: Page) =>
  page
    .getByRole('navigation', { name: 'Views' })
    .getByRole('link', { name: /Alerts/ })
    .locator('.nav-count');

async function openAlerts(page: Page): Promise<void> {
  await page.goto(`${fleet.url}#/alerts`);
  await expect(page.locator('main[data-view="alerts"]')).toBeVisible();
}

/** The nav's count is the number of active alerts listed, and at least `least`. */
async function expectNavCountMatchesList(page: Page, least: number): Promise<void> {
  await expect
    .poll(async () => {
      const listed = await activeRegion(page).locator('.alert-item').count();
      const count = Number.parseInt((await navCount(page).textContent()) ?? '', 10);
      return listed >= least && count === listed;
    })
    .toBe(true);
}

async function epochOf(time: Locator): Promise<number> {
  return Date.parse((await time.getAttribute('datetime')) ?? '');
}

test('a CPU threshold from the fleet file raises warnings and shows in the thresholds table', async ({
  page,
}) => {
  await openAlerts(page);
  const thresholds = page.getByRole('region', { name: 'Thresholds' });
  const cpu = thresholds.locator('[data-threshold="cpu"]');
  await expect(cpu).toContainText('"cpu": 0.0001');
  await expect(cpu).toContainText('0.01 % of a core');
  // The thresholds the file leaves out keep their defaults.
  await expect(thresholds.locator('[data-threshold="loopDelayP99Ms"]')).toContainText(
    '"loopDelayP99Ms": 200',
  );
  await expect(thresholds).toContainText("fleet file's alerts block");

  for (const node of nodes) {
    const warning = activeAlert(page, 'cpu', node.id);
    await expect(warning).toHaveAttribute('data-severity', 'warning', { timeout: 10_000 });
    await expect(warning.locator('.alert-figure')).toContainText('/ 0.01 %');
    await expect(warning.locator('.alert-message')).toContainText(`${node.id} CPU is`);
  }
  await expectNavCountMatchesList(page, 3);
});

test('a killed node is listed as unreachable within 3 s and moves to the resolved list when it returns', async ({
  page,
}) => {
  await openAlerts(page);
  const node = nodes[2] as NodeProcess;
  await expect(activeAlert(page, 'cpu', node.id)).toBeVisible({ timeout: 10_000 });

  const killedAt = Date.now();
  await node.kill();
  const unreachable = activeAlert(page, 'node-unreachable', node.id);
  await expect(unreachable).toBeVisible({ timeout: 3_000 });
  await expect(unreachable).toHaveAttribute('data-severity', 'critical');
  await expect(unreachable.locator('.alert-message')).toContainText(`${node.id} is unreachable`);
  const raised = unreachable.locator('.alert-time time');
  await expect(raised).toHaveText(CLOCK);
  const raisedAt = await epochOf(raised);
  expect(raisedAt).toBeGreaterThanOrEqual(killedAt - 1_000);
  expect(raisedAt).toBeLessThanOrEqual(killedAt + 3_000);
  await expect(unreachable.getByRole('link', { name: node.id })).toHaveAttribute(
    'href',
    `#/nodes/${node.id}`,
  );
  // Critical first: the unreachable node leads the list.
  await expect(activeRegion(page).locator('.alert-item').first()).toHaveAttribute(
    'data-alert-kind',
    'node-unreachable',
  );
  await expectNavCountMatchesList(page, 1);
  // Its CPU alert needs live figures: it resolves while the node is gone.
  await expect(resolvedAlert(page, 'cpu', node.id).first()).toBeVisible({ timeout: 5_000 });

  await node.restart();
  await expect(unreachable).toHaveCount(0, { timeout: 10_000 });
  const resolved = resolvedAlert(page, 'node-unreachable', node.id).first();
  await expect(resolved).toBeVisible({ timeout: 5_000 });
  await expect(resolved.locator('.alert-time time')).toHaveText(CLOCK);
  const resolvedTime = resolved.locator('.alert-resolved-time time');
  await expect(resolvedTime).toHaveText(CLOCK);
  expect(await epochOf(resolvedTime)).toBeGreaterThan(raisedAt);
  await expect(resolved.locator('.alert-duration')).toHaveText(/^\d+(s|m \d+s)$/);

  // Back with live figures, the node raises its CPU warning again: active and resolved side by side.
  await expect(activeAlert(page, 'cpu', node.id)).toBeVisible({ timeout: 10_000 });
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: test.info().outputPath('alerts.png') });
});

test('the filter narrows both lists by severity and kind', async ({ page }) => {
  await openAlerts(page);
  const active = activeRegion(page);
  await expect(active.locator('.alert-item[data-alert-kind="cpu"]')).toHaveCount(3, { timeout: 10_000 });
  await expect(resolvedAlert(page, 'node-unreachable', 'node-3').first()).toBeVisible();

  await page.getByLabel('Severity').selectOption('critical');
  // Only CPU warnings are active: none is critical.
  await expect(active.locator('.alert-item')).toHaveCount(0);
  await expect(active).toContainText(/None of the \d+ active alerts match the filter\./);
  const resolvedRows = resolvedRegion(page).locator('.resolved-alert-item');
  await expect(resolvedRows.first()).toBeVisible();
  for (const severity of await resolvedRows.evaluateAll((rows) => rows.map((row) => row.dataset.severity))) {
    expect(severity).toBe('critical');
  }

  await page.getByLabel('Severity').selectOption('all');
  await page.getByLabel('Kind').selectOption('node-unreachable');
  await expect(active.locator('.alert-item')).toHaveCount(0);
  await expect(resolvedRows.first()).toHaveAttribute('data-alert-kind', 'node-unreachable');
  await page.getByRole('button', { name: 'Clear filter' }).click();
  await expect(active.locator('.alert-item[data-alert-kind="cpu"]')).toHaveCount(3);
  await expectNavCountMatchesList(page, 3);
  await expect(page.getByLabel('Kind')).toHaveValue('all');

  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('.alert-severity').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('alerts-dark.png') });
});
