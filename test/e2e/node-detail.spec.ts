/**
 * The node detail end to end: real ws clients → reference node with the agent → console core →
 * web mode → the detail view's identity, charts, close codes and channels in Debian's Chromium.
 */

import { hostname } from 'node:os';
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
  fleet = await startWebConsoleFleet(2, 'detail fleet');
  nodes = fleet.nodes;
  consoleUrl = fleet.url;
});

test.afterAll(async () => {
  await fleet.stop();
});

const node = (index: number) => nodes[index] as NodeProcess;
const field = (page: Page, name: string) => page.locator(`.identity-panel [data-field="${name}"] dd`);
const statusOf = (page: Page) => page.locator('.node-detail-header .status-label');
const liveValue = (page: Page, chart: string) => page.locator(`[data-chart="${chart}"] .node-chart-value`);
const closeCodeCell = (page: Page, code: string, column: number) =>
  page.locator(`[data-close-code="${code}"] td`).nth(column);

const UNIT_SECONDS: Readonly<Record<string, number>> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** Seconds in an uptime as the view writes it ('45s', '12m 5s', '3h 20m', '2d 4h'); NaN for anything else. */
function uptimeSeconds(text: string | null): number {
  const parts = [...(text ?? '').matchAll(/(\d+)([dhms])/g)];
  if (parts.length === 0) return Number.NaN;
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (UNIT_SECONDS[unit as string] ?? 0), 0);
}

const readUptime = async (page: Page) => uptimeSeconds(await field(page, 'uptime').textContent());

/** Subscribes `subscribers` to `channel` and publishes on it from `publisher` every 100 ms until stopped. */
function keepPublishing(
  publisher: WebSocket,
  subscribers: readonly WebSocket[],
  channel: string,
): () => void {
  for (const socket of subscribers) socket.send(JSON.stringify({ op: 'sub', channel }));
  let count = 0;
  const timer = setInterval(() => {
    count += 1;
    publisher.send(JSON.stringify({ op: 'pub', channel, data: { count, text: 'hello subscribers' } }));
  }, 100);
  return () => clearInterval(timer);
}

test('shows who the node is, its connections, close codes and busiest channels live', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes/node-1`);
  await expect(page.getByRole('heading', { level: 2, name: 'node-1' })).toBeVisible();
  await expect(statusOf(page)).toHaveText('active');
  await expect(field(page, 'version')).toHaveText('0.1.0');
  await expect(field(page, 'pid')).toHaveText(String(node(0).child?.pid));
  await expect(field(page, 'host')).toHaveText(hostname());
  await expect(field(page, 'name')).toHaveText('node-1');
  await expect(field(page, 'admin-url')).toHaveText(node(0).adminUrl);
  await expect(field(page, 'public-url')).toHaveText(node(0).url);
  await expect(field(page, 'labels').getByRole('listitem')).toContainText(['role=reference-node']);
  expect(await readUptime(page)).toBeGreaterThanOrEqual(0);

  const drain = page.getByRole('region', { name: 'Drain controls' });
  await expect(drain).toContainText('node-1 is active and takes new connections');
  await expect(drain.getByRole('button', { name: 'Drain…' })).toBeEnabled();

  await expect(liveValue(page, 'connections')).toHaveText('0');
  await expect(page.getByRole('region', { name: /Close codes/ })).toContainText(
    'No connection has closed since this node started.',
    { timeout: 5_000 },
  );

  let sockets: WebSocket[] = [];
  let stopPublishing = () => {};
  try {
    sockets = await openClients(node(0).url, 6);
    const [publisher, ...rest] = sockets as [WebSocket, ...WebSocket[]];
    stopPublishing = keepPublishing(publisher, rest.slice(0, 3), 'lobby');

    await expect(liveValue(page, 'connections')).toHaveText('6', { timeout: 3_000 });
    const websocket = page.locator('.transport-share [data-transport="websocket"]');
    await expect(websocket).toContainText('6');
    await expect(websocket).toContainText('100 %');

    // The reference node reports its channels, so the busiest one shows with its subscribers.
    const lobby = page.locator('.top-channels [data-channel="lobby"]');
    await expect(lobby).toBeVisible({ timeout: 5_000 });
    await expect(lobby.locator('td').last()).toHaveText('3');
    await expect(page.locator('.top-channels')).toContainText(
      '1 channel with local subscribers, 3 subscribers',
    );

    // A few history points, so every chart draws a line.
    await expect
      .poll(() => page.locator('[data-chart="connections"] .recharts-line-curve').count(), { timeout: 5_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => page.locator('.recharts-line-curve').count()).toBeGreaterThanOrEqual(8);
    await page.waitForTimeout(3_000);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: test.info().outputPath('node-detail.png') });
    await page.screenshot({ path: test.info().outputPath('node-detail-full.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: test.info().outputPath('node-detail-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  } finally {
    stopPublishing();
    // Two clients leave with an application code, the rest normally.
    await closeClients(sockets.slice(0, 2), 4000);
    await closeClients(sockets.slice(2), 1000);
  }

  await expect(liveValue(page, 'connections')).toHaveText('0', { timeout: 3_000 });
  await expect(closeCodeCell(page, '4000', 1)).toHaveText('2', { timeout: 5_000 });
  await expect(closeCodeCell(page, '1000', 1)).toHaveText('4', { timeout: 5_000 });
  await expect(page.locator('[data-close-code="4000"]')).toContainText('Application-defined');
  await expect(page.locator('[data-close-code="4000"]')).toContainText('abnormal');
  await expect(page.locator('[data-close-code="1000"]')).toContainText('Normal closure');
  await expect(closeCodeCell(page, '1000', 2)).toHaveText('67 %');
  await page.getByRole('region', { name: /Close codes/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('node-detail-close-codes.png') });
});

test('a node without channel activity says what the host has to call', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes/node-2`);
  await expect(statusOf(page)).toHaveText('active');
  await expect(page.getByRole('region', { name: /Top channels/ })).toContainText(
    'No channel activity reported: the host calls agent.channels.published/delivered',
    { timeout: 5_000 },
  );
});

test('a restarted node shows a reset uptime and its new pid', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes/node-1`);
  await expect(statusOf(page)).toHaveText('active');
  await expect.poll(() => readUptime(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
  const before = await readUptime(page);
  const oldPid = node(0).child?.pid;
  await expect(field(page, 'pid')).toHaveText(String(oldPid));

  await node(0).kill();
  await expect(statusOf(page)).toHaveText('unreachable', { timeout: 3_000 });
  await expect(field(page, 'uptime')).toHaveText('unknown while unreachable');
  await expect(page.locator('.node-detail-problem')).not.toBeEmpty();
  await page.screenshot({ path: test.info().outputPath('node-detail-unreachable.png') });

  await node(0).restart();
  await expect(statusOf(page)).toHaveText('active', { timeout: 10_000 });
  const newPid = node(0).child?.pid;
  expect(newPid).not.toBe(oldPid);
  await expect(field(page, 'pid')).toHaveText(String(newPid));
  const after = await readUptime(page);
  expect(after).toBeLessThan(before);
  // And it ticks on from there.
  await expect.poll(() => readUptime(page), { timeout: 5_000 }).toBeGreaterThan(after);
});

test('an unknown node id says so and links back to the nodes', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes/ghost`);
  await expect(page.getByText('No node “ghost” in this fleet')).toBeVisible();
  await page.getByRole('link', { name: 'Back to the nodes' }).click();
  await expect(page.getByRole('table', { name: 'Nodes' })).toBeVisible();
  await expect(page).toHaveURL(/#\/nodes$/);
});

test('a lost console link leaves the figures with a readable message, not a blank page', async ({ page }) => {
  await page.goto(`${consoleUrl}#/nodes/node-2`);
  await expect(statusOf(page)).toHaveText('active');
  await expect(field(page, 'version')).toHaveText('0.1.0');
  // Last test: stopping the console (and nodes) is final; afterAll's stop is then a no-op.
  await fleet.stop();
  const problem = page.locator('.node-detail-error');
  await expect(problem).toContainText('Could not read this node’s', { timeout: 5_000 });
  await expect(page.getByRole('heading', { level: 2, name: 'node-2' })).toBeVisible();
  await expect(field(page, 'version')).toHaveText('0.1.0');
  await page.screenshot({ path: test.info().outputPath('node-detail-link-lost.png') });
});
