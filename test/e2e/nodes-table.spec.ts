/**
 * The foundation's path end to end: real ws clients → reference node with the agent →
 * console core → web mode → React table in Debian's Chromium.
 */

import { expect, type Page, test } from '@playwright/test';
import type { WebSocket } from 'ws';
import { closeClients, openClients } from '../helpers/clients.js';
import type { NodeProcess } from '../helpers/processes.js';
import { startWebConsoleFleet, type WebConsoleFleet } from './web-console.js';

let nodes: NodeProcess[];
let fleet: WebConsoleFleet;
let consoleUrl: string;

test.beforeAll(async () => {
  fleet = await startWebConsoleFleet(2, 'e2e fleet');
  nodes = fleet.nodes;
  consoleUrl = fleet.url;
});

test.afterAll(async () => {
  await fleet.stop();
});

const cell = (page: Page, nodeId: string, column: string) =>
  page.locator(`tr[data-node-id="${nodeId}"] [data-column="${column}"]`);
const stateOf = (page: Page, nodeId: string) => cell(page, nodeId, 'state').locator('.status-label');

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
