/**
 * The live fleet health overview end to end: real nodes → console core → web mode → the
 * overview's totals, alerts, node map and charts in Debian's Chromium.
 */

import { expect, type Page, test } from '@playwright/test';
import type { WebSocket } from 'ws';
import { closeClients, openClients } from '../helpers/clients.js';
import type { NodeProcess } from '../helpers/processes.js';
import { startWebConsoleFleet, type WebConsoleFleet } from './web-console.js';

let nodes: NodeProcess[];
let fleet: WebConsoleFleet;
let consoleUrl: string;

test.use({ viewport: { width: 1280, height: 800 } });

test.beforeAll(async () => {
  fleet = await startWebConsoleFleet(3, 'overview fleet');
  nodes = fleet.nodes;
  consoleUrl = fleet.url;
});

test.afterAll(async () => {
  await fleet.stop();
});

const total = (page: Page, name: string) => page.locator(`[data-total="${name}"] .tile-value`);
const mapCell = (page: Page, nodeId: string) => page.locator(`[data-node-cell="${nodeId}"]`);
const nodeUrl = (index: number) => nodes[index]?.url as string;

test('the Connections tile reads the sum over the nodes within 3 s', async ({ page }) => {
  await page.goto(consoleUrl);
  await expect(total(page, 'connections')).toHaveText('0', { timeout: 5_000 });
  await expect(page.getByRole('region', { name: 'Alerts' })).toContainText('No alerts');
  let sockets: WebSocket[] = [];
  try {
    const opened = await Promise.all([
      openClients(nodeUrl(0), 7),
      openClients(nodeUrl(1), 5),
      openClients(nodeUrl(2), 3),
    ]);
    sockets = opened.flat();
    await expect(total(page, 'connections')).toHaveText('15', { timeout: 3_000 });
    await expect(page.locator('[data-total="nodes"]')).toContainText('3 active');
    await expect(mapCell(page, 'node-1')).toHaveAttribute('data-status', 'active');
    // Let a few history points arrive so the charts have lines to draw.
    await expect
      .poll(() => page.locator('[data-chart="connections"] .recharts-line-curve').count(), { timeout: 5_000 })
      .toBeGreaterThan(0);
    await page.waitForTimeout(2_000);
    await page.screenshot({ path: test.info().outputPath('overview-top.png') });
    await page.screenshot({ path: test.info().outputPath('overview-full.png'), fullPage: true });
    // The tile agrees with the table: the same figures, summed by the core.
    await page.getByRole('link', { name: 'Nodes' }).click();
    const connections = page.locator('tr[data-node-id] [data-column="connections"]');
    await expect(connections).toHaveText(['7', '5', '3']);
  } finally {
    await closeClients(sockets);
  }
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(total(page, 'connections')).toHaveText('0', { timeout: 3_000 });
});

test('the brush zooms the charts by keyboard', async ({ page }) => {
  await page.goto(consoleUrl);
  const chart = page.locator('[data-chart="connections"]');
  await expect(chart).toHaveAttribute('aria-label', /Connections/);
  // The brush needs a few points to have somewhere to move.
  await page.waitForTimeout(4_000);
  const traveller = chart.locator('.recharts-brush-traveller').first();
  await expect(traveller).toBeVisible();
  const before = Number(await traveller.getAttribute('aria-valuenow'));
  await traveller.focus();
  for (let step = 0; step < 2; step += 1) await page.keyboard.press('ArrowRight');
  await expect
    .poll(async () => Number(await traveller.getAttribute('aria-valuenow')))
    .toBeGreaterThan(before);
  // One zoom for every chart: the bandwidth chart's brush moved too.
  const other = page.locator('[data-chart="bandwidth"] .recharts-brush-traveller').first();
  await expect.poll(async () => Number(await other.getAttribute('aria-valuenow'))).toBeGreaterThan(before);
  await page.screenshot({ path: test.info().outputPath('overview-zoomed.png') });
});

test('a killed node raises an unreachable alert and turns its map cell within 3 s', async ({ page }) => {
  await page.goto(consoleUrl);
  await expect(mapCell(page, 'node-3')).toHaveAttribute('data-status', 'active');
  await nodes[2]?.kill();
  const alerts = page.getByRole('region', { name: 'Alerts' });
  const alert = alerts.locator('[data-alert-kind="node-unreachable"][data-alert-node="node-3"]');
  await expect(alert).toBeVisible({ timeout: 3_000 });
  await expect(alert).toContainText('node-3 is unreachable');
  await expect(alert).toContainText('critical');
  await expect(mapCell(page, 'node-3')).toHaveAttribute('data-status', 'unreachable', { timeout: 3_000 });
  await page.screenshot({ path: test.info().outputPath('overview-unreachable.png') });

  await nodes[2]?.restart();
  await expect(mapCell(page, 'node-3')).toHaveAttribute('data-status', 'active', { timeout: 10_000 });
  await expect(alert).toHaveCount(0, { timeout: 5_000 });
});

test('the page stays readable in the light and dark schemes', async ({ page }) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto(consoleUrl);
    await expect(page.getByRole('region', { name: 'Node map' })).toBeVisible();
    await page.waitForTimeout(2_000);
    await page.screenshot({ path: test.info().outputPath(`overview-${colorScheme}.png`), fullPage: true });
  }
});

test('the node map is one tab stop: arrows move, hover and focus show figures, Enter and click open a node', async ({
  page,
}) => {
  await page.goto(consoleUrl);
  await expect(mapCell(page, 'node-3')).toHaveAttribute('data-status', 'active');
  // One tab stop for the whole map: only the first cell is in the tab order.
  await expect(page.locator('[data-node-cell][tabindex="0"]')).toHaveCount(1);
  await expect(mapCell(page, 'node-1')).toHaveAttribute('tabindex', '0');

  await mapCell(page, 'node-1').focus();
  const readout = page.getByRole('tooltip');
  await expect(readout).toHaveAttribute('data-readout', 'node-1');
  await expect(readout).toContainText('Connections');
  await page.keyboard.press('ArrowRight');
  await expect(mapCell(page, 'node-2')).toBeFocused();
  await expect(readout).toHaveAttribute('data-readout', 'node-2');
  // The tab stop follows the focus, so Tab away and back returns to node-2.
  await expect(mapCell(page, 'node-2')).toHaveAttribute('tabindex', '0');
  await expect(mapCell(page, 'node-1')).toHaveAttribute('tabindex', '-1');
  await page.keyboard.press('End');
  await expect(mapCell(page, 'node-3')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(mapCell(page, 'node-3')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(mapCell(page, 'node-1')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/nodes\/node-2$/);
  await expect(page.locator('main[data-view="node"]')).toBeVisible();

  await page.goBack();
  await expect(mapCell(page, 'node-3')).toBeVisible();
  await mapCell(page, 'node-3').hover();
  await expect(readout).toHaveAttribute('data-readout', 'node-3');
  await expect(readout).toContainText('node-3');
  await page.screenshot({ path: test.info().outputPath('node-map-readout.png') });
  await mapCell(page, 'node-3').click();
  await expect(page).toHaveURL(/#\/nodes\/node-3$/);
});

test('a node with an active alert carries a marker in the node map until the alert clears', async ({
  page,
}) => {
  await page.goto(consoleUrl);
  const cell = mapCell(page, 'node-2');
  await expect(cell).toHaveAttribute('data-status', 'active');
  await expect(cell).not.toHaveAttribute('data-alert');
  await nodes[1]?.kill();
  try {
    await expect(cell).toHaveAttribute('data-alert', 'critical', { timeout: 5_000 });
    await expect(cell).toHaveAccessibleName(/node-2: unreachable; 1 critical alert: .*node-2 is unreachable/);
    // The marker is drawn (a dot on the cell's corner), not only an attribute.
    const marker = await cell.evaluate((element) => {
      const style = getComputedStyle(element, '::after');
      return { content: style.content, width: style.width };
    });
    expect(marker.content).not.toBe('none');
    expect(marker.width).toBe('7px');
    await expect(mapCell(page, 'node-1')).not.toHaveAttribute('data-alert');
    await expect(page.locator('[data-node-map-count]')).toContainText('1 with alerts');
    await cell.hover();
    await expect(page.getByRole('tooltip')).toContainText('node-2 is unreachable');
    await page.screenshot({ path: test.info().outputPath('node-map-alert.png') });
  } finally {
    await nodes[1]?.restart();
  }
  await expect(cell).toHaveAttribute('data-status', 'active', { timeout: 10_000 });
  await expect(cell).not.toHaveAttribute('data-alert', { timeout: 5_000 });
});
