/**
 * The foundation's path end to end: real ws clients → reference node with the agent →
 * console core → web mode → React table in Debian's Chromium.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import type { WebSocket } from 'ws';
import { closeClients, openClients } from '../helpers/clients.js';
import { firstLine, fleetFileFor, freePort, type NodeProcess, runTs, stop } from '../helpers/processes.js';
import { startWebConsoleFleet, type WebConsoleFleet } from './web-console.js';

let nodes: NodeProcess[];
let fleet: WebConsoleFleet;
let consoleUrl: string;

test.beforeAll(async () => {
  // Three nodes: enough to tell a sort from its reverse and a filter from none.
  fleet = await startWebConsoleFleet(3, 'e2e fleet');
  nodes = fleet.nodes;
  consoleUrl = fleet.url;
});

test.afterAll(async () => {
  await fleet.stop();
});

const cell = (page: Page, nodeId: string, column: string) =>
  page.locator(`tr[data-node-id="${nodeId}"] [data-column="${column}"]`);
const stateOf = (page: Page, nodeId: string) => cell(page, nodeId, 'state').locator('.status-label');
const rowIds = (page: Page) =>
  page
    .locator('tbody tr[data-node-id]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-node-id')));

/** Opens 4, 1 and 2 clients on node-1, node-2 and node-3 and waits until the table shows them. */
async function distinctLoads(page: Page): Promise<WebSocket[]> {
  const counts = [4, 1, 2];
  const sockets = (
    await Promise.all(counts.map((count, index) => openClients(nodes[index]?.url as string, count)))
  ).flat();
  for (const [index, count] of counts.entries()) {
    await expect(cell(page, `node-${index + 1}`, 'connections')).toHaveText(String(count), {
      timeout: 5_000,
    });
  }
  return sockets;
}

test('the table is accessible and lists every node live', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes`);
  const table = page.getByRole('table', { name: 'Nodes' });
  for (const name of ['Node', 'State', 'Connections', 'Bandwidth in', 'Bandwidth out', 'Messages/s']) {
    await expect(table.getByRole('columnheader', { name, exact: true })).toBeVisible();
  }
  await expect(table.getByRole('rowheader', { name: 'node-1', exact: true })).toBeVisible();
  await expect(stateOf(page, 'node-1')).toHaveText('active');
  await expect(stateOf(page, 'node-2')).toHaveText('active');
  await expect(page.getByRole('heading', { name: 'e2e fleet' })).toBeVisible();
});

test('25 clients on one node read exactly 25 within 3 s, then 0 within 3 s after they close', async ({
  page,
}) => {
  await page.goto(`${consoleUrl}#/nodes`);
  await expect(cell(page, 'node-1', 'connections')).toHaveText('0');
  let sockets: WebSocket[] = [];
  try {
    sockets = await openClients(nodes[0]?.url as string, 25);
    await expect(cell(page, 'node-1', 'connections')).toHaveText('25', { timeout: 3_000 });
    await expect(cell(page, 'node-2', 'connections')).toHaveText('0');
    await page.screenshot({ path: test.info().outputPath('25-connections.png') });
  } finally {
    await closeClients(sockets);
  }
  await expect(cell(page, 'node-1', 'connections')).toHaveText('0', { timeout: 3_000 });
});

test('a killed node turns unreachable within 3 s and comes back active with fresh numbers', async ({
  page,
}) => {
  await page.goto(`${consoleUrl}#/nodes`);
  await expect(stateOf(page, 'node-2')).toHaveText('active');
  await nodes[1]?.kill();
  await expect(stateOf(page, 'node-2')).toHaveText('unreachable', { timeout: 3_000 });
  await expect(cell(page, 'node-2', 'connections')).toHaveText('—');
  await page.screenshot({ path: test.info().outputPath('unreachable.png') });

  await nodes[1]?.restart();
  await expect(stateOf(page, 'node-2')).toHaveText('active', { timeout: 10_000 });
  const sockets = await openClients(nodes[1]?.url as string, 3);
  try {
    await expect(cell(page, 'node-2', 'connections')).toHaveText('3', { timeout: 3_000 });
  } finally {
    await closeClients(sockets);
  }
});

test('a wrong session token is refused with a readable message', async ({ page }) => {
  await page.goto(consoleUrl.replace(/token=[^&]+/, 'token=wrong'));
  await expect(page.getByRole('status')).toContainText('refused the session token');
  await expect(page.getByRole('table', { name: 'Nodes' })).toHaveCount(0);
});

test('every column has a header; with three nodes every row renders, each exactly one row high', async ({
  page,
}) => {
  await page.goto(`${consoleUrl}#/nodes`);
  const table = page.getByRole('table', { name: 'Nodes' });
  for (const name of ['Loop p99', 'CPU', 'Memory', 'Version', 'Uptime']) {
    await expect(table.getByRole('columnheader', { name, exact: true })).toBeVisible();
  }
  await expect(page.locator('tbody tr[data-node-id]')).toHaveCount(3);
  await expect(table).toHaveAttribute('aria-rowcount', '4');
  await expect(cell(page, 'node-1', 'uptime')).toHaveText(/^\d+(s|m \d+s)$/);
  await expect(cell(page, 'node-1', 'memory')).toHaveText(/ MB$/);
  await expect(cell(page, 'node-1', 'version')).not.toHaveText('—');
  // Windowing is exact only if every row has the fixed height the math assumes.
  const heights = await page
    .locator('tbody tr[data-node-id]')
    .evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().height));
  expect(heights).toEqual([34, 34, 34]);
  // Uptime ticks while the view is open.
  const before = await cell(page, 'node-1', 'uptime').textContent();
  await expect(cell(page, 'node-1', 'uptime')).not.toHaveText(before as string, { timeout: 3_000 });
});

test('a header button sorts by connections, descending then ascending, and aria-sort says so', async ({
  page,
}) => {
  await page.goto(`${consoleUrl}#/nodes`);
  const sockets = await distinctLoads(page);
  try {
    const header = page.getByRole('columnheader', { name: 'Connections', exact: true });
    await expect(header).not.toHaveAttribute('aria-sort');
    await expect(page.getByRole('columnheader', { name: 'Node', exact: true })).toHaveAttribute(
      'aria-sort',
      'ascending',
    );
    await header.getByRole('button').click();
    await expect(header).toHaveAttribute('aria-sort', 'descending');
    await expect.poll(() => rowIds(page)).toEqual(['node-1', 'node-3', 'node-2']);
    await header.getByRole('button').click();
    await expect(header).toHaveAttribute('aria-sort', 'ascending');
    await expect.poll(() => rowIds(page)).toEqual(['node-2', 'node-3', 'node-1']);
    await expect(page.getByRole('columnheader', { name: 'Node', exact: true })).not.toHaveAttribute(
      'aria-sort',
    );
  } finally {
    await closeClients(sockets);
  }
});

test('the filter box narrows the rows, explains a bad term, keeps its last filter and clears', async ({
  page,
}) => {
  await page.goto(`${consoleUrl}#/nodes`);
  const sockets = await distinctLoads(page);
  try {
    const filter = page.getByLabel('Filter nodes');
    const count = page.locator('.nodes-count');
    const message = page.locator('.nodes-filter-message');
    await filter.fill('connections>1');
    await expect.poll(() => rowIds(page)).toEqual(['node-1', 'node-3']);
    await expect(count).toHaveText('2 of 3 nodes');

    await filter.fill('node-2');
    await expect.poll(() => rowIds(page)).toEqual(['node-2']);
    await expect(count).toHaveText('1 of 3 nodes');

    await filter.fill('bogus>1');
    await expect(message).toHaveRole('status');
    await expect(message).toContainText('Unknown column “bogus” in “bogus>1”');
    await expect(filter).toHaveAttribute('aria-invalid', 'true');
    // The table keeps the last filter that made sense.
    await expect.poll(() => rowIds(page)).toEqual(['node-2']);

    await filter.fill('connections>100');
    await expect(message).toBeEmpty();
    await expect(page.locator('tbody tr[data-node-id]')).toHaveCount(0);
    await expect(page.getByText('No node matches “connections>100”.')).toBeVisible();
    await page.getByRole('button', { name: 'Clear filter' }).click();
    await expect(filter).toHaveValue('');
    await expect.poll(() => rowIds(page)).toEqual(['node-1', 'node-2', 'node-3']);
    await expect(count).toHaveText('3 nodes');

    // A click on a row opens its detail; coming back finds the table as it was left.
    await filter.fill('state:active -node-1');
    await page.getByRole('columnheader', { name: 'Connections', exact: true }).getByRole('button').click();
    await expect.poll(() => rowIds(page)).toEqual(['node-3', 'node-2']);
    await cell(page, 'node-2', 'memory').click();
    await expect(page).toHaveURL(/#\/nodes\/node-2$/);
    await page.goBack();
    await expect(filter).toHaveValue('state:active -node-1');
    await expect.poll(() => rowIds(page)).toEqual(['node-3', 'node-2']);
    await filter.fill('');
    await expect(page.locator('tbody tr[data-node-id]')).toHaveCount(3);
  } finally {
    await closeClients(sockets);
  }
});

test('the table body is one tab stop; arrows move, Enter opens the focused node', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes`);
  await expect(page.locator('tbody tr[data-node-id]')).toHaveCount(3);
  const tabStops = page.locator('tbody tr[tabindex="0"]');
  await expect(tabStops).toHaveCount(1);
  await expect(tabStops).toHaveAttribute('data-node-id', 'node-1');
  await expect(page.locator('tbody a[href="#/nodes/node-1"]')).toHaveAttribute('tabindex', '-1');

  // Tab from the last header button lands on the body's one stop.
  await page.getByRole('columnheader', { name: 'Uptime', exact: true }).getByRole('button').focus();
  await page.keyboard.press('Tab');
  await expect(page.locator('tr[data-node-id="node-1"]')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('tr[data-node-id="node-3"]')).toBeFocused();
  await expect(page.locator('tr[data-node-id="node-3"]')).toHaveAttribute('tabindex', '0');
  await page.screenshot({ path: test.info().outputPath('nodes-table-focus.png') });
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('tr[data-node-id="node-3"]')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.locator('tr[data-node-id="node-1"]')).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.locator('tr[data-node-id="node-3"]')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/nodes\/node-3$/);
  await expect(page.getByRole('heading', { level: 2 }).filter({ hasText: 'node-3' })).toBeVisible();

  await page.goBack();
  await expect(page.locator('tbody tr[tabindex="0"]')).toHaveAttribute('data-node-id', 'node-3');
});

test('screenshot: sorted and filtered at 1280×800', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes`);
  const sockets = await distinctLoads(page);
  try {
    await page.getByLabel('Filter nodes').fill('connections>=2');
    await page.getByRole('columnheader', { name: 'Connections', exact: true }).getByRole('button').click();
    await expect.poll(() => rowIds(page)).toEqual(['node-1', 'node-3']);
    // Sparklines come from the console's history, one point a second.
    await expect(cell(page, 'node-1', 'sparkline').locator('svg path')).toHaveAttribute('d', /L/, {
      timeout: 10_000,
    });
    // Nothing spills out of the window sideways.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await page.screenshot({ path: test.info().outputPath('nodes-table.png') });
  } finally {
    await closeClients(sockets);
  }
});

test('a thousand nodes: only a screenful of rows is in the page, End and PageUp reach any of them', async ({
  page,
}) => {
  // The three real nodes and 997 entries whose admin port nobody listens on: real rows, unreachable.
  const closedPort = await freePort();
  const fleetFile = fleetFileFor(nodes, 'large fleet');
  const unreachable = Array.from({ length: 997 }, (_, index) => ({
    id: `node-${index + 4}`,
    admin: `ws://127.0.0.1:${closedPort}/admin`,
  }));
  const path = join(mkdtempSync(join(tmpdir(), 'fleetdeck-e2e-')), 'fleet.json');
  writeFileSync(path, JSON.stringify({ ...fleetFile, nodes: [...fleetFile.nodes, ...unreachable] }));
  const consoleProcess = runTs('main/cli/fleetdeck.ts', ['web', '--fleet', path]);
  try {
    const url = await firstLine(
      consoleProcess,
      (line) => /^Fleetdeck console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(line)?.[1] ?? null,
    );
    await page.goto(`${url}#/nodes`);
    const table = page.getByRole('table', { name: 'Nodes' });
    const rendered = page.locator('tbody tr[data-node-id]');
    await expect(stateOf(page, 'node-1')).toHaveText('active', { timeout: 10_000 });
    await expect(page.locator('.nodes-count')).toHaveText('1,000 nodes');
    await expect(table).toHaveAttribute('aria-rowcount', '1001');
    await expect(stateOf(page, 'node-4')).toHaveText('unreachable', { timeout: 10_000 });
    expect(await rendered.count()).toBeLessThanOrEqual(60);
    // The spacer rows give the scrollbar the whole table's height.
    const scrollHeight = await page.locator('.nodes-table-scroll').evaluate((box) => box.scrollHeight);
    expect(scrollHeight).toBeGreaterThanOrEqual(1000 * 34);
    await page.screenshot({ path: test.info().outputPath('nodes-table-1000.png') });

    await page.locator('tr[data-node-id="node-1"]').focus();
    await page.keyboard.press('End');
    const last = page.locator('tr[data-node-id="node-1000"]');
    await expect(last).toBeFocused();
    await expect(last).toBeInViewport({ ratio: 1 });
    await expect(last).toHaveAttribute('aria-rowindex', '1001');
    await expect(page.locator('tr[data-node-id="node-1"]')).toHaveCount(0);
    expect(await rendered.count()).toBeLessThanOrEqual(60);

    await page.keyboard.press('PageUp');
    const focused = page.locator('tbody tr:focus');
    await expect(focused).toBeInViewport({ ratio: 1 });
    // A page up puts the row at the top: below the sticky header, not under it.
    const rowTop = await focused.evaluate((row) => row.getBoundingClientRect().top);
    const headBottom = await table.locator('thead').evaluate((head) => head.getBoundingClientRect().bottom);
    expect(rowTop).toBeGreaterThanOrEqual(headBottom - 0.5);
    const rowIndex = Number(await focused.getAttribute('aria-rowindex'));
    expect(rowIndex).toBeGreaterThan(1001 - 30);
    expect(rowIndex).toBeLessThan(1001 - 5);

    // Scrolled to the middle with the wheel, the rows there are rendered, and nothing else.
    await page.locator('.nodes-table-scroll').evaluate((box) => {
      box.scrollTop = 500 * 34;
    });
    await expect(page.locator('tr[data-node-id="node-510"]')).toBeInViewport();
    expect(await rendered.count()).toBeLessThanOrEqual(60);

    await page.getByLabel('Filter nodes').fill('state:active');
    await expect.poll(() => rowIds(page)).toEqual(['node-1', 'node-2', 'node-3']);
  } finally {
    await stop(consoleProcess);
  }
});
